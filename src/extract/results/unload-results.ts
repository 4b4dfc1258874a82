import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { createWriteStream, openAsBlob } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type RecordBatch, Schema, tableFromIPC } from 'apache-arrow';
import { ParquetFile } from 'parquet-wasm';
import { awsErrorInfo, FanoutError } from '../../errors.js';
import { deleteS3Objects } from '../../aws/s3-objects.js';
import { type BatchContext, cancelled } from '../columns/build-record-batch.js';
import type { ExecutedQuery } from '../query/query-outcome.js';
import { type QueryResultStream, type ReadResultsOptions } from './stream-query-results.js';
import { parseS3Url } from './stream-s3-results.js';
import { conformUnloadBatch, unloadSchema } from './unload-columns.js';

export interface UnloadResultsOptions extends ReadResultsOptions {
  /** The UNLOAD's TO prefix: listed when the execution names no manifest. */
  prefix?: string;
  /** Leave the Parquet parts, the manifest and the metadata file in S3 (default: delete them once read). */
  keep?: boolean;
  /** The parts could not all be deleted; the data was read all the same. */
  onCleanupFailed?: (reason: string) => void;
  /** Where a part is downloaded to while it is decoded (default the OS temp directory). */
  tempDir?: string;
}

/** One Parquet part, downloaded to a local file and opened: its batches are decoded one at a time. */
interface OpenPart {
  url: string;
  schema: Schema;
  file: ParquetFile;
  path: string;
}

async function closePart(part: OpenPart): Promise<void> {
  part.file.free();
  await rm(part.path, { force: true });
}

/**
 * Reads the Parquet parts an UNLOAD wrote (listed by its manifest, `<id>-manifest.csv`, or else by
 * listing the TO prefix) one part at a time into batches of the same schema the API and S3 paths give
 * (arrays, maps and rows native). The first part is opened before this returns; the parts, manifest
 * and metadata file are deleted when the batches are done with (read, failed or abandoned) unless
 * `keep`.
 */
export async function streamUnloadResults(
  s3: S3Client,
  executed: ExecutedQuery,
  opts: UnloadResultsOptions = {},
): Promise<QueryResultStream> {
  const extra = opts.extraColumns ?? [];
  const ctx: BatchContext = { ...opts.context, queryExecutionId: executed.queryExecutionId };
  const batchSize = Math.max(1, Math.floor(opts.batchRows ?? 10_000));
  const manifest = executed.dataManifestLocation;
  const urls = manifest
    ? (await getBytes(s3, manifest, opts.signal, ctx))
        .toString('utf8')
        .split('\n')
        .filter((l) => l !== '')
    : await listPrefix(s3, requirePrefix(opts.prefix, ctx), opts.signal, ctx);
  const cleanup = async (): Promise<void> => {
    if (opts.keep) return;
    const leftovers = manifest ? [manifest, manifest.replace(/-manifest\.csv$/, '.metadata')] : [];
    const failed = await deleteAll(s3, [...urls, ...leftovers]);
    if (failed.length > 0)
      opts.onCleanupFailed?.(`${failed.length} UNLOAD file(s) not deleted, e.g. ${failed[0]}`);
  };

  // A part is streamed to disk and read from a file-backed Blob: memory holds a batch, not the part.
  const dir = await mkdtemp(join(opts.tempDir ?? tmpdir(), 'athena-fanout-unload-'));
  const finish = async (): Promise<void> => {
    await rm(dir, { recursive: true, force: true });
    await cleanup();
  };
  const open = (p: number) => openPart(s3, urls[p]!, join(dir, `part-${p}.parquet`), opts.signal, ctx);
  let first: OpenPart | undefined;
  let schema: Schema;
  try {
    first = urls.length > 0 ? await open(0) : undefined;
    schema = unloadSchema(first?.schema ?? new Schema([]), extra, ctx);
  } catch (err) {
    if (first) await closePart(first);
    await finish();
    throw err;
  }
  const expected = schema.fields.slice(extra.length).map((f) => `${f.name}: ${String(f.type)}`);

  async function* batches(): AsyncGenerator<RecordBatch, void, undefined> {
    let rows = 0;
    try {
      for (let p = 0; p < urls.length; p++) {
        const part = p === 0 ? first! : await open(p);
        try {
          const got = unloadSchema(part.schema, [], ctx).fields.map((f) => `${f.name}: ${String(f.type)}`);
          if (got.join('\n') !== expected.join('\n')) {
            throw new FanoutError(
              `UNLOAD part ${part.url} has columns (${got.join(', ')}) where the first part has (${expected.join(', ')})`,
              {
                context: { stage: 'results', ...ctx },
              },
            );
          }
          const stream = (await part.file.stream({ batchSize })) as unknown as AsyncIterable<{
            intoIPCStream(): Uint8Array;
          }>;
          for await (const wasmBatch of stream) {
            if (opts.signal?.aborted) throw cancelled(ctx, opts.signal.reason);
            for (const b of tableFromIPC(wasmBatch.intoIPCStream()).batches) {
              yield conformUnloadBatch(b, schema, extra, rows + 1, ctx);
              rows += b.numRows;
            }
          }
        } finally {
          await closePart(part);
        }
      }
    } finally {
      await finish();
    }
  }

  return { schema, columns: [], fetch: 'unload', batches: batches() };
}

/**
 * Deletes whatever an UNLOAD left under `prefix` (a failed or stopped UNLOAD leaves its parts: Athena
 * deletes nothing). Returns the URLs that could not be deleted.
 */
export async function deleteUnloadPrefix(
  s3: S3Client,
  prefix: string,
  signal?: AbortSignal,
): Promise<string[]> {
  return deleteAll(s3, await listPrefix(s3, prefix, signal, {}));
}

function requirePrefix(prefix: string | undefined, ctx: BatchContext): string {
  if (prefix) return prefix;
  throw new FanoutError('The UNLOAD execution names no manifest and no prefix was given to list', {
    context: { stage: 'results', ...ctx },
  });
}

async function openPart(
  s3: S3Client,
  url: string,
  path: string,
  signal: AbortSignal | undefined,
  ctx: BatchContext,
): Promise<OpenPart> {
  await readObject(s3, url, signal, ctx, (body) =>
    pipeline(body, createWriteStream(path), signal ? { signal } : {}),
  );
  let file: ParquetFile;
  try {
    file = await ParquetFile.fromFile(await openAsBlob(path));
  } catch (err) {
    throw new FanoutError(`UNLOAD part ${url} is not readable Parquet: ${String(err)}`, {
      cause: err,
      context: { stage: 'results', ...ctx, url },
    });
  }
  const schema = tableFromIPC(file.schema().intoIPCStream()).schema;
  return { url, schema, file, path };
}

function getBytes(
  s3: S3Client,
  url: string,
  signal: AbortSignal | undefined,
  ctx: BatchContext,
): Promise<Buffer> {
  return readObject(s3, url, signal, ctx, async (body) => {
    const chunks: Uint8Array[] = [];
    for await (const chunk of body as AsyncIterable<Uint8Array>) chunks.push(chunk);
    return Buffer.concat(chunks);
  });
}

/** GETs one object for `consume`; a failure of the request or of reading the body names the object. */
async function readObject<T>(
  s3: S3Client,
  url: string,
  signal: AbortSignal | undefined,
  ctx: BatchContext,
  consume: (body: Readable) => Promise<T>,
): Promise<T> {
  const { bucket, key } = parseS3Url(url);
  try {
    const out = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: key }),
      signal ? { abortSignal: signal } : {},
    );
    return await consume(out.Body as Readable);
  } catch (err) {
    throw s3Error('Reading', url, err, signal, ctx);
  }
}

async function listPrefix(
  s3: S3Client,
  prefix: string,
  signal: AbortSignal | undefined,
  ctx: BatchContext,
): Promise<string[]> {
  const { bucket, key } = parseS3Url(prefix.endsWith('/') ? prefix : `${prefix}/`);
  const urls: string[] = [];
  let token: string | undefined;
  try {
    do {
      const page = await s3.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: key,
          ...(token ? { ContinuationToken: token } : {}),
        }),
        signal ? { abortSignal: signal } : {},
      );
      for (const o of page.Contents ?? []) if (o.Key) urls.push(`s3://${bucket}/${o.Key}`);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  } catch (err) {
    throw s3Error('Listing', prefix, err, signal, ctx);
  }
  return urls;
}

/**
 * Deletes every object, one DeleteObjects per bucket and 1,000 keys (an UNLOAD's parts and its
 * manifest may sit in two buckets); returns the URLs that could not be deleted, with S3's code.
 */
async function deleteAll(s3: S3Client, urls: string[]): Promise<string[]> {
  const byBucket = new Map<string, string[]>();
  for (const url of urls) {
    const { bucket, key } = parseS3Url(url);
    byBucket.set(bucket, [...(byBucket.get(bucket) ?? []), key]);
  }
  const failed: string[] = [];
  for (const [bucket, keys] of byBucket) {
    try {
      for (const f of await deleteS3Objects(s3, bucket, keys))
        failed.push(`s3://${bucket}/${f.key} (${f.code})`);
    } catch (err) {
      const code = err instanceof FanoutError ? (err.context.awsCode ?? 'Unknown') : 'Unknown';
      failed.push(...keys.map((key) => `s3://${bucket}/${key} (${code})`));
    }
  }
  return failed;
}

function s3Error(
  what: string,
  url: string,
  err: unknown,
  signal: AbortSignal | undefined,
  ctx: BatchContext,
): FanoutError {
  if (signal?.aborted) return cancelled(ctx, err);
  const info = awsErrorInfo(err);
  return new FanoutError(`${what} ${url} failed: ${info.code}: ${info.message}`, {
    cause: err,
    retryable: info.retryable,
    context: { stage: 'results', ...ctx, url, awsCode: info.code, awsMessage: info.message },
  });
}
