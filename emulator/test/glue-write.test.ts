import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AthenaClient, GetQueryResultsCommand } from '@aws-sdk/client-athena';
import {
  AccessDeniedException,
  AlreadyExistsException,
  BatchCreatePartitionCommand,
  CreateDatabaseCommand,
  CreateTableCommand,
  DeleteTableCommand,
  EntityNotFoundException,
  GetPartitionCommand,
  GetTableCommand,
  GlueClient,
  type TableInput,
  UpdateTableCommand,
} from '@aws-sdk/client-glue';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../index.js';
import { catalogScenario, roleCredentials, runQuery } from './catalog-fixture.js';

const ACCOUNT = '222222222222';
const LAKE = `lake-${ACCOUNT}`;

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({ scenario: catalogScenario() });
});
afterAll(async () => {
  await emu.close();
});

const clientConfig = (role = 'AthenaReader') => ({
  endpoint: emu.endpoint,
  region: 'us-east-1',
  credentials: roleCredentials(emu.endpoint, ACCOUNT, role),
});

/** A Parquet file of `select`, written by an independent DuckDB. */
async function parquet(select: string): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'glue-write-'));
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    await conn.run(`COPY (${select}) TO '${join(dir, 'p.parquet')}' (FORMAT parquet)`);
    return await readFile(join(dir, 'p.parquet'));
  } finally {
    conn.closeSync();
    instance.closeSync();
    await rm(dir, { recursive: true, force: true });
  }
}

const PARQUET_SD = {
  InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
  OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
  SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
};
const table = (columns: { Name: string; Type: string }[]): TableInput => ({
  Name: 'events',
  TableType: 'EXTERNAL_TABLE',
  StorageDescriptor: { ...PARQUET_SD, Columns: columns, Location: `s3://${LAKE}/made/` },
  PartitionKeys: [{ Name: 'day', Type: 'string' }],
});

describe('Glue catalog writes, and Athena reading what they register', () => {
  const glue = () => new GlueClient(clientConfig());
  const athena = () => new AthenaClient(clientConfig());
  const rows = async (sql: string) => {
    const qe = await runQuery(athena(), sql, { database: 'made' });
    expect(qe.Status?.State, qe.Status?.StateChangeReason).toBe('SUCCEEDED');
    const out = await athena().send(new GetQueryResultsCommand({ QueryExecutionId: qe.QueryExecutionId }));
    return out.ResultSet!.Rows!.slice(1).map((r) => r.Data!.map((d) => d.VarCharValue ?? null));
  };

  it('creates a database once, and refuses a table to a caller without glue permissions', async () => {
    await glue().send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'made' } }));
    await expect(glue().send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'MADE' } }))).rejects.toThrow(
      AlreadyExistsException,
    );
    const denied = new GlueClient(clientConfig('NoGlue'));
    await expect(
      denied.send(new CreateTableCommand({ DatabaseName: 'made', TableInput: table([]) })),
    ).rejects.toThrow(AccessDeniedException);
    await expect(
      glue().send(new CreateTableCommand({ DatabaseName: 'nowhere', TableInput: table([]) })),
    ).rejects.toThrow(EntityNotFoundException);
  });

  it('Athena reads the Parquet objects of the registered partitions only, typed as the table says', async () => {
    emu.s3.put(LAKE, 'made/day=1/part-0.parquet', await parquet(`SELECT 1::INTEGER AS id, 'a' AS note`));
    emu.s3.put(LAKE, 'made/day=1/_SUCCESS', Buffer.from('{}'));
    emu.s3.put('elsewhere', 'x/part-0.parquet', await parquet(`SELECT 2::INTEGER AS id, 'b' AS note`));
    emu.s3.put(LAKE, 'made/day=3/part-0.parquet', await parquet(`SELECT 3::INTEGER AS id, 'c' AS note`));
    const columns = [
      { Name: 'id', Type: 'bigint' },
      { Name: 'note', Type: 'string' },
    ];
    await glue().send(new CreateTableCommand({ DatabaseName: 'made', TableInput: table(columns) }));
    const partition = (day: string, location: string) => ({
      Values: [day],
      StorageDescriptor: { ...PARQUET_SD, Columns: columns, Location: location },
    });
    const created = await glue().send(
      new BatchCreatePartitionCommand({
        DatabaseName: 'made',
        TableName: 'events',
        PartitionInputList: [partition('1', `s3://${LAKE}/made/day=1/`), partition('2', 's3://elsewhere/x/')],
      }),
    );
    expect(created.Errors).toEqual([]);
    const again = await glue().send(
      new BatchCreatePartitionCommand({
        DatabaseName: 'made',
        TableName: 'events',
        PartitionInputList: [partition('1', `s3://${LAKE}/made/day=1/`)],
      }),
    );
    expect(again.Errors?.map((e) => e.ErrorDetail?.ErrorCode)).toEqual(['AlreadyExistsException']);
    const { Partition } = await glue().send(
      new GetPartitionCommand({ DatabaseName: 'made', TableName: 'events', PartitionValues: ['2'] }),
    );
    expect(Partition?.StorageDescriptor?.Location).toBe('s3://elsewhere/x/');

    expect(await rows('SELECT id, note, day FROM events ORDER BY id')).toEqual([
      ['1', 'a', '1'],
      ['2', 'b', '2'],
    ]);
    const qe = await runQuery(athena(), 'SELECT id FROM events', { database: 'made' });
    const out = await athena().send(new GetQueryResultsCommand({ QueryExecutionId: qe.QueryExecutionId }));
    expect(out.ResultSet?.ResultSetMetadata?.ColumnInfo?.[0]?.Type).toBe('bigint');
  });

  it('UpdateTable adds a column (NULL where no file has it); DeleteTable removes the table', async () => {
    const columns = [
      { Name: 'id', Type: 'bigint' },
      { Name: 'note', Type: 'string' },
      { Name: 'extra', Type: 'int' },
    ];
    await glue().send(new UpdateTableCommand({ DatabaseName: 'made', TableInput: table(columns) }));
    const { Table } = await glue().send(new GetTableCommand({ DatabaseName: 'made', Name: 'events' }));
    expect(Table?.StorageDescriptor?.Columns).toEqual(columns);
    expect(Table?.VersionId).toBe('1');
    expect(await rows("SELECT id, extra FROM events WHERE day = '1'")).toEqual([['1', null]]);
    await glue().send(new DeleteTableCommand({ DatabaseName: 'made', Name: 'events' }));
    await expect(glue().send(new GetTableCommand({ DatabaseName: 'made', Name: 'events' }))).rejects.toThrow(
      EntityNotFoundException,
    );
  });
});
