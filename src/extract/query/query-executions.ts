import {
  type AthenaClient,
  BatchGetQueryExecutionCommand,
  type QueryExecution,
} from '@aws-sdk/client-athena';

/** Athena's BatchGetQueryExecution limit. */
export const BATCH_GET_MAX = 50;

/**
 * The executions Athena still knows among `ids` (history is kept 45 days), in as few
 * BatchGetQueryExecution calls as its limit allows. Errors are the SDK's, for the caller to word.
 */
export async function getQueryExecutions(
  athena: AthenaClient,
  ids: readonly string[],
  signal?: AbortSignal,
): Promise<QueryExecution[]> {
  const found: QueryExecution[] = [];
  for (let i = 0; i < ids.length; i += BATCH_GET_MAX) {
    const out = await athena.send(
      new BatchGetQueryExecutionCommand({ QueryExecutionIds: ids.slice(i, i + BATCH_GET_MAX) }),
      signal ? { abortSignal: signal } : {},
    );
    found.push(...(out.QueryExecutions ?? []));
  }
  return found;
}
