import type { AthenaClient } from '@aws-sdk/client-athena';
import type { RecordBatch, Schema } from 'apache-arrow';
import { type ReadResultsOptions, streamQueryResults } from './stream-query-results.js';
import { widenTimestampUnits } from '../columns/timestamp-unit.js';

export interface QueryResultData {
  schema: Schema;
  batches: RecordBatch[];
  rows: number;
}

/**
 * Every page of GetQueryResults, as RecordBatches (see streamQueryResults). `schema` has each timestamp
 * column at the finest unit any batch needed; a batch read at a coarser unit keeps its own.
 */
export async function readQueryResults(
  athena: AthenaClient,
  queryExecutionId: string,
  opts: ReadResultsOptions = {},
): Promise<QueryResultData> {
  const stream = await streamQueryResults(athena, queryExecutionId, opts);
  const batches: RecordBatch[] = [];
  let rows = 0;
  let schema = stream.schema;
  for await (const batch of stream.batches) {
    batches.push(batch);
    rows += batch.numRows;
    schema = widenTimestampUnits(schema, batch.schema);
  }
  return { schema, batches, rows };
}
