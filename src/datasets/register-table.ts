import {
  BatchCreatePartitionCommand,
  CreateDatabaseCommand,
  CreateTableCommand,
  GetDatabaseCommand,
  GetPartitionsCommand,
  GetTableCommand,
  GlueClient,
  type StorageDescriptor,
  type Table,
  type TableInput,
  UpdateTableCommand,
} from '@aws-sdk/client-glue';
import type { Schema } from 'apache-arrow';
import { awsClientConfig, type CredentialProvider } from '../aws/index.js';
import type { RegisterTable } from '../config/index.js';
import type { TableRegistration } from '../manifest.js';
import type { DatasetStore } from './dataset-store.js';
import { type GlueColumn, glueColumns, mergedColumns } from './glue-columns.js';
import { isPartFile } from './write-partitioned.js';

const PARQUET = {
  InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
  OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
  SerdeInfo: {
    SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
    Parameters: { 'serialization.format': '1' },
  },
};
/** Glue's limit for one BatchCreatePartition call. */
const PARTITION_BATCH = 100;

export interface RegisterOptions {
  register: RegisterTable;
  store: DatasetStore;
  /** The query's union schema, partition column included. */
  schema: Schema;
  accountKey: string;
  region: string;
  credentials: CredentialProvider;
}

const notFound = (err: unknown): undefined => {
  if ((err as Error).name === 'EntityNotFoundException') return undefined;
  throw err;
};

/** The dataset's partitions: one per `<key>=<account>/` directory holding a part of ours. */
async function datasetPartitions(store: DatasetStore, accountKey: string): Promise<string[]> {
  const dirs = (await store.list())
    .filter((f) => isPartFile(f.path, accountKey))
    .map((f) => decodeURIComponent(f.path.slice(accountKey.length + 1, f.path.indexOf('/'))));
  return [...new Set(dirs)].sort();
}

function tableInput(o: RegisterOptions, columns: GlueColumn[], previous?: Table): TableInput {
  const sd: StorageDescriptor = {
    ...PARQUET,
    Columns: columns,
    Location: `${o.store.location}/`,
    Compressed: false,
    NumberOfBuckets: -1,
    StoredAsSubDirectories: false,
  };
  return {
    Name: o.register.table,
    TableType: 'EXTERNAL_TABLE',
    Parameters: { ...previous?.Parameters, EXTERNAL: 'TRUE', classification: 'parquet' },
    StorageDescriptor: sd,
    PartitionKeys: [{ Name: o.accountKey.toLowerCase(), Type: 'string' }],
  };
}

/** Every existing partition's value (one key, so one value each). */
async function existingPartitions(glue: GlueClient, database: string, table: string): Promise<Set<string>> {
  const values = new Set<string>();
  let token: string | undefined;
  do {
    const page = await glue.send(
      new GetPartitionsCommand({ DatabaseName: database, TableName: table, NextToken: token }),
    );
    for (const p of page.Partitions ?? []) values.add(p.Values?.[0] ?? '');
    token = page.NextToken;
  } while (token);
  return values;
}

/**
 * Creates or updates the Glue table of a partitioned Parquet dataset on S3 (Parquet serde, location
 * the dataset's prefix, one partition per account) and adds the partitions it lacks. Everything is
 * checked first (partition keys, every column's type against the table's); only then the database,
 * the table and the partitions are written, so a refused change leaves the table as it was.
 */
export async function registerTable(o: RegisterOptions): Promise<TableRegistration> {
  const { database, table } = o.register;
  const glue = new GlueClient(awsClientConfig('glue', { region: o.region, credentials: o.credentials }));
  try {
    const db = await glue.send(new GetDatabaseCommand({ Name: database })).catch(notFound);
    const existing = db
      ? (await glue.send(new GetTableCommand({ DatabaseName: database, Name: table })).catch(notFound))?.Table
      : undefined;
    const key = o.accountKey.toLowerCase();
    const keys = existing?.PartitionKeys?.map((k) => k.Name?.toLowerCase());
    if (keys && (keys.length !== 1 || keys[0] !== key)) {
      throw new Error(
        `table ${database}.${table} is partitioned by ${keys.join(', ') || 'nothing'}, the dataset by ${key}`,
      );
    }
    const run = glueColumns(o.schema.fields.filter((f) => f.name !== o.accountKey));
    const { columns, added } = mergedColumns(
      (existing?.StorageDescriptor?.Columns ?? []) as GlueColumn[],
      run,
    );
    const input = tableInput(o, columns, existing);
    const moved =
      existing !== undefined && existing.StorageDescriptor?.Location !== input.StorageDescriptor!.Location;
    const partitions = await datasetPartitions(o.store, o.accountKey);

    if (!db) await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: database } }));
    if (!existing) await glue.send(new CreateTableCommand({ DatabaseName: database, TableInput: input }));
    else if (added.length > 0 || moved)
      await glue.send(new UpdateTableCommand({ DatabaseName: database, TableInput: input }));
    const known = existing ? await existingPartitions(glue, database, table) : new Set<string>();
    const fresh = partitions.filter((v) => !known.has(v));
    for (let i = 0; i < fresh.length; i += PARTITION_BATCH) {
      const out = await glue.send(
        new BatchCreatePartitionCommand({
          DatabaseName: database,
          TableName: table,
          PartitionInputList: fresh.slice(i, i + PARTITION_BATCH).map((v) => ({
            Values: [v],
            StorageDescriptor: {
              ...input.StorageDescriptor,
              Location: `${o.store.location}/${o.accountKey}=${encodeURIComponent(v)}/`,
            },
          })),
        }),
      );
      const failed = (out.Errors ?? []).filter((e) => e.ErrorDetail?.ErrorCode !== 'AlreadyExistsException');
      if (failed.length > 0) {
        const e = failed[0]!;
        throw new Error(
          `partition ${e.PartitionValues?.join('/')}: ${e.ErrorDetail?.ErrorCode}: ${e.ErrorDetail?.ErrorMessage}`,
        );
      }
    }
    return {
      database,
      table,
      state: existing ? (added.length > 0 || moved ? 'updated' : 'unchanged') : 'created',
      ...(added.length > 0 && existing ? { columnsAdded: added } : {}),
      partitionsAdded: fresh.length,
    };
  } finally {
    glue.destroy();
  }
}
