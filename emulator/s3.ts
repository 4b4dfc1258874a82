import { createHash, randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ApiError, toXml, type ApiResult } from './protocol.js';
import { encryptionXml, locationXml, type BucketConfig } from './s3-buckets.js';
import { deleteRequestKeys, listObjectsXml, listUploadsXml, S3_NS } from './s3-list.js';
import { encryptionFromHeaders, encryptionHeaders, type ObjectEncryption } from './s3-sse.js';

interface StoredObject {
  body: Buffer;
  etag: string;
  lastModified: Date;
  contentType: string;
  encryption: ObjectEncryption;
}

interface Upload {
  bucket: string;
  key: string;
  contentType: string;
  encryption: ObjectEncryption;
  initiated: Date;
  parts: Map<number, { body: Buffer; etag: string }>;
}

export interface S3Request {
  method: string;
  bucket: string;
  key: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** SigV4 region and caller account, for the ARN of the AWS managed KMS key. */
  region?: string;
  accountId?: string;
  /** The failS3 knob's truncate: half the body, then the connection closes. */
  truncate?: boolean;
  /** DeleteObjects: keys IAM refuses, reported as per-key AccessDenied errors and kept. */
  deniedKeys?: ReadonlySet<string>;
}

const NO_ENCRYPTION_REQUESTED: ObjectEncryption = { algorithm: 'AES256', requested: {} };
const md5 = (b: Buffer): string => `"${createHash('md5').update(b).digest('hex')}"`;
const noSuchKey = (key: string): ApiError =>
  new ApiError('NoSuchKey', 'The specified key does not exist.', 404, { Key: key });

/** The truncate fault: Content-Length stays whole, half the bytes go out, then the connection closes. */
function cut(body: Buffer, headers: Record<string, string>, truncate: boolean | undefined): Buffer {
  if (!truncate) return body;
  headers.connection = 'close';
  return body.subarray(0, body.length >> 1);
}

/** The SDK streams bodies of unknown length as aws-chunked with trailing checksums; undo that framing. */
export function decodeAwsChunked(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', pos);
    if (eol < 0) break;
    const size = parseInt(body.subarray(pos, eol).toString('latin1').split(';')[0]!, 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(body.subarray(eol + 2, eol + 2 + size));
    pos = eol + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

export function s3Action(method: string, key: string, query: URLSearchParams): string {
  if (key === '') {
    if (method === 'GET') {
      if (query.has('location')) return 'GetBucketLocation';
      if (query.has('encryption')) return 'GetBucketEncryption';
      return query.has('uploads') ? 'ListMultipartUploads' : 'ListObjectsV2';
    }
    if (method === 'POST' && query.has('delete')) return 'DeleteObjects';
    return method === 'PUT' ? 'CreateBucket' : method === 'HEAD' ? 'HeadBucket' : `${method}Bucket`;
  }
  if (method === 'POST' && query.has('uploads')) return 'CreateMultipartUpload';
  if (method === 'POST' && query.has('uploadId')) return 'CompleteMultipartUpload';
  if (method === 'PUT' && query.has('uploadId')) return 'UploadPart';
  if (method === 'DELETE' && query.has('uploadId')) return 'AbortMultipartUpload';
  return { GET: 'GetObject', HEAD: 'HeadObject', PUT: 'PutObject', DELETE: 'DeleteObject' }[method] ?? method;
}

/** In-memory S3: buckets exist as soon as they are named; scenario buckets add a region and encryption. */
export class S3Store {
  private readonly buckets = new Map<string, Map<string, StoredObject>>();
  private readonly uploads = new Map<string, Upload>();

  constructor(readonly configs: ReadonlyMap<string, BucketConfig> = new Map()) {}

  /**
   * The encryption a write gets: what its SSE headers ask for, else the bucket's default encryption
   * (SSE-S3 for buckets without one).
   */
  writeEncryption(
    bucket: string,
    headers: IncomingHttpHeaders,
    region: string,
    account: string,
  ): ObjectEncryption {
    const asked = encryptionFromHeaders(headers, region, account);
    const fallback = this.configs.get(bucket)?.encryption;
    if (Object.keys(asked.requested).length > 0 || fallback === undefined) return asked;
    return {
      algorithm: fallback.algorithm,
      ...(fallback.kmsKeyId === undefined ? {} : { kmsKeyId: fallback.kmsKeyId }),
      ...(fallback.bucketKeyEnabled ? { bucketKeyEnabled: true } : {}),
      requested: {},
    };
  }

  /** The encryption of a multipart upload in progress. */
  uploadEncryption(uploadId: string | null): ObjectEncryption | undefined {
    return uploadId === null ? undefined : this.uploads.get(uploadId)?.encryption;
  }

  put(
    bucket: string,
    key: string,
    body: Buffer,
    contentType = 'binary/octet-stream',
    encryption = NO_ENCRYPTION_REQUESTED,
  ): StoredObject {
    let b = this.buckets.get(bucket);
    if (!b) this.buckets.set(bucket, (b = new Map<string, StoredObject>()));
    const obj = { body, etag: md5(body), lastModified: new Date(), contentType, encryption };
    b.set(key, obj);
    return obj;
  }

  get(bucket: string, key: string): Buffer | undefined {
    return this.buckets.get(bucket)?.get(key)?.body;
  }

  /** The encryption an object was stored with, including the SSE headers its write carried. */
  encryption(bucket: string, key: string): ObjectEncryption | undefined {
    return this.buckets.get(bucket)?.get(key)?.encryption;
  }

  /** Multipart uploads neither completed nor aborted, as `bucket/key`. */
  pendingUploads(): string[] {
    return [...this.uploads.values()].map((u) => `${u.bucket}/${u.key}`).sort();
  }

  /** Keys in a bucket, sorted as S3 lists them. */
  keys(bucket: string): string[] {
    return [...(this.buckets.get(bucket)?.keys() ?? [])].sort();
  }

  handle(action: string, req: S3Request): ApiResult {
    const { bucket, key, query, headers } = req;
    const sse = () =>
      this.writeEncryption(bucket, headers, req.region ?? 'us-east-1', req.accountId ?? '000000000000');
    const body =
      (headers['content-encoding'] ?? '').includes('aws-chunked') ||
      String(headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-')
        ? decodeAwsChunked(req.body)
        : req.body;
    switch (action) {
      case 'PutObject': {
        const encryption = sse();
        const obj = this.put(bucket, key, body, headers['content-type'] ?? 'binary/octet-stream', encryption);
        return { headers: { etag: obj.etag, ...encryptionHeaders(encryption) } };
      }
      case 'GetObject':
      case 'HeadObject':
        return this.read(action, req);
      case 'DeleteObject':
        this.buckets.get(bucket)?.delete(key);
        return { status: 204 };
      case 'ListObjectsV2':
        return { xml: listObjectsXml(bucket, query, this.keys(bucket), (k) => this.listed(bucket, k)) };
      case 'ListMultipartUploads': {
        const open = [...this.uploads].filter(([, u]) => u.bucket === bucket);
        return {
          xml: listUploadsXml(
            bucket,
            query,
            open.map(([uploadId, u]) => ({ ...u, uploadId })),
          ),
        };
      }
      case 'DeleteObjects':
        return this.deleteObjects(bucket, body, req.deniedKeys);
      case 'HeadBucket':
      case 'CreateBucket':
        return {};
      case 'GetBucketLocation':
        return { xml: locationXml(this.configs.get(bucket)?.region ?? req.region ?? 'us-east-1') };
      case 'GetBucketEncryption':
        return { xml: encryptionXml(this.configs.get(bucket)) };
      case 'CreateMultipartUpload':
        return this.createUpload(bucket, key, headers['content-type'] ?? 'binary/octet-stream', sse());
      case 'UploadPart': {
        const upload = this.upload(query.get('uploadId'));
        const etag = md5(body);
        upload.parts.set(Number(query.get('partNumber')), { body, etag });
        return { headers: { etag } };
      }
      case 'CompleteMultipartUpload':
        return this.completeUpload(bucket, key, query.get('uploadId'), body);
      case 'AbortMultipartUpload':
        this.upload(query.get('uploadId'));
        this.uploads.delete(query.get('uploadId')!);
        return { status: 204 };
      default:
        throw new ApiError('NotImplemented', `The emulator does not implement ${action}.`, 501);
    }
  }

  private deleteObjects(bucket: string, body: Buffer, denied: ReadonlySet<string> = new Set()): ApiResult {
    const { keys, quiet } = deleteRequestKeys(body.toString('utf8'));
    const allowed = keys.filter((k) => !denied.has(k));
    for (const k of allowed) this.buckets.get(bucket)?.delete(k);
    const deleted = quiet ? [] : allowed.map((k) => ({ Key: k }));
    const errors = keys
      .filter((k) => denied.has(k))
      .map((k) => ({ Key: k, Code: 'AccessDenied', Message: 'Access Denied' }));
    return {
      xml: `<DeleteResult xmlns="${S3_NS}">${toXml({ Deleted: deleted, Error: errors })}</DeleteResult>`,
    };
  }

  private createUpload(
    bucket: string,
    key: string,
    contentType: string,
    encryption: ObjectEncryption,
  ): ApiResult {
    const uploadId = randomUUID().replaceAll('-', '');
    this.uploads.set(uploadId, {
      bucket,
      key,
      contentType,
      encryption,
      initiated: new Date(),
      parts: new Map(),
    });
    return {
      headers: encryptionHeaders(encryption),
      xml: `<InitiateMultipartUploadResult xmlns="${S3_NS}">${toXml({ Bucket: bucket, Key: key, UploadId: uploadId })}</InitiateMultipartUploadResult>`,
    };
  }

  /** The parts the body lists, in its order; the ETag is S3's MD5 of the part MD5s, "-" part count. */
  private completeUpload(bucket: string, key: string, uploadId: string | null, body: Buffer): ApiResult {
    const upload = this.upload(uploadId);
    const wanted = [...body.toString('utf8').matchAll(/<PartNumber>(\d+)<\/PartNumber>/g)].map((m) =>
      Number(m[1]),
    );
    const chunks = wanted.map((n) => {
      const part = upload.parts.get(n);
      if (!part) throw new ApiError('InvalidPart', `Part ${n} was not uploaded.`, 400);
      return part.body;
    });
    const etags = Buffer.concat(
      wanted.map((n) => Buffer.from(upload.parts.get(n)!.etag.slice(1, -1), 'hex')),
    );
    this.uploads.delete(uploadId!);
    const obj = this.put(
      upload.bucket,
      upload.key,
      Buffer.concat(chunks),
      upload.contentType,
      upload.encryption,
    );
    obj.etag = `"${createHash('md5').update(etags).digest('hex')}-${wanted.length}"`;
    return {
      headers: encryptionHeaders(upload.encryption),
      xml: `<CompleteMultipartUploadResult xmlns="${S3_NS}">${toXml({ Location: `/${bucket}/${key}`, Bucket: bucket, Key: key, ETag: obj.etag })}</CompleteMultipartUploadResult>`,
    };
  }

  private upload(uploadId: string | null): Upload {
    const upload = uploadId === null ? undefined : this.uploads.get(uploadId);
    if (!upload) {
      throw new ApiError(
        'NoSuchUpload',
        'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
        404,
      );
    }
    return upload;
  }

  private read(action: string, { bucket, key, headers: req, truncate }: S3Request): ApiResult {
    const obj = this.buckets.get(bucket)?.get(key);
    if (!obj) throw noSuchKey(key);
    const ifMatch = req['if-match'];
    if (ifMatch !== undefined && ifMatch !== '*' && !ifMatch.split(/\s*,\s*/).includes(obj.etag)) {
      throw new ApiError(
        'PreconditionFailed',
        'At least one of the pre-conditions you specified did not hold',
        412,
        {
          Condition: 'If-Match',
        },
      );
    }
    const range = req.range;
    const headers: Record<string, string> = {
      etag: obj.etag,
      'last-modified': obj.lastModified.toUTCString(),
      'content-type': obj.contentType,
      'accept-ranges': 'bytes',
      ...encryptionHeaders(obj.encryption),
    };
    const size = obj.body.length;
    const m = range === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(range);
    if (m && (m[1] !== '' || m[2] !== '')) {
      let start = m[1] === '' ? Math.max(0, size - Number(m[2])) : Number(m[1]);
      let end = m[1] === '' || m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
      if (start >= size) {
        throw new ApiError('InvalidRange', 'The requested range is not satisfiable', 416, {
          ActualObjectSize: String(size),
        });
      }
      start = Math.max(0, start);
      end = Math.max(start, end);
      const slice = obj.body.subarray(start, end + 1);
      headers['content-range'] = `bytes ${start}-${end}/${size}`;
      headers['content-length'] = String(slice.length);
      return { status: 206, headers, body: action === 'HeadObject' ? '' : cut(slice, headers, truncate) };
    }
    headers['content-length'] = String(size);
    return { headers, body: action === 'HeadObject' ? '' : cut(obj.body, headers, truncate) };
  }

  private listed(bucket: string, key: string) {
    const o = this.buckets.get(bucket)!.get(key)!;
    return { key, lastModified: o.lastModified, etag: o.etag, size: o.body.length };
  }
}
