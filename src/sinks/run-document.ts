import { readdir, readFile } from 'node:fs/promises';
import { S3Client } from '@aws-sdk/client-s3';
import {
  awsClientConfig,
  isS3Location,
  listS3Objects,
  parseS3Target,
  putS3Object,
  readS3Text,
} from '../aws/index.js';
import { jsonText, writeJsonAtomic } from './write-json-atomic.js';

/**
 * The run's own documents (manifest, shard manifests) at a local path or an `s3://` URL, so shards on
 * machines without a shared disk can hand their manifests to `merge`. One PutObject is atomic: a reader
 * sees the whole previous document or the whole new one, as with the local rename.
 */
async function withS3<T>(region: string, f: (s3: S3Client) => Promise<T>): Promise<T> {
  const s3 = new S3Client(awsClientConfig('s3', { region }));
  try {
    return await f(s3);
  } finally {
    s3.destroy();
  }
}

export async function writeRunDocument(location: string, value: unknown, region: string): Promise<void> {
  if (!isS3Location(location)) return writeJsonAtomic(location, value);
  await withS3(region, (s3) => putS3Object(s3, location, jsonText(value), 'application/json'));
}

/** The document's text; undefined when there is none. */
export async function readRunDocument(location: string, region: string): Promise<string | undefined> {
  if (isS3Location(location)) return withS3(region, (s3) => readS3Text(s3, location));
  return readFile(location, 'utf8').catch(() => undefined);
}

/** The names of the documents directly in `dir` (a folder or an S3 prefix); none when it is absent. */
export async function listRunDocuments(dir: string, region: string): Promise<string[]> {
  if (!isS3Location(dir)) return readdir(dir).catch(() => []);
  const { bucket, key } = parseS3Target(`${dir.replace(/\/+$/, '')}/`);
  return withS3(region, async (s3) =>
    (await listS3Objects(s3, bucket, key))
      .map((o) => o.key.slice(key.length))
      .filter((n) => n !== '' && !n.includes('/')),
  );
}
