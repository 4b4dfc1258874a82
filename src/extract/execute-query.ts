import {
  type AthenaClient,
  GetQueryExecutionCommand,
  type QueryExecution,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { setTimeout as sleep } from 'node:timers/promises';
import { awsErrorInfo, type ErrorContext, FanoutError } from '../errors.js';

export interface AthenaQuerySpec {
  queryName: string;
  sql: string;
  workgroup?: string;
  catalog?: string;
  database?: string;
  /** Already substituted per account. */
  outputLocation?: string;
  /** Idempotency token, 32..128 characters. */
  clientRequestToken?: string;
}

export interface QueryStats {
  dataScannedInBytes?: number;
  engineExecutionTimeInMillis?: number;
  queryQueueTimeInMillis?: number;
  queryPlanningTimeInMillis?: number;
  serviceProcessingTimeInMillis?: number;
  totalExecutionTimeInMillis?: number;
}

export interface ExecutedQuery {
  queryExecutionId: string;
  stats: QueryStats;
  /** The result file (`s3://…/<id>.csv`); absent with managed query results. */
  outputLocation?: string;
  /** ResultConfiguration.EncryptionConfiguration.EncryptionOption (SSE_S3, SSE_KMS, CSE_KMS). */
  encryption?: string;
}

/** Delay before each GetQueryExecution: initialDelayMs, then ×factor, capped at maxDelayMs. */
export interface PollOptions {
  initialDelayMs?: number;
  maxDelayMs?: number;
  factor?: number;
}

export interface ExecuteQueryOptions {
  signal?: AbortSignal;
  poll?: PollOptions;
  onStarted?: (queryExecutionId: string) => void;
}

// The SDK already retried each call 3 times; a throttled poll says nothing about the query, so keep
// waiting rather than abandon a query that is running (and billed).
const MAX_THROTTLED_POLLS = 30;

/**
 * StartQueryExecution, then GetQueryExecution with backoff until SUCCEEDED / FAILED / CANCELLED.
 * Failure, cancellation (opts.signal → StopQueryExecution first) and API errors become FanoutErrors.
 */
export async function executeQuery(
  athena: AthenaClient,
  spec: AthenaQuerySpec,
  opts: ExecuteQueryOptions = {},
): Promise<ExecutedQuery> {
  const { signal } = opts;
  const base: ErrorContext = { stage: 'query', queryName: spec.queryName };
  if (signal?.aborted) {
    throw new FanoutError(`Query ${spec.queryName} cancelled before it started`, {
      cause: signal.reason,
      context: { ...base, cancelled: true },
    });
  }
  // No abort signal here: aborting mid-request could leave a started query whose id we never learn.
  const id = await start(athena, spec, base);
  const ctx: ErrorContext = { ...base, queryExecutionId: id };
  opts.onStarted?.(id);

  const initial = opts.poll?.initialDelayMs ?? 250;
  const max = opts.poll?.maxDelayMs ?? 3000;
  const factor = opts.poll?.factor ?? 1.5;
  let delay = initial;
  let throttled = 0;
  for (;;) {
    let qe: QueryExecution | undefined;
    try {
      await sleep(delay, undefined, signal ? { signal } : {});
      delay = Math.min(delay * factor, max);
      const out = await athena.send(
        new GetQueryExecutionCommand({ QueryExecutionId: id }),
        signal ? { abortSignal: signal } : {},
      );
      qe = out.QueryExecution;
      throttled = 0;
    } catch (err) {
      if (signal?.aborted) {
        await stopQuietly(athena, id);
        throw new FanoutError(`Query ${spec.queryName} cancelled (execution ${id} stopped)`, {
          cause: err,
          context: { ...ctx, cancelled: true },
        });
      }
      const info = awsErrorInfo(err);
      if (info.throttling && ++throttled <= MAX_THROTTLED_POLLS) continue;
      await stopQuietly(athena, id);
      throw apiError('GetQueryExecution', err, ctx);
    }

    const status = qe?.Status;
    switch (status?.State) {
      case 'SUCCEEDED': {
        const location = qe?.ResultConfiguration?.OutputLocation;
        const encryption = qe?.ResultConfiguration?.EncryptionConfiguration?.EncryptionOption;
        return {
          queryExecutionId: id,
          stats: statsOf(qe),
          ...(location ? { outputLocation: location } : {}),
          ...(encryption ? { encryption } : {}),
        };
      }
      case 'FAILED':
      case 'CANCELLED': {
        const e = status.AthenaError;
        const reason = status.StateChangeReason ?? e?.ErrorMessage ?? '(no reason given)';
        throw new FanoutError(`Query ${spec.queryName} ${status.State} (execution ${id}): ${reason}`, {
          retryable: e?.Retryable === true || e?.ErrorCategory === 1,
          context: {
            ...ctx,
            awsMessage: reason,
            state: status.State,
            ...(e?.ErrorCategory === undefined ? {} : { athenaErrorCategory: e.ErrorCategory }),
            ...(e?.ErrorType === undefined ? {} : { athenaErrorType: e.ErrorType }),
          },
        });
      }
      default:
        // QUEUED / RUNNING (RUNNING may fall back to QUEUED on transient errors): keep polling.
        break;
    }
  }
}

async function start(athena: AthenaClient, spec: AthenaQuerySpec, ctx: ErrorContext): Promise<string> {
  let id: string | undefined;
  try {
    const out = await athena.send(
      new StartQueryExecutionCommand({
        QueryString: spec.sql,
        ...(spec.workgroup ? { WorkGroup: spec.workgroup } : {}),
        ...(spec.catalog || spec.database
          ? {
              QueryExecutionContext: {
                ...(spec.catalog ? { Catalog: spec.catalog } : {}),
                ...(spec.database ? { Database: spec.database } : {}),
              },
            }
          : {}),
        ...(spec.outputLocation ? { ResultConfiguration: { OutputLocation: spec.outputLocation } } : {}),
        ...(spec.clientRequestToken ? { ClientRequestToken: spec.clientRequestToken } : {}),
      }),
    );
    id = out.QueryExecutionId;
  } catch (err) {
    throw apiError('StartQueryExecution', err, ctx);
  }
  if (!id) throw new FanoutError('StartQueryExecution returned no QueryExecutionId', { context: ctx });
  return id;
}

async function stopQuietly(athena: AthenaClient, id: string): Promise<void> {
  try {
    await athena.send(new StopQueryExecutionCommand({ QueryExecutionId: id }));
  } catch {
    // Best effort: the query may already be finished, or the credentials gone.
  }
}

function apiError(action: string, err: unknown, ctx: ErrorContext): FanoutError {
  // A credential provider's failure (a refused role hop) surfaces through the SDK call and already
  // names the hop, role and AWS's words; keep it, adding only what this query adds.
  if (err instanceof FanoutError) {
    Object.assign(err.context, { ...ctx, ...err.context });
    return err;
  }
  const info = awsErrorInfo(err);
  const athenaErrorCode = (err as { AthenaErrorCode?: unknown } | null)?.AthenaErrorCode;
  return new FanoutError(
    `${action} failed for query ${String(ctx.queryName)}: ${info.code}: ${info.message}`,
    {
      cause: err,
      retryable: info.retryable,
      context: {
        ...ctx,
        awsCode: info.code,
        awsMessage: info.message,
        ...(info.requestId ? { requestId: info.requestId } : {}),
        ...(typeof athenaErrorCode === 'string' ? { athenaErrorCode } : {}),
      },
    },
  );
}

function statsOf(qe: QueryExecution | undefined): QueryStats {
  const s = qe?.Statistics;
  if (!s) return {};
  const stats: QueryStats = {};
  if (s.DataScannedInBytes !== undefined) stats.dataScannedInBytes = s.DataScannedInBytes;
  if (s.EngineExecutionTimeInMillis !== undefined)
    stats.engineExecutionTimeInMillis = s.EngineExecutionTimeInMillis;
  if (s.QueryQueueTimeInMillis !== undefined) stats.queryQueueTimeInMillis = s.QueryQueueTimeInMillis;
  if (s.QueryPlanningTimeInMillis !== undefined)
    stats.queryPlanningTimeInMillis = s.QueryPlanningTimeInMillis;
  if (s.ServiceProcessingTimeInMillis !== undefined)
    stats.serviceProcessingTimeInMillis = s.ServiceProcessingTimeInMillis;
  if (s.TotalExecutionTimeInMillis !== undefined)
    stats.totalExecutionTimeInMillis = s.TotalExecutionTimeInMillis;
  return stats;
}
