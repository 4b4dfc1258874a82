import { DuckDBInstance } from '@duckdb/node-api';

/** Runs one query in a fresh in-memory DuckDB (an independent reader of our outputs). */
export async function duckRows(sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const reader = await conn.runAndReadAll(sql);
    return reader.getRowObjectsJS();
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** Counts (as `n`) the rows of `a` and `b` that the other lacks, duplicates included: 0 when they are equal. */
export function symmetricDifferenceSql(a: string, b: string): string {
  return `SELECT count(*)::INTEGER AS n FROM ((${a} EXCEPT ALL ${b}) UNION ALL (${b} EXCEPT ALL ${a}))`;
}
