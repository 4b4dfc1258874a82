import { toXml } from './protocol.js';

export const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

export interface ListedObject {
  key: string;
  lastModified: Date;
  etag: string;
  size: number;
}

/** ListObjectsV2 over `keys` (sorted): prefix, delimiter, max-keys, continuation-token, start-after. */
export function listObjectsXml(
  bucket: string,
  query: URLSearchParams,
  keys: string[],
  object: (key: string) => ListedObject,
): string {
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') ?? '';
  const maxKeys = Math.min(1000, Number(query.get('max-keys') ?? 1000));
  const token = query.get('continuation-token');
  const after =
    token !== null ? Buffer.from(token, 'base64url').toString('utf8') : (query.get('start-after') ?? '');
  const contents: ListedObject[] = [];
  const prefixes: string[] = [];
  let truncated = false;
  let last = '';
  for (const key of keys) {
    if (!key.startsWith(prefix) || key <= after) continue;
    let entry = key;
    if (delimiter !== '') {
      const idx = key.indexOf(delimiter, prefix.length);
      if (idx >= 0) entry = key.slice(0, idx + delimiter.length);
    }
    if (entry !== key && (prefixes.includes(entry) || entry <= after)) continue;
    if (contents.length + prefixes.length >= maxKeys) {
      truncated = true;
      break;
    }
    if (entry === key) contents.push(object(key));
    else prefixes.push(entry);
    // Continue after the whole common prefix so the next page does not repeat it.
    last = entry === key ? key : `${entry}\u{10FFFF}`;
  }
  const xml = toXml({
    Name: bucket,
    Prefix: prefix,
    Delimiter: delimiter === '' ? undefined : delimiter,
    MaxKeys: maxKeys,
    KeyCount: contents.length + prefixes.length,
    IsTruncated: truncated,
    ContinuationToken: token ?? undefined,
    NextContinuationToken: truncated ? Buffer.from(last, 'utf8').toString('base64url') : undefined,
    Contents: contents.map((o) => ({
      Key: o.key,
      LastModified: o.lastModified.toISOString(),
      ETag: o.etag,
      Size: o.size,
      StorageClass: 'STANDARD',
    })),
    CommonPrefixes: prefixes.map((p) => ({ Prefix: p })),
  });
  return `<ListBucketResult xmlns="${S3_NS}">${xml}</ListBucketResult>`;
}

/** ListMultipartUploads: every upload not yet completed or aborted (one page; prefix honoured). */
export function listUploadsXml(
  bucket: string,
  query: URLSearchParams,
  uploads: { key: string; uploadId: string; initiated: Date }[],
): string {
  const prefix = query.get('prefix') ?? '';
  const listed = uploads
    .filter((u) => u.key.startsWith(prefix))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const xml = toXml({
    Bucket: bucket,
    Prefix: prefix,
    MaxUploads: 1000,
    IsTruncated: false,
    Upload: listed.map((u) => ({
      Key: u.key,
      UploadId: u.uploadId,
      Initiated: u.initiated.toISOString(),
      StorageClass: 'STANDARD',
    })),
  });
  return `<ListMultipartUploadsResult xmlns="${S3_NS}">${xml}</ListMultipartUploadsResult>`;
}

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** The keys of a DeleteObjects request body (`<Delete><Object><Key>…</Key></Object>…</Delete>`). */
export function deleteRequestKeys(body: string): { keys: string[]; quiet: boolean } {
  const keys = [...body.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) =>
    m[1]!.replace(
      /&(amp|lt|gt|quot|apos|#(\d+)|#x([0-9a-fA-F]+));/g,
      (_, name: string, dec?: string, hex?: string) =>
        dec !== undefined
          ? String.fromCodePoint(Number(dec))
          : hex !== undefined
            ? String.fromCodePoint(parseInt(hex, 16))
            : XML_ENTITIES[name]!,
    ),
  );
  return { keys, quiet: /<Quiet>\s*true\s*<\/Quiet>/i.test(body) };
}
