import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { RecordBatchReader, type RecordBatch, type Schema } from 'apache-arrow';
import {
  isS3Location,
  joinLocation,
  parseS3Target,
  s3ObjectExists,
  type S3UploadOptions,
  uploadFileToS3,
} from '../aws/index.js';
import { openRangedObject } from '../extract/index.js';
import { readSpilled, spillArea, type SpilledResult, writeArrowFile } from '../sinks/index.js';
import { datasetName, sharedPartPath } from './write-partitioned.js';

/** Staged parts are always named by this key, whatever the query's account column is called. */
const STAGING_KEY = 'account_id';

/** The S3 client for a staging root on S3 (undefined for a local root). */
export type StagingS3 = (() => S3Client) | undefined;

/** Where one (account, region) unit of `query` is staged under a run's staging root (a folder or an S3 prefix). */
export function stagedPartPath(root: string, query: string, accountId: string, region: string): string {
  return joinLocation(root, datasetName(query), sharedPartPath(STAGING_KEY, accountId, region, 'arrows'));
}

export interface StagedUnit {
  accountId: string;
  region: string;
  data: SpilledResult;
}

function s3Of(s3: StagingS3, path: string): S3Client {
  if (!s3) throw new Error(`internal: staging at ${path} needs an S3 client`);
  return s3();
}

/**
 * A shard's units of one query for merged sinks: each unit's results (kept in memory or spilled, where
 * a file may hold several IPC streams as timestamp units widened) written atomically into the staging
 * layout as one Arrow IPC stream of the unit's own widest schema, every column kept. The types stay exact for any
 * output format, and `merge` unions the units' schemas exactly as a single run does. On S3 each part is
 * written to the spill area, then uploaded whole (an object appears only complete); the shard's
 * manifest, written after every part, is what tells `merge` which parts to read.
 */
export async function stageUnits(
  root: string,
  query: string,
  units: StagedUnit[],
  s3?: StagingS3,
  /** The encryption of the sink whose prefix holds the staging. */
  upload: S3UploadOptions = {},
): Promise<{ path: string; rows: number; bytes: number }> {
  let rows = 0;
  let bytes = 0;
  for (const u of units) {
    const path = stagedPartPath(root, query, u.accountId, u.region);
    if (isS3Location(path)) {
      const local = join(await spillArea(), `staged-${randomBytes(6).toString('hex')}.arrows`);
      try {
        await writeArrowFile(local, u.data.schema, readSpilled(u.data), 'stream');
        await uploadFileToS3(s3Of(s3, path), local, path, upload);
      } finally {
        await rm(local, { force: true });
      }
    } else await writeArrowFile(path, u.data.schema, readSpilled(u.data), 'stream');
    rows += u.data.rows;
    bytes += u.data.bytes;
  }
  return { path: stagingDir(root, query), rows, bytes };
}

/** A staged part's bytes: a local file, or an S3 object read in ranges (two in flight: memory stays bounded). */
async function stagedBytes(path: string, s3: StagingS3, head: boolean): Promise<AsyncGenerator<Uint8Array>> {
  if (!isS3Location(path)) return fileChunks(path);
  const { bucket, key } = parseS3Target(path);
  const opts = head ? { concurrency: 1, rangeBytes: 1024 * 1024 } : { concurrency: 2 };
  return (await openRangedObject(s3Of(s3, path), bucket, key, opts)).body as AsyncGenerator<Uint8Array>;
}

async function* fileChunks(path: string): AsyncGenerator<Uint8Array> {
  const stream = createReadStream(path);
  try {
    for await (const chunk of stream) yield chunk as Uint8Array;
  } finally {
    stream.destroy();
  }
}

/** The schema of a staged part: only its first message is read. */
export async function stagedSchema(path: string, s3?: StagingS3): Promise<Schema> {
  const bytes = await stagedBytes(path, s3, true);
  try {
    const reader = await RecordBatchReader.from(bytes);
    await reader.open();
    return reader.schema;
  } finally {
    // Stops the file stream or the ranges still to be read.
    await bytes.return(undefined);
  }
}

/** A staged part's batches, one at a time. */
export async function* readStaged(
  path: string,
  s3?: StagingS3,
): AsyncGenerator<RecordBatch, void, undefined> {
  const reader = await RecordBatchReader.from(await stagedBytes(path, s3, false));
  for await (const batch of reader) yield batch;
}

/** Whether a staged part is there (a local file, or an S3 object). */
export async function isStaged(path: string, s3?: StagingS3): Promise<boolean> {
  if (isS3Location(path)) return s3ObjectExists(s3Of(s3, path), path);
  return isFile(path);
}

export async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

/** Where a shard stages the units of `query` under its staging root. */
export function stagingDir(root: string, query: string): string {
  return joinLocation(root, datasetName(query));
}
