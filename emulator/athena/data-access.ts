import { firstDenied, glueArns, placeOf } from '../glue/arns.js';
import { dataLocations, splitS3, type CatalogTable, type ScenarioCatalog } from '../glue/catalog.js';
import { trusts, type Principal } from '../identity.js';
import type { S3Store } from '../s3.js';
import { loadCreatedTables } from './created-tables.js';
import type { AccountDatabases } from './engine.js';
import type { AthenaErrorShape } from './shapes.js';

/** Who reads, where, and against which default database: Athena reads table data as the caller. */
export interface Reader {
  caller: Principal;
  region: string | undefined;
  database: string | undefined;
}

/** ErrorType of Athena's error catalog: 1006 for a user's statement, 234 for Lake Formation. */
const GENERIC_USER_ERROR = 1006;
const LAKE_FORMATION_ERROR = 234;

const refusal = (message: string, errorType = GENERIC_USER_ERROR): AthenaErrorShape => ({
  ErrorCategory: 2,
  ErrorType: errorType,
  Retryable: false,
  ErrorMessage: message,
});

/** A service's refusal as the AWS SDK for Java inside Athena prints it (request ids left out). */
const viaService = (denied: string, service: string, status: number, code: string): string =>
  `${denied} (Service: ${service}; Status Code: ${status}; Error Code: ${code}; Proxy: null)`;

const withoutSlash = (location: string): string => location.replace(/\/+$/, '');

/**
 * What Athena checks before it reads a catalog table's data, under the caller's own identity:
 * glue:GetTable; then, for a Lake Formation table, lakeformation:GetDataAccess and a Lake Formation
 * grant; otherwise s3:ListBucket (with s3:prefix) and s3:GetObject on every data location and
 * kms:Decrypt on the table's key. The first refusal is the query's failure, in Athena's words.
 * Tables the scenario's catalog does not list are read unchecked, as before catalogs existed.
 */
export class DataAccess {
  constructor(
    private readonly catalog: ScenarioCatalog,
    private readonly dbs: AccountDatabases,
    private readonly s3: S3Store,
  ) {}

  /** The catalog tables `sql` reads, from DuckDB's parse tree (qualified or in the default database). */
  async tablesRead(accountId: string, sql: string, database: string | undefined): Promise<CatalogTable[]> {
    // Most scenarios have no catalog: no parse, no extra DuckDB connection per query.
    if (this.catalog.databases(accountId).length === 0) return [];
    const refs = (await this.dbs.referencedTables(accountId, sql)) ?? [];
    const found = new Map<string, CatalogTable>();
    for (const ref of refs) {
      if (ref.catalog !== '' && ref.catalog.toLowerCase() !== 'awsdatacatalog') continue;
      const schema = ref.schema !== '' ? ref.schema : (database ?? 'default');
      const table = this.catalog.table(accountId, schema, ref.table);
      if (table) found.set(`${table.database}.${table.name}`, table);
    }
    return [...found.values()];
  }

  /** Tables made through the Glue API that `sql` reads, (re)loaded from their objects in S3. */
  async loadCreated(accountId: string, sql: string, database: string | undefined): Promise<void> {
    await loadCreatedTables(this.dbs, this.s3, accountId, await this.tablesRead(accountId, sql, database));
  }

  /**
   * Why `reader` may not read what `sql` reads, or undefined when it may. Without `readsData` (plain
   * EXPLAIN) only the catalog and Lake Formation are asked: no S3 object is opened.
   */
  async failure(reader: Reader, sql: string, readsData = true): Promise<AthenaErrorShape | undefined> {
    const tables = await this.tablesRead(reader.caller.accountId, sql, reader.database);
    for (const table of tables) {
      const refused = this.refusal(reader, table, readsData);
      if (refused) return refused;
    }
    return undefined;
  }

  private refusal(reader: Reader, t: CatalogTable, readsData: boolean): AthenaErrorShape | undefined {
    const { caller } = reader;
    const place = placeOf(caller, reader.region);
    const glue = firstDenied(caller, 'glue:GetTable', glueArns(place, t.database, t.name));
    if (glue !== undefined) {
      return refusal(
        `Insufficient permissions to execute the query. ${viaService(glue, 'AWSGlue', 400, 'AccessDeniedException')}`,
      );
    }
    if (t.lakeFormation) {
      const lf = firstDenied(caller, 'lakeformation:GetDataAccess', ['*']);
      if (lf !== undefined) {
        return refusal(
          `Insufficient permissions to execute the query. ${viaService(lf, 'AWSLakeFormation', 400, 'AccessDeniedException')}`,
          LAKE_FORMATION_ERROR,
        );
      }
      if (!trusts(t.lakeFormation.grants, caller)) {
        return refusal(
          `Insufficient Lake Formation permission(s) on ${t.database}.${t.name}`,
          LAKE_FORMATION_ERROR,
        );
      }
      return undefined;
    }
    if (!readsData) return undefined;
    for (const location of dataLocations(t)) {
      const refused = this.locationRefusal(reader, t, location);
      if (refused) return refused;
    }
    return undefined;
  }

  private locationRefusal(reader: Reader, t: CatalogTable, location: string): AthenaErrorShape | undefined {
    const { caller } = reader;
    const partition = caller.arn.split(':')[1] ?? 'aws';
    const { bucket, prefix } = splitS3(location);
    const denied = `Permission denied on S3 path: ${withoutSlash(location)}`;
    const listed = firstDenied(caller, 's3:ListBucket', [`arn:${partition}:s3:::${bucket}`], {
      's3:prefix': prefix,
    });
    if (listed !== undefined) return refusal(denied);
    const objects = this.s3.keys(bucket).filter((k) => k.startsWith(prefix));
    for (const key of objects) {
      if (firstDenied(caller, 's3:GetObject', [`arn:${partition}:s3:::${bucket}/${key}`]) !== undefined)
        return refusal(denied);
      if (t.kmsKeyArn === undefined) continue;
      const region = reader.region ?? 'us-east-1';
      const kms = firstDenied(caller, 'kms:Decrypt', [t.kmsKeyArn], {
        'kms:ViaService': `s3.${region}.amazonaws.com`,
      });
      if (kms !== undefined) {
        const size = this.s3.get(bucket, key)?.length ?? 0;
        return refusal(
          `HIVE_CANNOT_OPEN_SPLIT: Error opening Hive split s3://${bucket}/${key} (offset=0, length=${size}): ${viaService(kms, 'Amazon S3', 403, 'AccessDenied')}`,
        );
      }
    }
    return undefined;
  }
}
