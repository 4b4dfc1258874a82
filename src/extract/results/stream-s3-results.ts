import type { AthenaClient, ColumnInfo } from '@aws-sdk/client-athena';
import type { S3Client } from '@aws-sdk/client-s3';
import type { RecordBatch, Schema } from 'apache-arrow';
import { awsErrorInfo, FanoutError } from '../../errors.js';
import { AthenaCsvParser, type CsvRows } from '../csv/athena-csv-parser.js';
import { type BatchContext, cancelled } from '../columns/build-record-batch.js';
import { type CsvBatchSpec, csvFormatError, csvRowsToBatch, emptyFileError } from '../csv/csv-batch.js';
import type { CsvDecodePool } from '../csv/csv-decode-pool.js';
import { pooledCsvBatches } from '../csv/pooled-csv-batches.js';
import { type ExtraColumn, schemaForColumns } from '../columns/schema-for-columns.js';
import { openRangedObject } from './ranged-object-stream.js';
import { fetchColumnInfo, type QueryResultStream, type ReadResultsOptions } from './stream-query-results.js';

export interface S3ResultsOptions extends ReadResultsOptions {
  /** CSV bytes parsed at a time (default 4 MiB, 2 MiB on a pool): sets the batch size and bounds memory. */
  stretchBytes?: number;
  /** Worker threads that decode the CSV (see CsvDecodePool); without it, this thread does. */
  csvPool?: CsvDecodePool;
  /** Smaller result files are decoded on this thread even with a pool (default POOL_MIN_BYTES). */
  poolMinBytes?: number;
}

/**
 * From what size a result file goes to the decoding pool. Below it the pool cannot win back the cost
 * of starting its workers (measured with bench/throughput; BENCHMARKS.md); a run whose results are
 * all smaller never starts the workers.
 */
export const POOL_MIN_BYTES = 32 * 1024 * 1024;

/** The column metadata, when the caller already has it (from a GetQueryResults page). */
export interface KnownColumns {
  columns?: ColumnInfo[];
}

/** `s3://bucket/key` → its parts. */
export function parseS3Url(url: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  if (!m) throw new FanoutError(`Not an S3 object URL: ${url}`, { context: { stage: 'results', url } });
  return { bucket: m[1]!, key: m[2]! };
}

/**
 * Streams the query's `<QueryExecutionId>.csv` from S3 through the NULL-aware CSV reader, typed from
 * the query's ResultSetMetadata (one GetQueryResults call with MaxResults 1, unless `opts.columns`
 * gives it). The object is opened
 * before this returns, so an unreadable location fails here (see `s3Unreadable` in the error context).
 */
export async function streamS3Results(
  athena: AthenaClient,
  s3: S3Client,
  queryExecutionId: string,
  resultFile: string,
  opts: S3ResultsOptions & KnownColumns = {},
): Promise<QueryResultStream> {
  const extra = opts.extraColumns ?? [];
  const ctx: BatchContext = { ...opts.context, queryExecutionId };
  const columns = opts.columns ?? (await fetchColumnInfo(athena, queryExecutionId, opts.signal, ctx));
  let schema: Schema;
  try {
    schema = schemaForColumns(columns, extra);
  } catch (err) {
    if (err instanceof FanoutError) Object.assign(err.context, ctx);
    throw err;
  }
  const { body, bytes } = await openObject(s3, resultFile, opts.signal, ctx);
  const names = columns.map((c) => c.Name ?? '');
  const small = bytes !== undefined && bytes < (opts.poolMinBytes ?? POOL_MIN_BYTES);
  const pool = small ? undefined : opts.csvPool;

  const batches = csvRecordBatches(body, schema, names, {
    extra,
    ctx,
    file: resultFile,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.stretchBytes ? { stretchBytes: opts.stretchBytes } : {}),
    ...(pool ? { pool } : {}),
  });
  return { schema, columns, fetch: 's3', batches };
}

export interface CsvBatchOptions {
  extra?: readonly ExtraColumn[];
  ctx?: BatchContext;
  /** Named in error messages. */
  file?: string;
  signal?: AbortSignal;
  stretchBytes?: number;
  /** Decode on these worker threads, several pieces of the file at once; else on this thread. */
  pool?: CsvDecodePool;
}

const DEFAULT_STRETCH_BYTES = 4 * 1024 * 1024;
// Smaller on the pool: each piece in flight holds its bytes, the worker's field arrays and its batch,
// and more pieces keep the workers evenly busy (5 M rows: peak RSS 410 → 361 MB against 4 MiB).
const DEFAULT_PIECE_BYTES = 2 * 1024 * 1024;

/**
 * Athena result CSV bytes (header first) → RecordBatches of `schema`, one per parsed stretch, in file
 * order. `names` are the result columns the header must repeat.
 */
export async function* csvRecordBatches(
  body: AsyncIterable<Uint8Array>,
  schema: Schema,
  names: string[],
  opts: CsvBatchOptions = {},
): AsyncGenerator<RecordBatch, void, undefined> {
  const spec: CsvBatchSpec = {
    schema,
    names,
    extra: opts.extra ?? [],
    ctx: opts.ctx ?? {},
    file: opts.file ?? 'the result file',
  };
  const signal = opts.signal ? { signal: opts.signal } : {};
  try {
    yield* opts.pool
      ? pooledCsvBatches(body, spec, opts.pool, {
          pieceBytes: opts.stretchBytes ?? DEFAULT_PIECE_BYTES,
          ...signal,
        })
      : serialCsvBatches(body, spec, opts.stretchBytes ?? DEFAULT_STRETCH_BYTES, opts.signal);
  } catch (err) {
    const mapped = csvFormatError(err, spec);
    if (mapped instanceof FanoutError) throw mapped;
    if (opts.signal?.aborted) throw cancelled(spec.ctx, err);
    throw readError(err, spec.file, spec.ctx);
  }
}

async function* serialCsvBatches(
  body: AsyncIterable<Uint8Array>,
  spec: CsvBatchSpec,
  stretchBytes: number,
  signal: AbortSignal | undefined,
): AsyncGenerator<RecordBatch, void, undefined> {
  const parser = new AthenaCsvParser({ columns: spec.names.length, stretchBytes });
  // An object: TypeScript would otherwise narrow a local the closure sets to its initial value.
  const seen = { header: false };
  const toBatch = (rows: CsvRows | undefined): RecordBatch | undefined => {
    if (!rows) return undefined;
    const batch = csvRowsToBatch(rows, !seen.header, spec);
    seen.header = true;
    return batch;
  };
  for await (const chunk of body) {
    if (signal?.aborted) throw cancelled(spec.ctx, signal.reason);
    const batch = toBatch(parser.push(chunk));
    if (batch) yield batch;
  }
  const batch = toBatch(parser.end());
  if (batch) yield batch;
  if (!seen.header) throw emptyFileError(spec);
}

/**
 * Opens the result file with several ranged GETs in flight (ranged-object-stream.ts), so download
 * overlaps decoding; its first range is read here, so an unreadable object fails before this returns.
 */
async function openObject(
  s3: S3Client,
  url: string,
  signal: AbortSignal | undefined,
  ctx: BatchContext,
): Promise<{ body: AsyncIterable<Uint8Array>; bytes: number | undefined }> {
  const { bucket, key } = parseS3Url(url);
  try {
    const { body, bytes } = await openRangedObject(s3, bucket, key, signal ? { signal } : {});
    return { body: withContext(body, ctx), bytes };
  } catch (err) {
    if (signal?.aborted) throw cancelled(ctx, err);
    if (err instanceof FanoutError) {
      Object.assign(err.context, ctx);
      throw err;
    }
    throw readError(err, url, ctx);
  }
}

/** A range that fails later names the unit and query too. */
async function* withContext(body: AsyncIterable<Uint8Array>, ctx: BatchContext): AsyncGenerator<Uint8Array> {
  try {
    yield* body;
  } catch (err) {
    if (err instanceof FanoutError) Object.assign(err.context, ctx);
    throw err;
  }
}

function readError(err: unknown, url: string, ctx: BatchContext): FanoutError {
  const info = awsErrorInfo(err);
  return new FanoutError(`Reading ${url} failed: ${info.code}: ${info.message}`, {
    cause: err,
    retryable: info.retryable,
    context: {
      stage: 'results',
      ...ctx,
      url,
      awsCode: info.code,
      awsMessage: info.message,
      s3Unreadable: true,
    },
  });
}
