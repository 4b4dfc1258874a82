import { createHash, randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ApiError, toXml, type ApiResult } from './protocol.js';

interface StoredObject {
  body: Buffer;
  etag: string;
  lastModified: Date;
  contentType: string;
}

interface Upload {
  bucket: string;
  key: string;
  contentType: string;
  parts: Map<number, { body: Buffer; etag: string }>;
}

export interface S3Request {
  method: string;
  bucket: string;
  key: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const md5 = (b: Buffer): string => `"${createHash('md5').update(b).digest('hex')}"`;
const noSuchKey = (key: string): ApiError =>
  new ApiError('NoSuchKey', 'The specified key does not exist.', 404, { Key: key });

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
    if (method === 'GET') return 'ListObjectsV2';
    return method === 'PUT' ? 'CreateBucket' : method === 'HEAD' ? 'HeadBucket' : `${method}Bucket`;
  }
  if (method === 'POST' && query.has('uploads')) return 'CreateMultipartUpload';
  if (method === 'POST' && query.has('uploadId')) return 'CompleteMultipartUpload';
  if (method === 'PUT' && query.has('uploadId')) return 'UploadPart';
  if (method === 'DELETE' && query.has('uploadId')) return 'AbortMultipartUpload';
  return { GET: 'GetObject', HEAD: 'HeadObject', PUT: 'PutObject', DELETE: 'DeleteObject' }[method] ?? method;
}

/** In-memory S3: buckets exist as soon as they are named. */
export class S3Store {
  private readonly buckets = new Map<string, Map<string, StoredObject>>();
  private readonly uploads = new Map<string, Upload>();

  put(bucket: string, key: string, body: Buffer, contentType = 'binary/octet-stream'): StoredObject {
    let b = this.buckets.get(bucket);
    if (!b) this.buckets.set(bucket, (b = new Map<string, StoredObject>()));
    const obj = { body, etag: md5(body), lastModified: new Date(), contentType };
    b.set(key, obj);
    return obj;
  }

  get(bucket: string, key: string): Buffer | undefined {
    return this.buckets.get(bucket)?.get(key)?.body;
  }

  /** Keys in a bucket, sorted as S3 lists them. */
  keys(bucket: string): string[] {
    return [...(this.buckets.get(bucket)?.keys() ?? [])].sort();
  }

  handle(action: string, req: S3Request): ApiResult {
    const { bucket, key, query, headers } = req;
    const body =
      (headers['content-encoding'] ?? '').includes('aws-chunked') ||
      String(headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-')
        ? decodeAwsChunked(req.body)
        : req.body;
    switch (action) {
      case 'PutObject': {
        const obj = this.put(bucket, key, body, headers['content-type'] ?? 'binary/octet-stream');
        return { headers: { etag: obj.etag } };
      }
      case 'GetObject':
      case 'HeadObject':
        return this.read(action, bucket, key, headers.range);
      case 'DeleteObject':
        this.buckets.get(bucket)?.delete(key);
        return { status: 204 };
      case 'ListObjectsV2':
        return this.list(bucket, query);
      case 'HeadBucket':
      case 'CreateBucket':
        return {};
      case 'CreateMultipartUpload': {
        const uploadId = randomUUID().replaceAll('-', '');
        this.uploads.set(uploadId, {
          bucket,
          key,
          contentType: headers['content-type'] ?? 'binary/octet-stream',
          parts: new Map(),
        });
        return {
          xml: `<InitiateMultipartUploadResult xmlns="${S3_NS}">${toXml({ Bucket: bucket, Key: key, UploadId: uploadId })}</InitiateMultipartUploadResult>`,
        };
      }
      case 'UploadPart': {
        const upload = this.upload(query.get('uploadId'));
        const etag = md5(body);
        upload.parts.set(Number(query.get('partNumber')), { body, etag });
        return { headers: { etag } };
      }
      case 'CompleteMultipartUpload': {
        const uploadId = query.get('uploadId');
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
        const obj = this.put(upload.bucket, upload.key, Buffer.concat(chunks), upload.contentType);
        obj.etag = `"${createHash('md5').update(etags).digest('hex')}-${wanted.length}"`;
        return {
          xml: `<CompleteMultipartUploadResult xmlns="${S3_NS}">${toXml({ Location: `/${bucket}/${key}`, Bucket: bucket, Key: key, ETag: obj.etag })}</CompleteMultipartUploadResult>`,
        };
      }
      case 'AbortMultipartUpload':
        this.upload(query.get('uploadId'));
        this.uploads.delete(query.get('uploadId')!);
        return { status: 204 };
      default:
        throw new ApiError('NotImplemented', `The emulator does not implement ${action}.`, 501);
    }
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

  private read(action: string, bucket: string, key: string, range: string | undefined): ApiResult {
    const obj = this.buckets.get(bucket)?.get(key);
    if (!obj) throw noSuchKey(key);
    const headers: Record<string, string> = {
      etag: obj.etag,
      'last-modified': obj.lastModified.toUTCString(),
      'content-type': obj.contentType,
      'accept-ranges': 'bytes',
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
      return { status: 206, headers, body: action === 'HeadObject' ? '' : slice };
    }
    headers['content-length'] = String(size);
    return { headers, body: action === 'HeadObject' ? '' : obj.body };
  }

  private list(bucket: string, query: URLSearchParams): ApiResult {
    const prefix = query.get('prefix') ?? '';
    const delimiter = query.get('delimiter') ?? '';
    const maxKeys = Math.min(1000, Number(query.get('max-keys') ?? 1000));
    const token = query.get('continuation-token');
    const after =
      token !== null ? Buffer.from(token, 'base64url').toString('utf8') : (query.get('start-after') ?? '');
    const contents: StoredObject[] = [];
    const contentKeys: string[] = [];
    const prefixes: string[] = [];
    let truncated = false;
    let last = '';
    for (const key of this.keys(bucket)) {
      if (!key.startsWith(prefix) || key <= after) continue;
      let entry = key;
      if (delimiter !== '') {
        const idx = key.indexOf(delimiter, prefix.length);
        if (idx >= 0) entry = key.slice(0, idx + delimiter.length);
      }
      if (entry !== key && (prefixes.includes(entry) || entry <= after)) continue;
      if (contentKeys.length + prefixes.length >= maxKeys) {
        truncated = true;
        break;
      }
      if (entry === key) {
        contentKeys.push(key);
        contents.push(this.buckets.get(bucket)!.get(key)!);
      } else prefixes.push(entry);
      // Continue after the whole common prefix so the next page does not repeat it.
      last = entry === key ? key : `${entry}\u{10FFFF}`;
    }
    const xml = toXml({
      Name: bucket,
      Prefix: prefix,
      Delimiter: delimiter === '' ? undefined : delimiter,
      MaxKeys: maxKeys,
      KeyCount: contentKeys.length + prefixes.length,
      IsTruncated: truncated,
      ContinuationToken: token ?? undefined,
      NextContinuationToken: truncated ? Buffer.from(last, 'utf8').toString('base64url') : undefined,
      Contents: contents.map((o, i) => ({
        Key: contentKeys[i],
        LastModified: o.lastModified.toISOString(),
        ETag: o.etag,
        Size: o.body.length,
        StorageClass: 'STANDARD',
      })),
      CommonPrefixes: prefixes.map((p) => ({ Prefix: p })),
    });
    return { xml: `<ListBucketResult xmlns="${S3_NS}">${xml}</ListBucketResult>` };
  }
}
