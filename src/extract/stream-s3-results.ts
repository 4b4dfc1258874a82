import type { AthenaClient, ColumnInfo } from '@aws-sdk/client-athena';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { RecordBatch, Schema } from 'apache-arrow';
import { awsErrorInfo, FanoutError } from '../errors.js';
import { AthenaCsvParser, type CsvRows, CsvFormatError, fieldText } from './athena-csv-parser.js';
import { type BatchContext, buildBatchFromColumns, resultError } from './build-record-batch.js';
import { type ExtraColumn, schemaForColumns } from './schema-for-columns.js';
import {
  cancelled,
  fetchColumnInfo,
  type QueryResultStream,
  type ReadResultsOptions,
} from './stream-query-results.js';
import { csvColumn } from './text-columns.js';

export interface S3ResultsOptions extends ReadResultsOptions {
  /** CSV bytes parsed at a time (default 4 MiB): sets the batch size and bounds memory. */
  stretchBytes?: number;
}

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
  const body = await openObject(s3, resultFile, opts.signal, ctx);
  const names = columns.map((c) => c.Name ?? '');

  const batches = csvRecordBatches(body, schema, names, {
    extra,
    ctx,
    file: resultFile,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.stretchBytes ? { stretchBytes: opts.stretchBytes } : {}),
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
}

/**
 * Athena result CSV bytes (header first) → RecordBatches of `schema`, one per parsed stretch. `names`
 * are the result columns the header must repeat.
 */
export async function* csvRecordBatches(
  body: AsyncIterable<Uint8Array>,
  schema: Schema,
  names: string[],
  opts: CsvBatchOptions = {},
): AsyncGenerator<RecordBatch, void, undefined> {
  const extra = opts.extra ?? [];
  const ctx = opts.ctx ?? {};
  const file = opts.file ?? 'the result file';
  const parser = new AthenaCsvParser({
    columns: names.length,
    ...(opts.stretchBytes ? { stretchBytes: opts.stretchBytes } : {}),
  });
  // An object: TypeScript would otherwise narrow a local the closure sets to its initial value.
  const seen = { header: false };
  const toBatch = (rows: CsvRows): RecordBatch | undefined => {
    let skip = 0;
    if (!seen.header) {
      checkHeader(rows, names, ctx, file);
      seen.header = true;
      skip = 1;
    }
    if (rows.rows - skip === 0) return undefined;
    // Data row numbers, as GetQueryResults would count them: the header is not a row.
    const firstRow = rows.firstRecord + skip - 1;
    return buildBatchFromColumns(
      schema,
      rows.rows - skip,
      (c) => csvColumn(rows, c, skip),
      firstRow,
      extra,
      ctx,
    );
  };
  try {
    for await (const chunk of body) {
      if (opts.signal?.aborted) throw cancelled(ctx, opts.signal.reason);
      const rows = parser.push(chunk);
      const batch = rows && toBatch(rows);
      if (batch) yield batch;
    }
    const rows = parser.end();
    const batch = rows && toBatch(rows);
    if (batch) yield batch;
    if (!seen.header) {
      throw resultError(ctx, undefined, undefined, `result file ${file} is empty (no header row)`);
    }
  } catch (err) {
    if (err instanceof CsvFormatError) {
      throw resultError(ctx, err.record - 1, undefined, `malformed CSV in ${file}: ${err.message}`);
    }
    if (err instanceof FanoutError) throw err;
    if (opts.signal?.aborted) throw cancelled(ctx, err);
    throw readError(err, file, ctx);
  }
}

function checkHeader(rows: CsvRows, names: string[], ctx: BatchContext, file: string): void {
  const header = names.map((_, c) => fieldText(rows, c) ?? '');
  if (header.every((h, i) => h === names[i])) return;
  throw resultError(
    ctx,
    undefined,
    undefined,
    `the header of ${file} (${header.join(', ')}) does not match the result columns (${names.join(', ')})`,
  );
}

async function openObject(
  s3: S3Client,
  url: string,
  signal: AbortSignal | undefined,
  ctx: BatchContext,
): Promise<AsyncIterable<Uint8Array>> {
  const { bucket, key } = parseS3Url(url);
  try {
    const out = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: key }),
      signal ? { abortSignal: signal } : {},
    );
    if (!out.Body) throw new Error('GetObject returned no body');
    return out.Body as AsyncIterable<Uint8Array>;
  } catch (err) {
    if (signal?.aborted) throw cancelled(ctx, err);
    throw readError(err, url, ctx);
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
