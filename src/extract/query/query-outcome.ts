import type { QueryExecution } from '@aws-sdk/client-athena';
import { type ErrorContext, FanoutError } from '../../errors.js';
import type { QueryStats } from '../../manifest.js';

export type { QueryStats } from '../../manifest.js';

/** What a finished execution tells its result readers: statistics, and where its results are. */
export interface ExecutedQuery {
  queryExecutionId: string;
  stats: QueryStats;
  /** Athena answered from a previous query's results (result reuse): nothing scanned, nothing billed. */
  reused?: boolean;
  /** The result file (`s3://…/<id>.csv`); absent with managed query results. */
  outputLocation?: string;
  /** ResultConfiguration.EncryptionConfiguration.EncryptionOption (SSE_S3, SSE_KMS, CSE_KMS). */
  encryption?: string;
  /** Statistics.DataManifestLocation: for UNLOAD, the file listing the parts it wrote. */
  dataManifestLocation?: string;
}

/** What a SUCCEEDED execution gives its result readers. */
export function executedQueryOf(qe: QueryExecution, id = qe.QueryExecutionId ?? ''): ExecutedQuery {
  const location = qe.ResultConfiguration?.OutputLocation;
  const encryption = qe.ResultConfiguration?.EncryptionConfiguration?.EncryptionOption;
  const reused = qe.Statistics?.ResultReuseInformation?.ReusedPreviousResult === true;
  const manifest = qe.Statistics?.DataManifestLocation;
  return {
    queryExecutionId: id,
    stats: statsOf(qe),
    ...(reused ? { reused } : {}),
    ...(location ? { outputLocation: location } : {}),
    ...(encryption ? { encryption } : {}),
    ...(manifest ? { dataManifestLocation: manifest } : {}),
  };
}

export function terminalError(
  qe: QueryExecution,
  id: string,
  queryName: string,
  ctx: ErrorContext,
): FanoutError {
  const status = qe.Status;
  const e = status?.AthenaError;
  const reason = status?.StateChangeReason ?? e?.ErrorMessage ?? '(no reason given)';
  const state = status?.State ?? 'UNKNOWN';
  const errorName = athenaErrorName(reason);
  return new FanoutError(`Query ${queryName} ${state} (execution ${id}): ${reason}`, {
    retryable: state === 'FAILED' && (e?.Retryable === true || e?.ErrorCategory === 1),
    context: {
      ...ctx,
      awsMessage: reason,
      ...(errorName === undefined ? {} : { awsReason: errorName }),
      state,
      ...(e?.ErrorCategory === undefined ? {} : { athenaErrorCategory: e.ErrorCategory }),
      ...(e?.ErrorType === undefined ? {} : { athenaErrorType: e.ErrorType }),
    },
  });
}

/**
 * The engine's error name that opens a failed query's reason (`HIVE_PATH_ALREADY_EXISTS: Target
 * directory …`, `TABLE_NOT_FOUND: line 1:15: …`), for callers to match on instead of the words.
 */
function athenaErrorName(reason: string): string | undefined {
  return /^([A-Z][A-Z0-9_]*[A-Z0-9]):/.exec(reason)?.[1];
}

function statsOf(qe: QueryExecution): QueryStats {
  const s = qe.Statistics;
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
