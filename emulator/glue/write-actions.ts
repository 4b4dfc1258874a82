import type { Principal } from '../identity.js';
import { ApiError } from '../protocol.js';
import { glueArns, requireGlue, type Place } from './arns.js';
import type { CatalogTable, GlueColumnShape, ScenarioCatalog } from './catalog.js';

const S3_LOCATION = /^s3:\/\/[^/]+(\/.*)?$/;

const notFound = (message: string): ApiError => new ApiError('EntityNotFoundException', message, 400);
const invalidInput = (message: string): ApiError => new ApiError('InvalidInputException', message, 400);
const exists = (message: string): ApiError => new ApiError('AlreadyExistsException', message, 400);

const now = (): number => Math.floor(Date.now() / 1000);

function required(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') {
    throw invalidInput(
      `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value.toLowerCase();
}

function columns(value: unknown, field: string): GlueColumnShape[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalidInput(`${field} must be a list of columns`);
  return value.map((c: Record<string, unknown>, i) => ({
    Name: required(c.Name, `${field}.${i + 1}.member.name`),
    Type: typeof c.Type === 'string' ? c.Type.toLowerCase() : 'string',
    ...(typeof c.Comment === 'string' ? { Comment: c.Comment } : {}),
  }));
}

/** A TableInput as the catalog keeps it; `previous` (UpdateTable) keeps the partitions and creation time. */
function tableFrom(database: string, input: Record<string, unknown>, previous?: CatalogTable): CatalogTable {
  const name = required(input.Name, 'tableInput.name');
  const sd = (input.StorageDescriptor ?? {}) as Record<string, unknown>;
  const location = typeof sd.Location === 'string' ? sd.Location : '';
  if (location !== '' && !S3_LOCATION.test(location)) {
    throw invalidInput(
      `Invalid location ${location}: the emulator's tables live in its S3 (s3://bucket/prefix/)`,
    );
  }
  const partitionKeys = columns(input.PartitionKeys, 'tableInput.partitionKeys');
  const { Columns: _c, Location: _l, ...storage } = sd;
  const created = now();
  return {
    name,
    database,
    location,
    partitionKeys: partitionKeys.map((k) => k.Name),
    partitions: previous?.partitions ?? [],
    created: {
      columns: columns(sd.Columns, 'tableInput.storageDescriptor.columns'),
      partitionKeys,
      storage,
      parameters: (input.Parameters ?? {}) as Record<string, string>,
      tableType: typeof input.TableType === 'string' ? input.TableType : 'EXTERNAL_TABLE',
      createTime: previous?.created?.createTime ?? created,
      updateTime: created,
      version: (previous?.created?.version ?? -1) + 1,
    },
  };
}

/**
 * Glue's catalog writes the emulator serves: CreateDatabase, CreateTable, UpdateTable, DeleteTable,
 * BatchCreatePartition and GetPartition, each authorized on the catalog, database and table ARNs as
 * IAM does. Undefined for an action that is not one of them.
 */
export function catalogWrite(
  catalog: ScenarioCatalog,
  caller: Principal,
  place: Place,
  action: string,
  input: Record<string, unknown>,
): unknown {
  const table = (dbName: string, name: string): CatalogTable => {
    if (!catalog.database(place.account, dbName)) throw notFound(`Database ${dbName} not found.`);
    const t = catalog.table(place.account, dbName, name);
    if (!t) throw notFound(`Table ${name} not found.`);
    return t;
  };
  switch (action) {
    case 'CreateDatabase': {
      const db = (input.DatabaseInput ?? {}) as Record<string, unknown>;
      const name = required(db.Name, 'databaseInput.name');
      requireGlue(caller, 'glue:CreateDatabase', glueArns(place, name));
      const added = catalog.addDatabase(place.account, {
        name,
        ...(typeof db.Description === 'string' ? { description: db.Description } : {}),
        ...(typeof db.LocationUri === 'string' ? { locationUri: db.LocationUri } : {}),
      });
      if (!added) throw exists('Database already exists.');
      return {};
    }
    case 'CreateTable':
    case 'UpdateTable': {
      const dbName = required(input.DatabaseName, 'databaseName');
      const tableInput = (input.TableInput ?? {}) as Record<string, unknown>;
      const name = required(tableInput.Name, 'tableInput.name');
      requireGlue(caller, `glue:${action}`, glueArns(place, dbName, name));
      if (!catalog.database(place.account, dbName)) throw notFound(`Database ${dbName} not found.`);
      const previous = catalog.table(place.account, dbName, name);
      if (action === 'CreateTable' && previous) throw exists('Table already exists.');
      if (action === 'UpdateTable' && !previous) throw notFound(`Table ${name} not found.`);
      catalog.putTable(place.account, tableFrom(dbName, tableInput, previous));
      return {};
    }
    case 'DeleteTable': {
      const dbName = required(input.DatabaseName, 'databaseName');
      const name = required(input.Name, 'name');
      requireGlue(caller, 'glue:DeleteTable', glueArns(place, dbName, name));
      table(dbName, name);
      catalog.removeTable(place.account, dbName, name);
      return {};
    }
    case 'BatchCreatePartition':
      return batchCreatePartition(caller, place, input, table);
    default:
      return undefined;
  }
}

function batchCreatePartition(
  caller: Principal,
  place: Place,
  input: Record<string, unknown>,
  table: (db: string, name: string) => CatalogTable,
): unknown {
  const dbName = required(input.DatabaseName, 'databaseName');
  const name = required(input.TableName, 'tableName');
  requireGlue(caller, 'glue:BatchCreatePartition', glueArns(place, dbName, name));
  const t = table(dbName, name);
  const list = Array.isArray(input.PartitionInputList)
    ? (input.PartitionInputList as Record<string, unknown>[])
    : [];
  if (list.length > 100) {
    throw invalidInput(
      "1 validation error detected: Value at 'partitionInputList' failed to satisfy constraint: Member must have length less than or equal to 100",
    );
  }
  const errors: unknown[] = [];
  for (const p of list) {
    const values = Array.isArray(p.Values) ? p.Values.map(String) : [];
    const fail = (code: string, message: string) =>
      errors.push({ PartitionValues: values, ErrorDetail: { ErrorCode: code, ErrorMessage: message } });
    if (values.length !== t.partitionKeys.length) {
      fail(
        'InvalidInputException',
        'The number of partition keys do not match the number of partition values',
      );
      continue;
    }
    if (t.partitions.some((q) => q.values.join('\u0000') === values.join('\u0000'))) {
      fail('AlreadyExistsException', 'Partition already exists.');
      continue;
    }
    const sd = (p.StorageDescriptor ?? {}) as Record<string, unknown>;
    const location = typeof sd.Location === 'string' && sd.Location !== '' ? sd.Location : undefined;
    if (location === undefined || !S3_LOCATION.test(location)) {
      fail('InvalidInputException', 'A partition needs an s3:// StorageDescriptor.Location in the emulator');
      continue;
    }
    t.partitions.push({ values, location });
  }
  return { Errors: errors };
}
