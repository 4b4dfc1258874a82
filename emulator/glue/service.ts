import type { AccountDatabases } from '../athena/engine.js';
import type { Principal } from '../identity.js';
import { ApiError } from '../protocol.js';
import { glueArns, placeOf, requireGlue, type Place } from './arns.js';
import type { CatalogDatabase, CatalogTable, ScenarioCatalog } from './catalog.js';
import { catalogWrite } from './write-actions.js';

/** The scenario's creation time for every catalog entry, so repeated runs answer the same. */
const CREATED = 1_700_000_000;

const notFound = (message: string): ApiError => new ApiError('EntityNotFoundException', message, 400);
const invalidInput = (message: string): ApiError => new ApiError('InvalidInputException', message, 400);

/** Athena's type names as Hive (and so Glue) spells them. */
function hiveType(c: { type: string; precision: number; scale: number }): string {
  if (c.type === 'varchar' || c.type === 'json' || c.type === 'uuid') return 'string';
  if (c.type === 'integer') return 'int';
  if (c.type === 'real') return 'float';
  if (c.type === 'varbinary') return 'binary';
  if (c.type === 'decimal') return `decimal(${c.precision},${c.scale})`;
  return c.type;
}

/** One page of `items` after NextToken (an offset), at most MaxResults (1..limit, default limit). */
function page<T>(items: T[], input: Record<string, unknown>, limit: number): { items: T[]; next?: string } {
  const max = input.MaxResults === undefined ? limit : Number(input.MaxResults);
  if (!Number.isInteger(max) || max < 1 || max > limit) {
    throw invalidInput(
      `1 validation error detected: Value '${String(input.MaxResults)}' at 'maxResults' failed to satisfy constraint: Member must have value ${max < 1 ? 'greater than or equal to 1' : `less than or equal to ${limit}`}`,
    );
  }
  let offset = 0;
  if (typeof input.NextToken === 'string') {
    offset = Number(Buffer.from(input.NextToken, 'base64url').toString('utf8'));
    if (!Number.isInteger(offset) || offset < 0) throw invalidInput('Invalid pagination token');
  }
  const slice = items.slice(offset, offset + max);
  return offset + max < items.length
    ? { items: slice, next: Buffer.from(String(offset + max)).toString('base64url') }
    : { items: slice };
}

/**
 * AWS Glue Data Catalog (awsJson1_1, `AWSGlue.<Action>`): the scenario's `catalog:` of the caller's
 * account. Every action is authorized as IAM authorizes it, on the catalog, the database and the
 * table ARNs; columns come from the account's DuckDB table of the same name.
 */
export class GlueService {
  constructor(
    private readonly catalog: ScenarioCatalog,
    private readonly dbs: AccountDatabases,
  ) {}

  handle = async (
    caller: Principal,
    action: string,
    input: Record<string, unknown>,
    ctx: { region?: string } = {},
  ): Promise<unknown> => {
    const place = this.place(caller, action, input, ctx.region);
    switch (action) {
      case 'GetDatabase': {
        const name = this.name(input.Name, 'name');
        requireGlue(caller, 'glue:GetDatabase', glueArns(place, name));
        return { Database: this.databaseShape(place, this.database(place, name)) };
      }
      case 'GetDatabases': {
        const dbs = this.catalog.databases(place.account);
        requireGlue(caller, 'glue:GetDatabases', glueArns(place));
        for (const db of dbs) requireGlue(caller, 'glue:GetDatabases', glueArns(place, db.name).slice(1));
        const { items, next } = page(dbs, input, 100);
        return { DatabaseList: items.map((d) => this.databaseShape(place, d)), NextToken: next };
      }
      case 'GetTable': {
        const dbName = this.name(input.DatabaseName, 'databaseName');
        const name = this.name(input.Name, 'name');
        requireGlue(caller, 'glue:GetTable', glueArns(place, dbName, name));
        const table = this.table(place, dbName, name);
        return { Table: await this.tableShape(place, table) };
      }
      case 'GetTables':
        return this.getTables(caller, place, input);
      case 'GetPartitions':
        return this.getPartitions(caller, place, input);
      case 'GetPartition':
        return this.getPartition(caller, place, input);
      default: {
        const written = catalogWrite(this.catalog, caller, place, action, input);
        if (written !== undefined) return written;
        throw new ApiError('UnknownOperationException', `The emulator does not implement ${action}.`, 400);
      }
    }
  };

  /** The catalog asked for: the caller's own; another account's needs a resource policy the emulator lacks. */
  private place(caller: Principal, action: string, input: Record<string, unknown>, region?: string): Place {
    const catalogId = typeof input.CatalogId === 'string' ? input.CatalogId : caller.accountId;
    const place = placeOf(caller, region, catalogId);
    if (catalogId !== caller.accountId) {
      throw new ApiError(
        'AccessDeniedException',
        `User: ${caller.arn} is not authorized to perform: glue:${action} on resource: ${glueArns(place)[0]!} because no resource-based policy allows the glue:${action} action`,
        400,
      );
    }
    return place;
  }

  private name(value: unknown, field: string): string {
    if (typeof value !== 'string' || value === '') {
      throw invalidInput(
        `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
      );
    }
    return value.toLowerCase();
  }

  private database(place: Place, name: string): CatalogDatabase {
    const db = this.catalog.database(place.account, name);
    if (!db) throw notFound(`Database ${name} not found.`);
    return db;
  }

  private table(place: Place, dbName: string, name: string): CatalogTable {
    const table = this.database(place, dbName).tables.find((t) => t.name === name);
    if (!table) throw notFound(`Table ${name} not found.`);
    return table;
  }

  private async getTables(caller: Principal, place: Place, input: Record<string, unknown>): Promise<unknown> {
    const dbName = this.name(input.DatabaseName, 'databaseName');
    requireGlue(caller, 'glue:GetTables', glueArns(place, dbName));
    let tables = this.database(place, dbName).tables;
    if (typeof input.Expression === 'string' && input.Expression !== '') {
      // Glue's Expression is a regular expression over table names; "*" alone means any.
      const pattern = input.Expression === '*' ? '.*' : input.Expression;
      let re: RegExp;
      try {
        re = new RegExp(`^(?:${pattern})$`, 'i');
      } catch {
        throw invalidInput(`Invalid expression: ${input.Expression}`);
      }
      tables = tables.filter((t) => re.test(t.name));
    }
    for (const t of tables) requireGlue(caller, 'glue:GetTables', glueArns(place, dbName, t.name).slice(2));
    const { items, next } = page(tables, input, 100);
    return {
      TableList: await Promise.all(items.map((t) => this.tableShape(place, t))),
      NextToken: next,
    };
  }

  private async getPartitions(
    caller: Principal,
    place: Place,
    input: Record<string, unknown>,
  ): Promise<unknown> {
    const dbName = this.name(input.DatabaseName, 'databaseName');
    const name = this.name(input.TableName, 'tableName');
    requireGlue(caller, 'glue:GetPartitions', glueArns(place, dbName, name));
    const table = this.table(place, dbName, name);
    const shape = (await this.tableShape(place, table)) as { StorageDescriptor: Record<string, unknown> };
    const { items, next } = page(table.partitions, input, 1000);
    return {
      Partitions: items.map((p) => ({
        Values: p.values,
        DatabaseName: table.database,
        TableName: table.name,
        CatalogId: place.account,
        CreationTime: CREATED,
        LastAccessTime: 0,
        StorageDescriptor: { ...shape.StorageDescriptor, Location: p.location },
        Parameters: {},
      })),
      NextToken: next,
    };
  }

  private async getPartition(
    caller: Principal,
    place: Place,
    input: Record<string, unknown>,
  ): Promise<unknown> {
    const dbName = this.name(input.DatabaseName, 'databaseName');
    const name = this.name(input.TableName, 'tableName');
    requireGlue(caller, 'glue:GetPartition', glueArns(place, dbName, name));
    const table = this.table(place, dbName, name);
    const values = Array.isArray(input.PartitionValues) ? input.PartitionValues.map(String) : [];
    const found = table.partitions.find((p) => p.values.join('\u0000') === values.join('\u0000'));
    if (!found) throw notFound('Cannot find partition.');
    const shape = (await this.tableShape(place, table)) as { StorageDescriptor: Record<string, unknown> };
    return {
      Partition: {
        Values: found.values,
        DatabaseName: table.database,
        TableName: table.name,
        CatalogId: place.account,
        CreationTime: CREATED,
        StorageDescriptor: { ...shape.StorageDescriptor, Location: found.location },
        Parameters: {},
      },
    };
  }

  /** A table made by CreateTable / UpdateTable, as it was given. */
  private createdShape(place: Place, t: CatalogTable, c: NonNullable<CatalogTable['created']>): unknown {
    return {
      Name: t.name,
      DatabaseName: t.database,
      CatalogId: place.account,
      CreateTime: c.createTime,
      UpdateTime: c.updateTime,
      Retention: 0,
      TableType: c.tableType,
      StorageDescriptor: { ...c.storage, Columns: c.columns, Location: t.location },
      PartitionKeys: c.partitionKeys,
      Parameters: c.parameters,
      CreatedBy: `arn:aws:iam::${place.account}:role/emulator`,
      IsRegisteredWithLakeFormation: false,
      VersionId: String(c.version),
    };
  }

  private databaseShape(place: Place, db: CatalogDatabase): unknown {
    return {
      Name: db.name,
      Description: db.description,
      LocationUri: db.locationUri,
      Parameters: {},
      CreateTime: CREATED,
      CatalogId: place.account,
      CreateTableDefaultPermissions: [],
    };
  }

  async tableShape(place: Place, t: CatalogTable): Promise<unknown> {
    if (t.created) return this.createdShape(place, t, t.created);
    const columns = (await this.dbs.columns(place.account, t.database, t.name)) ?? [];
    const partitionKeys = new Set(t.partitionKeys.map((k) => k.toLowerCase()));
    const glueColumn = (c: (typeof columns)[number]) => ({ Name: c.name.toLowerCase(), Type: hiveType(c) });
    return {
      Name: t.name,
      DatabaseName: t.database,
      CatalogId: place.account,
      Owner: 'hadoop',
      CreateTime: CREATED,
      UpdateTime: CREATED,
      Retention: 0,
      TableType: 'EXTERNAL_TABLE',
      StorageDescriptor: {
        Columns: columns.filter((c) => !partitionKeys.has(c.name.toLowerCase())).map(glueColumn),
        Location: t.location,
        InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
        OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
        Compressed: false,
        NumberOfBuckets: -1,
        SerdeInfo: {
          SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
          Parameters: { 'serialization.format': '1' },
        },
        BucketColumns: [],
        SortColumns: [],
        Parameters: {},
        StoredAsSubDirectories: false,
      },
      PartitionKeys: t.partitionKeys.map((k) => {
        const c = columns.find((col) => col.name.toLowerCase() === k.toLowerCase());
        return { Name: k.toLowerCase(), Type: c ? hiveType(c) : 'string' };
      }),
      Parameters: { EXTERNAL: 'TRUE', classification: 'parquet' },
      CreatedBy: `arn:aws:iam::${place.account}:role/emulator`,
      IsRegisteredWithLakeFormation: t.lakeFormation !== undefined,
      VersionId: '0',
    };
  }
}
