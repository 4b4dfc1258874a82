import {
  type AthenaClient,
  type ColumnInfo,
  GetQueryResultsCommand,
  type GetQueryResultsCommandOutput,
  type Row,
} from '@aws-sdk/client-athena';
import type { RecordBatch, Schema } from 'apache-arrow';
import { awsErrorInfo, FanoutError } from '../../errors.js';
import { buildRecordBatch, type BatchContext, cancelled } from '../columns/build-record-batch.js';
import { type ExtraColumn, schemaForColumns } from '../columns/schema-for-columns.js';

export interface ReadResultsOptions {
  /** Rows per RecordBatch (default 10,000). */
  batchRows?: number;
  extraColumns?: ExtraColumn[];
  signal?: AbortSignal;
  /** Only used in error messages and contexts. */
  context?: { accountId?: string; queryName?: string };
}

export interface QueryResultStream {
  /**
   * From the column metadata. A batch's timestamp field may be finer (its values print more digits);
   * consumers take the finest unit over the batches (spillBatches does).
   */
  schema: Schema;
  columns: ColumnInfo[];
  /** The path the results came through. */
  fetch: 'api' | 's3' | 'unload';
  /** Batches in result order; each has at most batchRows rows. None for an empty result. */
  batches: AsyncGenerator<RecordBatch, void, undefined>;
}

const PAGE_SIZE = 1000;

/**
 * Reads the first GetQueryResults page (for the column metadata and schema), then yields RecordBatches
 * while paging on with NextToken until it is absent. Only one batch of SDK rows is held at a time.
 */
export async function streamQueryResults(
  athena: AthenaClient,
  queryExecutionId: string,
  opts: ReadResultsOptions = {},
  /** The first page, when the caller already read it (firstResultsPage). */
  firstPage?: GetQueryResultsCommandOutput,
): Promise<QueryResultStream> {
  const batchRows = Math.max(1, Math.floor(opts.batchRows ?? 10_000));
  const extra = opts.extraColumns ?? [];
  const ctx: BatchContext = { ...opts.context, queryExecutionId };
  const first = firstPage ?? (await firstResultsPage(athena, queryExecutionId, opts));
  const columns = first.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
  let schema: Schema;
  try {
    schema = schemaForColumns(columns, extra);
  } catch (err) {
    if (err instanceof FanoutError) Object.assign(err.context, ctx);
    throw err;
  }

  async function* batches(): AsyncGenerator<RecordBatch, void, undefined> {
    let page: GetQueryResultsCommandOutput = first;
    let pageRows = page.ResultSet?.Rows ?? [];
    if (isHeader(pageRows[0], columns)) pageRows = pageRows.slice(1);
    let pending: Row[] = [];
    let emitted = 0;
    for (;;) {
      for (const row of pageRows) pending.push(row);
      while (pending.length >= batchRows) {
        const rows = pending.length === batchRows ? pending : pending.slice(0, batchRows);
        pending = pending.length === batchRows ? [] : pending.slice(batchRows);
        yield buildRecordBatch(schema, rows, emitted + 1, extra, ctx);
        emitted += rows.length;
      }
      if (!page.NextToken) break;
      page = await fetchPage(athena, queryExecutionId, page.NextToken, opts.signal, ctx);
      pageRows = page.ResultSet?.Rows ?? [];
    }
    if (pending.length > 0) yield buildRecordBatch(schema, pending, emitted + 1, extra, ctx);
  }

  return { schema, columns, fetch: 'api', batches: batches() };
}

/**
 * For SELECT the first row of the first page repeats the column labels. DDL-style results (SHOW …) have
 * no such row, so the row is only dropped when it matches, as PyAthena does.
 */
function isHeader(row: Row | undefined, columns: ColumnInfo[]): boolean {
  const data = row?.Data;
  if (!data || data.length !== columns.length) return false;
  return columns.every((c, i) => {
    const v = data[i]?.VarCharValue;
    return v !== undefined && (v === c.Label || v === c.Name);
  });
}

/** The first GetQueryResults page at full size: column metadata, and the whole result when it has no NextToken. */
export function firstResultsPage(
  athena: AthenaClient,
  queryExecutionId: string,
  opts: Pick<ReadResultsOptions, 'signal' | 'context'> = {},
): Promise<GetQueryResultsCommandOutput> {
  return fetchPage(athena, queryExecutionId, undefined, opts.signal, { ...opts.context, queryExecutionId });
}

/** Only the column metadata: one GetQueryResults call with MaxResults 1 (the S3 and UNLOAD paths). */
export async function fetchColumnInfo(
  athena: AthenaClient,
  queryExecutionId: string,
  signal: AbortSignal | undefined,
  ctx: BatchContext,
): Promise<ColumnInfo[]> {
  const page = await fetchPage(athena, queryExecutionId, undefined, signal, ctx, 1);
  return page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
}

async function fetchPage(
  athena: AthenaClient,
  queryExecutionId: string,
  nextToken: string | undefined,
  signal: AbortSignal | undefined,
  ctx: BatchContext,
  maxResults = PAGE_SIZE,
): Promise<GetQueryResultsCommandOutput> {
  if (signal?.aborted) throw cancelled(ctx, signal.reason);
  try {
    return await athena.send(
      new GetQueryResultsCommand({
        QueryExecutionId: queryExecutionId,
        MaxResults: maxResults,
        ...(nextToken ? { NextToken: nextToken } : {}),
      }),
      signal ? { abortSignal: signal } : {},
    );
  } catch (err) {
    if (signal?.aborted) throw cancelled(ctx, err);
    if (err instanceof FanoutError) {
      Object.assign(err.context, { stage: 'results', ...ctx, ...err.context });
      throw err;
    }
    const info = awsErrorInfo(err);
    throw new FanoutError(`GetQueryResults failed: ${info.code}: ${info.message}`, {
      cause: err,
      retryable: info.retryable,
      context: {
        stage: 'results',
        ...ctx,
        awsCode: info.code,
        awsMessage: info.message,
        ...(info.requestId ? { requestId: info.requestId } : {}),
      },
    });
  }
}
