import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { Scenario } from '../scenario.js';
import { athenaType, formatValue } from './format.js';
import type { QueryOutput, UnloadOutput, UnloadSpec } from './shapes.js';
import { unloadColumn } from './unload.js';

const CATALOG = 'awsdatacatalog';

/** One DuckDB database per account, so a query can only ever see its own account's data. */
export class AccountDatabases {
  private readonly instances = new Map<string, Promise<DuckDBInstance>>();
  private readonly running = new Set<DuckDBConnection>();

  constructor(private readonly scenario: Scenario) {}

  /** Creates every org account's database and runs the scenario's `data` statements in it. */
  async seed(): Promise<void> {
    await Promise.all(this.scenario.accounts.map((a) => this.instance(a.id)));
  }

  private instance(accountId: string): Promise<DuckDBInstance> {
    let p = this.instances.get(accountId);
    if (!p) {
      p = this.create(accountId);
      this.instances.set(accountId, p);
    }
    return p;
  }

  private async create(accountId: string): Promise<DuckDBInstance> {
    const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
    const account = this.scenario.accounts.find((a) => a.id === accountId);
    const statements = [...(this.scenario.data.all ?? []), ...(this.scenario.data[accountId] ?? [])];
    const conn = await instance.connect();
    try {
      // Athena's catalog name, so that fully qualified names (awsdatacatalog.db.table) resolve too.
      await conn.run(`ATTACH ':memory:' AS ${CATALOG}; USE ${CATALOG}`);
      for (const sql of statements) {
        const text = sql
          .replaceAll('{accountId}', accountId)
          .replaceAll('{accountName}', account?.name ?? accountId);
        try {
          await conn.run(text);
        } catch (err) {
          throw new Error(
            `scenario data for account ${accountId} failed: ${text}\n${(err as Error).message}`,
            {
              cause: err,
            },
          );
        }
      }
    } finally {
      conn.closeSync();
    }
    return instance;
  }

  /** Runs one statement in the account's database with `database` as the default schema. */
  run(accountId: string, sql: string, database: string | undefined): Promise<QueryOutput> {
    return this.withConnection(accountId, database, async (conn) => {
      const reader = await conn.runAndReadAll(sql);
      const types = reader.columnTypes();
      const columns = reader.columnNames().map((name, i) => ({
        name,
        ...athenaType(types[i]!),
        caseSensitive: athenaType(types[i]!).type === 'varchar',
      }));
      const digits = this.scenario.knobs.timestampDigits;
      const rows = reader.getRows().map((row) => row.map((v, i) => formatValue(v, types[i]!, digits)));
      return { columns, rows };
    });
  }

  /**
   * The plan of `select` as Athena answers EXPLAIN: one varchar column "Query Plan", a row per line.
   * With `analyze` the statement runs (DuckDB's EXPLAIN ANALYZE), as Athena's EXPLAIN ANALYZE does.
   */
  explain(
    accountId: string,
    select: string,
    database: string | undefined,
    analyze: boolean,
  ): Promise<QueryOutput> {
    return this.withConnection(accountId, database, async (conn) => {
      const reader = await conn.runAndReadAll(`EXPLAIN ${analyze ? 'ANALYZE ' : ''}${select}`);
      const text = reader
        .getRows()
        .map((r) => String(r[1] ?? ''))
        .join('\n');
      const rows = text
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => [line]);
      return {
        columns: [{ name: 'Query Plan', type: 'varchar', precision: 0, scale: 0, caseSensitive: true }],
        rows,
      };
    });
  }

  /** A table's columns with Athena's type names, or undefined when the account has no such table. */
  columns(
    accountId: string,
    schema: string,
    table: string,
  ): Promise<{ name: string; type: string; precision: number; scale: number }[] | undefined> {
    return this.withConnection(accountId, undefined, async (conn) => {
      const q = (id: string): string => `"${id.replaceAll('"', '""')}"`;
      try {
        const probe = await conn.runAndReadAll(`SELECT * FROM ${q(schema)}.${q(table)} LIMIT 0`);
        const types = probe.columnTypes();
        return probe.columnNames().map((name, i) => ({ name, ...athenaType(types[i]!) }));
      } catch {
        return undefined;
      }
    });
  }

  /**
   * The tables a statement names, from DuckDB's own parse tree (json_serialize_sql), so names in
   * strings, comments and CTEs are told apart from real tables. Undefined when DuckDB cannot parse it
   * as a SELECT (running it then fails on its own, or it is not a query that reads tables).
   */
  referencedTables(
    accountId: string,
    sql: string,
  ): Promise<{ catalog: string; schema: string; table: string }[] | undefined> {
    return this.withConnection(accountId, undefined, async (conn) => {
      const reader = await conn.runAndReadAll('SELECT json_serialize_sql($1::VARCHAR)', [sql]);
      const tree = JSON.parse(String(reader.getRows()[0]?.[0])) as { error: boolean };
      return tree.error ? undefined : baseTables(tree);
    });
  }

  /**
   * UNLOAD's SELECT written as Parquet parts of about `partRows` rows (DuckDB's COPY into a temporary
   * directory), its columns first cast to what Athena's Hive writer stores (see unloadColumn).
   */
  unload(
    accountId: string,
    spec: UnloadSpec,
    database: string | undefined,
    partRows: number,
  ): Promise<UnloadOutput> {
    return this.withConnection(accountId, database, async (conn) => {
      const probe = await conn.runAndReadAll(`SELECT * FROM (${spec.select}) LIMIT 0`);
      const types = probe.columnTypes();
      const exprs = probe.columnNames().map((name, i) => unloadColumn(name, types[i]!));
      const dir = await mkdtemp(join(tmpdir(), 'emulator-unload-'));
      try {
        const out = join(dir, 'parts');
        const copy = await conn.runAndReadAll(
          `COPY (SELECT ${exprs.join(', ')} FROM (${spec.select})) TO '${out}' (FORMAT parquet, COMPRESSION ${spec.compression}, ROW_GROUP_SIZE ${partRows}, ROW_GROUPS_PER_FILE 1)`,
        );
        const rows = Number(copy.getRows()[0]?.[0] ?? 0);
        // No rows, no parts: Trino opens a writer only when a page arrives.
        const names = rows === 0 ? [] : (await readdir(out)).sort((a, b) => partIndex(a) - partIndex(b));
        const parts = await Promise.all(names.map((n) => readFile(join(out, n))));
        return { rows, parts };
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }

  /** `fn` with a connection to the account's database (catalog tables made through Glue are loaded so). */
  session<T>(accountId: string, fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    return this.withConnection(accountId, undefined, fn);
  }

  private async withConnection<T>(
    accountId: string,
    database: string | undefined,
    fn: (conn: DuckDBConnection) => Promise<T>,
  ): Promise<T> {
    const instance = await this.instance(accountId);
    const conn = await instance.connect();
    this.running.add(conn);
    try {
      const schema =
        database !== undefined && database !== '' && database.toLowerCase() !== 'default'
          ? `."${database.replaceAll('"', '""')}"`
          : '';
      await conn.run(`USE ${CATALOG}${schema}`);
      return await fn(conn);
    } finally {
      this.running.delete(conn);
      conn.closeSync();
    }
  }

  async close(): Promise<void> {
    for (const conn of this.running) conn.interrupt();
    const all = await Promise.allSettled(this.instances.values());
    for (const r of all) if (r.status === 'fulfilled') r.value.closeSync();
    this.instances.clear();
  }
}

/** BASE_TABLE references in a serialized parse tree, minus references to the tree's own CTEs. */
function baseTables(tree: unknown): { catalog: string; schema: string; table: string }[] {
  const ctes = new Set<string>();
  const found: { catalog: string; schema: string; table: string }[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const n of node) walk(n);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (o.type === 'BASE_TABLE' && typeof o.table_name === 'string') {
      found.push({
        catalog: typeof o.catalog_name === 'string' ? o.catalog_name : '',
        schema: typeof o.schema_name === 'string' ? o.schema_name : '',
        table: o.table_name,
      });
    }
    const cteMap = o.cte_map as { map?: { key: string }[] } | undefined;
    for (const entry of cteMap?.map ?? []) ctes.add(entry.key.toLowerCase());
    for (const v of Object.values(o)) walk(v);
  };
  walk(tree);
  return found.filter((t) => t.schema !== '' || !ctes.has(t.table.toLowerCase()));
}

/** DuckDB names COPY's files data_<n>.parquet; n orders them. */
const partIndex = (name: string): number => Number(/(\d+)/.exec(name)?.[1] ?? 0);
