export { arrowTypeForColumn } from './arrow-type-for-column.js';
export { type BatchContext, buildRecordBatch } from './build-record-batch.js';
export {
  type ExecutedQuery,
  type ExecuteQueryOptions,
  executeQuery,
  type PollOptions,
  type QueryGate,
  type QueryStats,
} from './execute-query.js';
export {
  type AthenaQuerySpec,
  clientRequestToken,
  isConcurrencyLimit,
  type QueryEncryption,
} from './start-query.js';
export {
  DEFAULT_POLL_SCHEDULE,
  expectedDelay,
  type PollSchedule,
  pollDelay,
  staggeredFirstDelay,
} from './poll-schedule.js';
export { DurationEstimator, observedDuration } from './duration-estimator.js';
export { StatusPoller } from './status-poller.js';
export { type QueryResultData, readQueryResults } from './read-query-results.js';
export {
  type FetchMode,
  type OpenResultsOptions,
  openQueryResults,
  s3Obstacle,
  type S3Source,
} from './open-query-results.js';
export {
  type CsvBatchOptions,
  csvRecordBatches,
  type S3ResultsOptions,
  parseS3Url,
  POOL_MIN_BYTES,
  streamS3Results,
} from './stream-s3-results.js';
export { CsvDecodePool } from './csv-decode-pool.js';
export { AthenaCsvParser, CsvFormatError, type CsvRows } from './athena-csv-parser.js';
export { ATHENA_TYPE_KEY, type ExtraColumn, schemaForColumns } from './schema-for-columns.js';
export {
  type QueryResultStream,
  type ReadResultsOptions,
  streamQueryResults,
} from './stream-query-results.js';
export { renderSql, sqlLiteral, type SqlVariables } from './render-sql.js';
export { deleteUnloadPrefix, streamUnloadResults, type UnloadResultsOptions } from './unload-results.js';
export { type UnloadTarget, unloadPrefix, unloadStatement } from './unload-statement.js';
