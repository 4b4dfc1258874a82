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

/**
 * Two Parquet files read by DuckDB over the same `columns`: each one's row count, and how many rows
 * either has that the other lacks, duplicates included (0 when their contents are equal).
 */
export async function compareParquetFiles(
  fileA: string,
  fileB: string,
  columns: string,
): Promise<{ rowsA: number; rowsB: number; differing: number }> {
  const a = `SELECT ${columns} FROM read_parquet('${fileA}')`;
  const b = `SELECT ${columns} FROM read_parquet('${fileB}')`;
  const [counts] = await duckRows(
    `SELECT (SELECT count(*) FROM (${a}))::INTEGER AS a, (SELECT count(*) FROM (${b}))::INTEGER AS b,
       (SELECT count(*) FROM ((${a} EXCEPT ALL ${b}) UNION ALL (${b} EXCEPT ALL ${a})))::INTEGER AS d`,
  );
  return { rowsA: counts!.a as number, rowsB: counts!.b as number, differing: counts!.d as number };
}
