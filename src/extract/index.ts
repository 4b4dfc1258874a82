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
export {
  type FetchMode,
  type OpenResultsOptions,
  openQueryResults,
  s3Obstacle,
} from './open-query-results.js';
export { type S3ResultsOptions, parseS3Url, streamS3Results } from './stream-s3-results.js';
export { AthenaCsvParser, CsvFormatError, type CsvRows } from './athena-csv-parser.js';
export { ATHENA_TYPE_KEY, type ExtraColumn, schemaForColumns } from './schema-for-columns.js';
export {
  type QueryResultStream,
  type ReadResultsOptions,
  streamQueryResults,
} from './stream-query-results.js';
