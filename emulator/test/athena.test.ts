import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type GetQueryResultsCommandOutput,
  type QueryExecution,
} from '@aws-sdk/client-athena';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../index.js';
import { readerCredentials, smallScenario } from './fixture.js';

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({
    scenario: smallScenario({
      failQueries: [
        { match: 'FROM broken', message: 'TABLE_NOT_FOUND: line 1:15: Table broken does not exist' },
      ],
    }),
  });
});
afterAll(async () => {
  await emu.close();
});

const OUTPUT = 's3://results-bucket/athena/';
const athena = (accountId: string): AthenaClient =>
  new AthenaClient({
    endpoint: emu.endpoint,
    region: 'us-east-1',
    credentials: readerCredentials(emu.endpoint, accountId),
  });

async function run(client: AthenaClient, sql: string, database = 'inventory'): Promise<QueryExecution> {
  const { QueryExecutionId } = await client.send(
    new StartQueryExecutionCommand({
      QueryString: sql,
      QueryExecutionContext: database === '' ? undefined : { Database: database },
      ResultConfiguration: { OutputLocation: OUTPUT },
    }),
  );
  const seen = new Set<string>();
  for (;;) {
    const { QueryExecution: qe } = await client.send(new GetQueryExecutionCommand({ QueryExecutionId }));
    seen.add(qe!.Status!.State!);
    if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(qe!.Status!.State!)) {
      expect([...seen][0]).not.toBe(qe!.Status!.State); // it was QUEUED or RUNNING before
      return qe!;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function allPages(
  client: AthenaClient,
  id: string,
  max: number,
): Promise<GetQueryResultsCommandOutput[]> {
  const pages: GetQueryResultsCommandOutput[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new GetQueryResultsCommand({ QueryExecutionId: id, MaxResults: max, NextToken: token }),
    );
    pages.push(page);
    token = page.NextToken;
  } while (token);
  return pages;
}

describe('Athena', () => {
  it('runs a query end to end with Athena-typed, exact values', async () => {
    const client = athena('222222222222');
    const qe = await run(client, 'SELECT big, dec, txt, ts, d, dbl, flag FROM hard ORDER BY n');
    expect(qe.Status!.State).toBe('SUCCEEDED');
    expect(qe.ResultConfiguration!.OutputLocation).toBe(`${OUTPUT}${qe.QueryExecutionId}.csv`);
    expect(qe.Statistics!.DataScannedInBytes).toBeGreaterThan(0);

    const pages = await allPages(client, qe.QueryExecutionId!, 2);
    expect(pages).toHaveLength(3);
    const rows = pages
      .flatMap((p) => p.ResultSet!.Rows!)
      .map((r) => r.Data!.map((d) => d.VarCharValue ?? null));
    expect(rows[0]).toEqual(['big', 'dec', 'txt', 'ts', 'd', 'dbl', 'flag']);
    expect(rows[1]).toEqual([
      '9007199254740993',
      '12345678901234567890.123456789',
      'a "quoted", value',
      '2024-06-24 09:30:51.123',
      '2024-06-24',
      '1.5',
      'true',
    ]);
    expect(rows[2]).toEqual([
      '-1',
      '0.500000000',
      '',
      '1999-12-31 23:59:59.000',
      '1999-12-31',
      '1.0E20',
      'false',
    ]);
    expect(rows[3]).toEqual([null, null, null, null, null, null, null]);
    expect(rows[4]![1]).toBe('-0.000000001');
    expect(rows[4]![2]).toBe('line1\nline2 ünïcødé 🚀');
    // NULL is a Datum without VarCharValue; "" keeps its VarCharValue.
    const second = pages[1]!.ResultSet!.Rows!;
    expect(second[0]!.Data![2]).toEqual({ VarCharValue: '' });
    expect(second[1]!.Data![2]).toEqual({});
    // Only the first page carries the header.
    expect(pages[1]!.ResultSet!.Rows![0]!.Data![0]!.VarCharValue).toBe('-1');

    const info = pages[0]!.ResultSet!.ResultSetMetadata!.ColumnInfo!;
    expect(info.map((c) => c.Type)).toEqual([
      'bigint',
      'decimal',
      'varchar',
      'timestamp',
      'date',
      'double',
      'boolean',
    ]);
    expect(info[1]).toMatchObject({ Precision: 38, Scale: 9, CatalogName: 'hive', Nullable: 'UNKNOWN' });
  });

  it('prints nested and binary types as Athena does', async () => {
    const client = athena('222222222222');
    const qe = await run(
      client,
      `SELECT [1, NULL, 3] AS arr, MAP {'k': 1.5::DOUBLE} AS m, {'f': 'v', 'g': NULL::INTEGER} AS r,
        '\\x68\\x69\\xFF'::BLOB AS b, 0.1::REAL AS f, 12345678.0::DOUBLE AS big_dbl, 0.0001::DOUBLE AS small_dbl,
        TIME '09:30:51.5' AS t, 42::INTEGER AS i, 7::SMALLINT AS s, 1::TINYINT AS ti`,
    );
    const res = await client.send(new GetQueryResultsCommand({ QueryExecutionId: qe.QueryExecutionId }));
    const info = res.ResultSet!.ResultSetMetadata!.ColumnInfo!;
    expect(info.map((c) => c.Type)).toEqual([
      'array',
      'map',
      'row',
      'varbinary',
      'real',
      'double',
      'double',
      'time',
      'integer',
      'smallint',
      'tinyint',
    ]);
    expect(res.ResultSet!.Rows![1]!.Data!.map((d) => d.VarCharValue)).toEqual([
      '[1, null, 3]',
      '{k=1.5}',
      '{f=v, g=null}',
      '68 69 ff',
      '0.1',
      '1.2345678E7',
      '1.0E-4',
      '09:30:51.500',
      '42',
      '7',
      '1',
    ]);
  });

  it('writes the result CSV to S3 byte for byte as Athena does', async () => {
    const client = athena('222222222222');
    const qe = await run(client, 'SELECT n, big, txt FROM hard ORDER BY n');
    const s3 = new S3Client({
      endpoint: emu.endpoint,
      region: 'us-east-1',
      credentials: readerCredentials(emu.endpoint, '222222222222'),
    });
    const key = `athena/${qe.QueryExecutionId}.csv`;
    const obj = await s3.send(new GetObjectCommand({ Bucket: 'results-bucket', Key: key }));
    expect(await obj.Body!.transformToString()).toBe(
      '"n","big","txt"\n' +
        '"1","9007199254740993","a ""quoted"", value"\n' +
        '"2","-1",""\n' +
        '"3",,\n' +
        '"4","0","line1\nline2 ünïcødé 🚀"\n',
    );
    const meta = await s3.send(new GetObjectCommand({ Bucket: 'results-bucket', Key: `${key}.metadata` }));
    expect(meta.ContentLength).toBeGreaterThan(0);
  });

  it('runs each query in the caller account only', async () => {
    const a = await run(athena('222222222222'), 'SELECT DISTINCT owner FROM inventory');
    const b = await run(
      athena('333333333333'),
      'SELECT DISTINCT owner FROM awsdatacatalog.inventory.inventory',
      '',
    );
    const ownerOf = async (accountId: string, id: string): Promise<string | undefined> => {
      const r = await athena(accountId).send(new GetQueryResultsCommand({ QueryExecutionId: id }));
      return r.ResultSet!.Rows![1]!.Data![0]!.VarCharValue;
    };
    expect(await ownerOf('222222222222', a.QueryExecutionId!)).toBe('222222222222');
    expect(await ownerOf('333333333333', b.QueryExecutionId!)).toBe('333333333333');
    // Account 333's table "hard" does not exist, and 222's query id is invisible from 333.
    const missing = await run(athena('333333333333'), 'SELECT * FROM hard');
    expect(missing.Status!.State).toBe('FAILED');
    await expect(
      athena('333333333333').send(new GetQueryResultsCommand({ QueryExecutionId: a.QueryExecutionId })),
    ).rejects.toMatchObject({ name: 'InvalidRequestException' });
    expect(emu.record.queries.find((q) => q.id === a.QueryExecutionId)).toMatchObject({
      accountId: '222222222222',
      callerArn: 'arn:aws:sts::222222222222:assumed-role/AthenaReader/reader',
      state: 'SUCCEEDED',
    });
  });

  it('fails injected and invalid queries with an AthenaError', async () => {
    const client = athena('222222222222');
    const qe = await run(client, 'SELECT * FROM broken');
    expect(qe.Status).toMatchObject({
      State: 'FAILED',
      StateChangeReason: 'TABLE_NOT_FOUND: line 1:15: Table broken does not exist',
      AthenaError: { ErrorCategory: 2, Retryable: false },
    });
    const sqlError = await run(client, 'SELEC 1');
    expect(sqlError.Status!.State).toBe('FAILED');
    expect(sqlError.Status!.AthenaError!.ErrorMessage).toMatch(/syntax error/i);
    await expect(
      client.send(new GetQueryResultsCommand({ QueryExecutionId: qe.QueryExecutionId, MaxResults: 1001 })),
    ).rejects.toMatchObject({ name: 'InvalidRequestException' });
  });

  it('cancels a running query', async () => {
    const client = athena('222222222222');
    const { QueryExecutionId } = await client.send(
      new StartQueryExecutionCommand({
        QueryString: 'SELECT 1',
        ResultConfiguration: { OutputLocation: OUTPUT },
      }),
    );
    await client.send(new StopQueryExecutionCommand({ QueryExecutionId }));
    const { QueryExecution } = await client.send(new GetQueryExecutionCommand({ QueryExecutionId }));
    expect(QueryExecution!.Status!.State).toBe('CANCELLED');
  });

  it('reuses the execution for a repeated ClientRequestToken and binds ExecutionParameters', async () => {
    const client = athena('222222222222');
    const input = {
      QueryString: 'SELECT id FROM inventory WHERE id = ? AND owner = ?',
      ExecutionParameters: ['2', "'222222222222'"],
      QueryExecutionContext: { Database: 'inventory' },
      ResultConfiguration: { OutputLocation: OUTPUT },
      ClientRequestToken: 'token-0000000000000000000000000000001',
    };
    const first = await client.send(new StartQueryExecutionCommand(input));
    const again = await client.send(new StartQueryExecutionCommand(input));
    expect(again.QueryExecutionId).toBe(first.QueryExecutionId);
    await expect(
      client.send(new StartQueryExecutionCommand({ ...input, ExecutionParameters: ['1', "'x'"] })),
    ).rejects.toMatchObject({ name: 'InvalidRequestException' });
  });
});
