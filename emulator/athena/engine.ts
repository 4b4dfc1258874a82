import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { Scenario } from '../scenario.js';
import { athenaType, formatValue, type AthenaColumn } from './format.js';

const CATALOG = 'awsdatacatalog';

export interface QueryOutput {
  columns: AthenaColumn[];
  /** Values already in Athena's text form; null = SQL NULL. */
  rows: (string | null)[][];
}

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
  async run(accountId: string, sql: string, database: string | undefined): Promise<QueryOutput> {
    const instance = await this.instance(accountId);
    const conn = await instance.connect();
    this.running.add(conn);
    try {
      const schema =
        database !== undefined && database !== '' && database.toLowerCase() !== 'default'
          ? `."${database.replaceAll('"', '""')}"`
          : '';
      await conn.run(`USE ${CATALOG}${schema}`);
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
