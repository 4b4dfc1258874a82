import type { Scenario } from '../scenario.js';
import type { DataAccess } from './data-access.js';
import type { AccountDatabases } from './engine.js';
import { engineError } from './engine-errors.js';
import type { Execution } from './execution.js';
import { csvLine } from './format.js';
import { userError, type AthenaErrorShape, type QueryOutput, type UnloadOutput } from './shapes.js';

const FIXED_RESULT: QueryOutput = {
  columns: [{ name: 'x', type: 'integer', precision: 10, scale: 0, caseSensitive: false }],
  rows: [['1']],
};

/** `EXPLAIN [ANALYZE] [(options)] <statement>`, taken apart; undefined for anything else. */
export function parseExplain(sql: string): { select: string; analyze: boolean } | undefined {
  const m = /^\s*explain\s+(analyze\s+)?(?:verbose\s+)?(?:\([^)]*\)\s*)?([\s\S]+)$/i.exec(sql);
  return m ? { select: m[2]!.trim(), analyze: m[1] !== undefined } : undefined;
}

/** The bytes of the CSV Athena writes for a result, the emulator's stand-in for data scanned. */
export const resultBytes = (out: QueryOutput): number =>
  Buffer.byteLength(csvLine(out.columns.map((c) => c.name)) + out.rows.map(csvLine).join(''));

export interface StatementDeps {
  dbs: AccountDatabases;
  access: DataAccess;
  knobs: Scenario['knobs'];
}

/**
 * What a started query produces: first Athena's data-access checks under the caller's identity (also
 * for EXPLAIN, which reads no data but still needs the tables), then DuckDB. Engine errors become
 * Athena's USER errors, a missing column or table in Athena's words.
 */
export async function runStatement(
  d: StatementDeps,
  ex: Execution,
): Promise<QueryOutput | UnloadOutput | AthenaErrorShape> {
  const { fixedResults, unloadPartRows } = d.knobs;
  const reads = ex.unload?.select ?? ex.explain?.select ?? ex.sql;
  if (!fixedResults) {
    const refused = await d.access.failure(
      { caller: ex.caller, region: ex.region, database: ex.database },
      reads,
      ex.explain?.analyze !== false,
    );
    if (refused) return refused;
    try {
      await d.access.loadCreated(ex.accountId, reads, ex.database);
    } catch (err) {
      return userError(`HIVE_CURSOR_ERROR: ${(err as Error).message}`);
    }
  }
  if (ex.unload) {
    return d.dbs
      .unload(ex.accountId, ex.unload, ex.database, unloadPartRows)
      .catch((err: unknown) => userError((err as Error).message));
  }
  if (fixedResults) return FIXED_RESULT;
  const explain = ex.explain;
  const seen = explain ? `EXPLAIN ${explain.analyze ? 'ANALYZE ' : ''}${explain.select}` : ex.sql;
  try {
    if (!explain) return await d.dbs.run(ex.accountId, ex.sql, ex.database);
    // EXPLAIN reads no data; EXPLAIN ANALYZE runs the statement and so scans what it would.
    const plan = await d.dbs.explain(ex.accountId, explain.select, ex.database, explain.analyze);
    ex.explainScanned = explain.analyze
      ? resultBytes(await d.dbs.run(ex.accountId, explain.select, ex.database))
      : 0;
    return plan;
  } catch (err) {
    return engineError((err as Error).message, seen, ex.database);
  }
}
