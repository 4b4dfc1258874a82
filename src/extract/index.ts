export { arrowTypeForColumn } from './columns/arrow-type-for-column.js';
export { type BatchContext, buildRecordBatch } from './columns/build-record-batch.js';
export {
  attachQuery,
  type ExecutedQuery,
  executedQueryOf,
  type ExecuteQueryOptions,
  executeQuery,
  type PollOptions,
  type QueryGate,
  type QueryStats,
} from './query/execute-query.js';
export {
  type AthenaQuerySpec,
  clientRequestToken,
  isConcurrencyLimit,
  type QueryEncryption,
} from './query/start-query.js';
export {
  DEFAULT_POLL_SCHEDULE,
  expectedDelay,
  type PollSchedule,
  pollDelay,
  staggeredFirstDelay,
} from './query/poll-schedule.js';
export { DurationEstimator, observedDuration } from './query/duration-estimator.js';
export { StatusPoller } from './query/status-poller.js';
export { type QueryResultData, readQueryResults } from './results/read-query-results.js';
export {
  type FetchMode,
  type OpenResultsOptions,
  openQueryResults,
  s3Obstacle,
  type S3Source,
} from './results/open-query-results.js';
export {
  type CsvBatchOptions,
  csvRecordBatches,
  type S3ResultsOptions,
  parseS3Url,
  POOL_MIN_BYTES,
  streamS3Results,
} from './results/stream-s3-results.js';
export { CsvDecodePool } from './csv/csv-decode-pool.js';
export { AthenaCsvParser, CsvFormatError, type CsvRows } from './csv/athena-csv-parser.js';
export { ATHENA_TYPE_KEY, type ExtraColumn, schemaForColumns } from './columns/schema-for-columns.js';
export {
  type QueryResultStream,
  type ReadResultsOptions,
  streamQueryResults,
} from './results/stream-query-results.js';
export { renderSql, sqlLiteral, type SqlVariables, timestampLiteral } from './query/render-sql.js';
export {
  deleteUnloadPrefix,
  streamUnloadResults,
  type UnloadResultsOptions,
} from './results/unload-results.js';
export { type UnloadTarget, unloadPrefix, unloadStatement } from './query/unload-statement.js';
export { getQueryExecutions } from './query/query-executions.js';
export { openRangedObject } from './results/ranged-object-stream.js';
