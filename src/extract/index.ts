export { arrowTypeForColumn } from './arrow-type-for-column.js';
export { type BatchContext, buildRecordBatch } from './build-record-batch.js';
export {
  type AthenaQuerySpec,
  type ExecutedQuery,
  type ExecuteQueryOptions,
  executeQuery,
  type PollOptions,
  type QueryStats,
} from './execute-query.js';
export { type QueryResultData, readQueryResults } from './read-query-results.js';
export { ATHENA_TYPE_KEY, type ExtraColumn, schemaForColumns } from './schema-for-columns.js';
export {
  type QueryResultStream,
  type ReadResultsOptions,
  streamQueryResults,
} from './stream-query-results.js';
