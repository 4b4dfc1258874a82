import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { splitS3, type CatalogTable } from '../glue/catalog.js';
import type { S3Store } from '../s3.js';
import type { AccountDatabases } from './engine.js';

const q = (id: string): string => `"${id.replaceAll('"', '""')}"`;
const lit = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/** A Hive type as DuckDB spells it; complex types are read as the files hold them. */
function duckType(hive: string): string | undefined {
  const t = hive.toLowerCase();
  const simple: Record<string, string> = {
    string: 'VARCHAR',
    varchar: 'VARCHAR',
    char: 'VARCHAR',
    bigint: 'BIGINT',
    int: 'INTEGER',
    integer: 'INTEGER',
    smallint: 'SMALLINT',
    tinyint: 'TINYINT',
    double: 'DOUBLE',
    float: 'FLOAT',
    boolean: 'BOOLEAN',
    date: 'DATE',
    timestamp: 'TIMESTAMP',
    binary: 'BLOB',
  };
  if (simple[t]) return simple[t];
  const dec = /^decimal\((\d+),\s*(\d+)\)$/.exec(t);
  if (dec) return `DECIMAL(${dec[1]},${dec[2]})`;
  return /^(var)?char\(\d+\)$/.test(t) ? 'VARCHAR' : undefined;
}

/** Data files as Hive readers see them: `_` and `.` files (markers, temporaries) are not data. */
const isDataKey = (key: string): boolean => !/(^|\/)[_.][^/]*$/.test(key);

/**
 * The Parquet objects of a table made through Glue, copied out of the emulator's S3 into `dir` as a
 * hive tree (`key=value/...`, from the partitions' values, wherever the partitions live): only the
 * table's registered partitions are read, as Athena does; an unpartitioned table reads its location.
 */
async function materialize(s3: S3Store, t: CatalogTable, dir: string): Promise<string[]> {
  const sources =
    t.partitionKeys.length === 0
      ? [{ location: t.location, path: '' }]
      : t.partitions.map((p) => ({
          location: p.location,
          path: t.partitionKeys.map((k, i) => `${k}=${encodeURIComponent(p.values[i]!)}`).join('/'),
        }));
  const files: string[] = [];
  for (const [i, src] of sources.entries()) {
    const { bucket, prefix } = splitS3(src.location);
    const keys = s3.keys(bucket).filter((k) => k.startsWith(prefix) && isDataKey(k.slice(prefix.length)));
    for (const [j, key] of keys.entries()) {
      const body = s3.get(bucket, key);
      if (!body || body.length === 0) continue;
      const folder = join(dir, src.path);
      await mkdir(folder, { recursive: true });
      const file = join(folder, `${i}-${j}.parquet`);
      await writeFile(file, body);
      files.push(file);
    }
  }
  return files;
}

/** The table's DuckDB definition: its Glue columns cast to their types, then the partition keys. */
async function load(conn: DuckDBConnection, t: CatalogTable, files: string[]): Promise<void> {
  const created = t.created!;
  const target = `${q(t.database)}.${q(t.name)}`;
  await conn.run(`CREATE SCHEMA IF NOT EXISTS ${q(t.database)}`);
  const all = [...created.columns, ...created.partitionKeys];
  if (files.length === 0) {
    const defs = all.map((c) => `${q(c.Name)} ${duckType(c.Type) ?? 'VARCHAR'}`);
    await conn.run(`CREATE OR REPLACE TABLE ${target} (${defs.join(', ')})`);
    return;
  }
  const hiveTypes = created.partitionKeys.map((k) => `${lit(k.Name)}: ${lit(duckType(k.Type) ?? 'VARCHAR')}`);
  const source = `read_parquet([${files.map(lit).join(', ')}], hive_partitioning = true, union_by_name = true${
    hiveTypes.length > 0 ? `, hive_types = {${hiveTypes.join(', ')}}` : ''
  })`;
  const probe = await conn.runAndReadAll(`SELECT * FROM ${source} LIMIT 0`);
  const present = new Set(probe.columnNames().map((n) => n.toLowerCase()));
  // A column no file holds yet (added by a later run) reads as NULL, as Athena reads it.
  const exprs = all.map((c) => {
    const type = duckType(c.Type);
    if (!present.has(c.Name)) return `CAST(NULL AS ${type ?? 'VARCHAR'}) AS ${q(c.Name)}`;
    return type ? `CAST(${q(c.Name)} AS ${type}) AS ${q(c.Name)}` : q(c.Name);
  });
  await conn.run(`CREATE OR REPLACE TABLE ${target} AS SELECT ${exprs.join(', ')} FROM ${source}`);
}

/**
 * Before a query reads tables made through the Glue API, each is (re)loaded into the account's
 * database from its objects in the emulator's S3, so the query sees the data as it is now.
 */
export async function loadCreatedTables(
  dbs: AccountDatabases,
  s3: S3Store,
  accountId: string,
  tables: readonly CatalogTable[],
): Promise<void> {
  const created = tables.filter((t) => t.created !== undefined);
  if (created.length === 0) return;
  const dir = await mkdtemp(join(tmpdir(), 'emulator-table-'));
  try {
    for (const [i, t] of created.entries()) {
      const files = await materialize(s3, t, join(dir, String(i)));
      await dbs.session(accountId, (conn) => load(conn, t, files));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
