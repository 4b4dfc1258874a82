import type { AthenaClient } from '@aws-sdk/client-athena';
import { executeQuery } from '../../extract/index.js';
import { type CheckResult, failedWith, passed } from './check-result.js';
import type { QueryTarget } from './query-targets.js';

/** How long an EXPLAIN may take when the query sets no timeout of its own. */
const EXPLAIN_TIMEOUT_MS = 5 * 60_000;

/**
 * `EXPLAIN <query>` in the query's workgroup, catalog and database, with its output location: Athena
 * plans the query (resolving every table and column, asking Lake Formation) but scans no data, so it
 * costs nothing. Started, watched and, on interrupt or timeout, stopped like any run's query.
 */
export async function checkExplain(
  athena: AthenaClient,
  target: QueryTarget & { sql: string },
  signal: AbortSignal | undefined,
): Promise<CheckResult> {
  const { query, region } = target;
  const base = {
    check: 'explain' as const,
    action: 'EXPLAIN',
    resource: `${query.name}@${region}`,
    region,
    queries: [query.name],
  };
  try {
    await executeQuery(
      athena,
      {
        queryName: query.name,
        sql: `EXPLAIN ${target.sql}`,
        workgroup: query.workgroup,
        ...(query.catalog ? { catalog: query.catalog } : {}),
        ...(query.database ? { database: query.database } : {}),
        ...(target.outputLocation ? { outputLocation: target.outputLocation } : {}),
        ...(target.parameters ? { executionParameters: target.parameters } : {}),
        ...(query.encryption ? { encryption: query.encryption } : {}),
      },
      {
        ...(signal ? { signal } : {}),
        timeoutMs: query.timeoutSeconds === undefined ? EXPLAIN_TIMEOUT_MS : query.timeoutSeconds * 1000,
        // A plan is quick: look early, and never wait out a quota refusal for long.
        poll: { initialDelayMs: 200, maxDelayMs: 2000 },
        quotaWaitMs: 60_000,
      },
    );
    return passed(base);
  } catch (err) {
    return failedWith(base, err);
  }
}
