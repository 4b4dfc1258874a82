import type { AthenaClient } from '@aws-sdk/client-athena';
import type { RecordBatch, Schema } from 'apache-arrow';
import { type ReadResultsOptions, streamQueryResults } from './stream-query-results.js';

export interface QueryResultData {
  schema: Schema;
  batches: RecordBatch[];
  rows: number;
}

/** Every page of GetQueryResults, as RecordBatches of `schema` (see streamQueryResults). */
export async function readQueryResults(
  athena: AthenaClient,
  queryExecutionId: string,
  opts: ReadResultsOptions = {},
): Promise<QueryResultData> {
  const stream = await streamQueryResults(athena, queryExecutionId, opts);
  const batches: RecordBatch[] = [];
  let rows = 0;
  for await (const batch of stream.batches) {
    batches.push(batch);
    rows += batch.numRows;
  }
  return { schema: stream.schema, batches, rows };
}
