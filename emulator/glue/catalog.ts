import type { S3Store } from '../s3.js';
import type { Scenario } from '../scenario.js';
import type {
  CatalogDatabaseInput,
  CatalogTableInput,
  DataCatalogInput,
  WorkgroupInput,
} from '../scenario-catalog.js';

/** A column as Glue stores it: name lower case, Hive type. */
export interface GlueColumnShape {
  Name: string;
  Type: string;
  Comment?: string;
}

/** A catalog table as one account sees it: templates filled, its data location split for S3. */
export interface CatalogTable extends CatalogTableInput {
  database: string;
  /**
   * A table created through the Glue API (CreateTable): its own columns and partition keys (not a
   * DuckDB table's), its StorageDescriptor and Parameters as given. Athena reads its Parquet objects.
   */
  created?: {
    columns: GlueColumnShape[];
    partitionKeys: GlueColumnShape[];
    storage: Record<string, unknown>;
    parameters: Record<string, string>;
    tableType: string;
    createTime: number;
    updateTime: number;
    version: number;
  };
}

export interface CatalogDatabase extends Omit<CatalogDatabaseInput, 'tables'> {
  tables: CatalogTable[];
}

/** `s3://bucket/a/b` → bucket and the key prefix, always ending in "/" (or empty for the bucket). */
export function splitS3(location: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(location)!;
  const rest = m[2]!;
  return { bucket: m[1]!, prefix: rest === '' || rest.endsWith('/') ? rest : `${rest}/` };
}

/** Every data location of a table: its own and each partition's (partitions may live elsewhere). */
export function dataLocations(t: CatalogTable): string[] {
  return [...new Set([t.location, ...t.partitions.map((p) => p.location)])];
}

/** The object the emulator puts under a data location, so listing it finds data as in a real lake. */
export function dataObjectKey(location: string): { bucket: string; key: string } {
  const { bucket, prefix } = splitS3(location);
  return { bucket, key: `${prefix}part-00000-emulator.parquet` };
}

function fill<T>(value: T, accountId: string, accountName: string): T {
  return JSON.parse(
    JSON.stringify(value).replaceAll('{accountId}', accountId).replaceAll('{accountName}', accountName),
  ) as T;
}

/** The `all` entries, then the account's own, the account's replacing `all`'s of the same name. */
function perAccount<T extends { name: string }>(
  field: Record<string, T[]>,
  accountId: string,
  accountName: string,
): T[] {
  const byName = new Map<string, T>();
  for (const item of [...(field.all ?? []), ...(field[accountId] ?? [])]) {
    byName.set(item.name.toLowerCase(), fill(item, accountId, accountName));
  }
  return [...byName.values()];
}

/**
 * The scenario's per-account Glue databases and tables, Athena workgroups and data catalogs. Names are
 * matched case-insensitively, as Glue and Athena do (Glue stores them lower case).
 */
export class ScenarioCatalog {
  private readonly cache = new Map<string, CatalogDatabase[]>();

  constructor(private readonly scenario: Scenario) {}

  private accountName(accountId: string): string {
    return this.scenario.accounts.find((a) => a.id === accountId)?.name ?? accountId;
  }

  databases(accountId: string): CatalogDatabase[] {
    let dbs = this.cache.get(accountId);
    if (!dbs) {
      dbs = perAccount(this.scenario.catalog, accountId, this.accountName(accountId)).map((d) => ({
        ...d,
        name: d.name.toLowerCase(),
        tables: d.tables.map((t) => ({ ...t, name: t.name.toLowerCase(), database: d.name.toLowerCase() })),
      }));
      this.cache.set(accountId, dbs);
    }
    return dbs;
  }

  database(accountId: string, name: string): CatalogDatabase | undefined {
    return this.databases(accountId).find((d) => d.name === name.toLowerCase());
  }

  table(accountId: string, database: string, name: string): CatalogTable | undefined {
    return this.database(accountId, database)?.tables.find((t) => t.name === name.toLowerCase());
  }

  /** CreateDatabase: false when the account has a database of that name already. */
  addDatabase(accountId: string, db: Omit<CatalogDatabase, 'tables'>): boolean {
    if (this.database(accountId, db.name)) return false;
    this.databases(accountId).push({ ...db, name: db.name.toLowerCase(), tables: [] });
    return true;
  }

  /** CreateTable / UpdateTable: the table of that name in `table.database` (which must exist) replaced. */
  putTable(accountId: string, table: CatalogTable): void {
    const db = this.database(accountId, table.database)!;
    db.tables = [...db.tables.filter((t) => t.name !== table.name), table];
  }

  /** DeleteTable: false when there was no such table. */
  removeTable(accountId: string, database: string, name: string): boolean {
    const db = this.database(accountId, database);
    const before = db?.tables.length ?? 0;
    if (db) db.tables = db.tables.filter((t) => t.name !== name.toLowerCase());
    return (db?.tables.length ?? 0) < before;
  }

  workgroups(accountId: string): WorkgroupInput[] {
    return perAccount(this.scenario.workgroups, accountId, this.accountName(accountId));
  }

  dataCatalogs(accountId: string): DataCatalogInput[] {
    return perAccount(this.scenario.dataCatalogs, accountId, this.accountName(accountId));
  }

  /** Puts one data object under every table and partition location of every account. */
  seed(s3: S3Store): void {
    for (const account of this.scenario.accounts) {
      for (const db of this.databases(account.id)) {
        for (const t of db.tables) {
          for (const location of dataLocations(t)) {
            const { bucket, key } = dataObjectKey(location);
            const body = Buffer.from(`emulator data of ${db.name}.${t.name} in ${account.id}\n`, 'utf8');
            s3.put(
              bucket,
              key,
              body,
              'application/octet-stream',
              t.kmsKeyArn === undefined
                ? undefined
                : { algorithm: 'aws:kms', kmsKeyId: t.kmsKeyArn, requested: {} },
            );
          }
        }
      }
    }
  }
}
