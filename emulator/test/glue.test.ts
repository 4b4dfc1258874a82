import { AthenaClient, GetDataCatalogCommand } from '@aws-sdk/client-athena';
import {
  AccessDeniedException,
  EntityNotFoundException,
  GetDatabaseCommand,
  GetDatabasesCommand,
  GetPartitionsCommand,
  GetTableCommand,
  GetTablesCommand,
  GlueClient,
} from '@aws-sdk/client-glue';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario, startEmulator, type RunningEmulator } from '../index.js';
import { catalogScenario, KEY_222, roleCredentials } from './catalog-fixture.js';

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({
    scenario: catalogScenario({
      dataCatalogs: {
        '222222222222': [
          {
            name: 'dynamo',
            type: 'LAMBDA',
            function: 'arn:aws:lambda:us-east-1:{accountId}:function:dynamo-connector',
          },
        ],
      },
    }),
  });
});
afterAll(async () => {
  await emu.close();
});

const clientConfig = (accountId: string, role = 'AthenaReader') => ({
  endpoint: emu.endpoint,
  region: 'us-east-1',
  credentials: roleCredentials(emu.endpoint, accountId, role),
});
const glue = (accountId: string, role?: string) => new GlueClient(clientConfig(accountId, role));

describe('Glue Data Catalog', () => {
  it('serves the scenario catalog of the caller account, columns from its DuckDB table', async () => {
    const { Table } = await glue('333333333333').send(
      new GetTableCommand({ DatabaseName: 'inventory', Name: 'Inventory' }),
    );
    expect(Table).toMatchObject({
      Name: 'inventory',
      DatabaseName: 'inventory',
      CatalogId: '333333333333',
      TableType: 'EXTERNAL_TABLE',
      IsRegisteredWithLakeFormation: false,
      StorageDescriptor: {
        Location: 's3://lake-333333333333/inventory/',
        Columns: [
          { Name: 'owner', Type: 'string' },
          { Name: 'name', Type: 'string' },
          { Name: 'id', Type: 'bigint' },
        ],
      },
      PartitionKeys: [],
    });
    const { Database } = await glue('333333333333').send(new GetDatabaseCommand({ Name: 'inventory' }));
    expect(Database).toMatchObject({ Name: 'inventory', Description: 'the inventory of data-dev' });
  });

  it('lists databases and tables with paging, and partitions that live elsewhere', async () => {
    const client = glue('222222222222');
    const { DatabaseList } = await client.send(new GetDatabasesCommand({}));
    expect(DatabaseList!.map((d) => d.Name)).toEqual(['inventory']);
    const first = await client.send(new GetTablesCommand({ DatabaseName: 'inventory', MaxResults: 3 }));
    expect(first.TableList!.map((t) => t.Name)).toEqual(['inventory', 'hard', 'events']);
    const rest = await client.send(
      new GetTablesCommand({ DatabaseName: 'inventory', MaxResults: 3, NextToken: first.NextToken }),
    );
    expect(rest.TableList!.map((t) => t.Name)).toEqual(['governed']);
    expect(rest.TableList![0]!.IsRegisteredWithLakeFormation).toBe(true);
    expect(rest.NextToken).toBeUndefined();
    const filtered = await client.send(
      new GetTablesCommand({ DatabaseName: 'inventory', Expression: 'ev.*' }),
    );
    expect(filtered.TableList!.map((t) => t.Name)).toEqual(['events']);

    const { Table } = await client.send(new GetTableCommand({ DatabaseName: 'inventory', Name: 'events' }));
    expect(Table!.PartitionKeys).toEqual([{ Name: 'day', Type: 'string' }]);
    expect(Table!.StorageDescriptor!.Columns).toEqual([{ Name: 'id', Type: 'bigint' }]);
    const p1 = await client.send(
      new GetPartitionsCommand({ DatabaseName: 'inventory', TableName: 'events', MaxResults: 1 }),
    );
    expect(p1.Partitions!.map((p) => [p.Values, p.StorageDescriptor!.Location])).toEqual([
      [['0'], 's3://lake-222222222222/events/day=0/'],
    ]);
    const p2 = await client.send(
      new GetPartitionsCommand({ DatabaseName: 'inventory', TableName: 'events', NextToken: p1.NextToken }),
    );
    expect(p2.Partitions!.map((p) => p.StorageDescriptor!.Location)).toEqual([
      's3://archive-222222222222/events/day=1/',
    ]);
    expect(p2.NextToken).toBeUndefined();
  });

  it('puts a data object under every table and partition location, KMS-encrypted where the table says', async () => {
    const s3 = new S3Client({ ...clientConfig('222222222222'), forcePathStyle: true });
    for (const [bucket, prefix] of [
      ['lake-222222222222', 'inventory/'],
      ['lake-222222222222', 'hard/'],
      ['archive-222222222222', 'events/day=1/'],
    ] as const) {
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1 }));
      expect(listed.KeyCount).toBe(1);
    }
    expect(emu.s3.encryption('lake-222222222222', 'hard/part-00000-emulator.parquet')).toMatchObject({
      algorithm: 'aws:kms',
      kmsKeyId: KEY_222,
    });
  });

  it("answers Glue's EntityNotFoundException for a missing database or table", async () => {
    const client = glue('222222222222');
    const table = client.send(new GetTableCommand({ DatabaseName: 'inventory', Name: 'nope' }));
    await expect(table).rejects.toBeInstanceOf(EntityNotFoundException);
    await expect(table).rejects.toThrow('Table nope not found.');
    // A DuckDB table that the catalog does not list is not a Glue table.
    await expect(
      glue('333333333333').send(new GetTableCommand({ DatabaseName: 'inventory', Name: 'hard' })),
    ).rejects.toThrow('Table hard not found.');
    await expect(client.send(new GetDatabaseCommand({ Name: 'sales' }))).rejects.toThrow(
      'Database sales not found.',
    );
  });

  it('refuses a caller IAM does not allow, and another account catalog, with AccessDeniedException', async () => {
    const denied = glue('222222222222', 'NoGlue').send(
      new GetTableCommand({ DatabaseName: 'inventory', Name: 'inventory' }),
    );
    await expect(denied).rejects.toBeInstanceOf(AccessDeniedException);
    await expect(denied).rejects.toThrow(/is not authorized to perform: glue:GetTable/);
    const crossAccount = glue('222222222222').send(
      new GetTableCommand({ CatalogId: '333333333333', DatabaseName: 'inventory', Name: 'inventory' }),
    );
    await expect(crossAccount).rejects.toThrow(
      'on resource: arn:aws:glue:us-east-1:333333333333:catalog because no resource-based policy allows the glue:GetTable action',
    );
  });
});

describe('Athena GetDataCatalog', () => {
  it('answers AwsDataCatalog as the account Glue catalog and federated catalogs with their function', async () => {
    const athena = new AthenaClient(clientConfig('222222222222'));
    const glueCatalog = await athena.send(new GetDataCatalogCommand({ Name: 'AwsDataCatalog' }));
    expect(glueCatalog.DataCatalog).toMatchObject({
      Type: 'GLUE',
      Parameters: { 'catalog-id': '222222222222' },
    });
    const lambda = await athena.send(new GetDataCatalogCommand({ Name: 'dynamo' }));
    expect(lambda.DataCatalog).toMatchObject({
      Type: 'LAMBDA',
      Parameters: { function: 'arn:aws:lambda:us-east-1:222222222222:function:dynamo-connector' },
    });
    const other = new AthenaClient(clientConfig('333333333333'));
    await expect(other.send(new GetDataCatalogCommand({ Name: 'dynamo' }))).rejects.toThrow(
      'Catalog dynamo was not found',
    );
  });
});

describe('scenario catalog validation', () => {
  it('names the field: unknown account keys, partitions without a value per key, bad locations', async () => {
    const base = catalogScenario();
    await expect(loadScenario({ ...base, catalog: { '999999999999': [{ name: 'db' }] } })).rejects.toThrow(
      /catalog: catalog key 999999999999 is neither "all" nor an account id/,
    );
    const table = (t: object) => ({ ...base, catalog: { all: [{ name: 'db', tables: [t] }] } });
    await expect(
      loadScenario(
        table({
          name: 't',
          location: 's3://b/t/',
          partitionKeys: ['a', 'b'],
          partitions: [{ values: ['1'], location: 's3://b/t/a=1/' }],
        }),
      ),
    ).rejects.toThrow(
      /catalog\.all\.0\.tables\.0\.partitions: every partition needs one value per partition key/,
    );
    await expect(loadScenario(table({ name: 't', location: '/tmp/t' }))).rejects.toThrow(
      /catalog\.all\.0\.tables\.0\.location: must be an s3:\/\/bucket\/prefix\/ URI/,
    );
    await expect(
      loadScenario({ ...base, workgroups: { all: [{ name: 'wg', encryption: { option: 'SSE_KMS' } }] } }),
    ).rejects.toThrow(/workgroups\.all\.0\.encryption: SSE_KMS \/ CSE_KMS need kmsKey/);
  });
});
