import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  type QueryExecution,
} from '@aws-sdk/client-athena';
import { tableFromIPC } from 'apache-arrow';
import { readParquet } from 'parquet-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../index.js';
import { readerCredentials, smallScenario } from './fixture.js';

const ACCOUNT = '222222222222';
const OUTPUT = 's3://results-bucket/athena/';
let emu: RunningEmulator;
let athena: AthenaClient;

beforeAll(async () => {
  emu = await startEmulator({ scenario: smallScenario({ unloadPartRows: 2048 }) });
  athena = new AthenaClient({
    endpoint: emu.endpoint,
    region: 'us-east-1',
    credentials: readerCredentials(emu.endpoint, ACCOUNT),
  });
});
afterAll(async () => {
  athena.destroy();
  await emu.close();
});

async function run(sql: string): Promise<QueryExecution> {
  const { QueryExecutionId } = await athena.send(
    new StartQueryExecutionCommand({
      QueryString: sql,
      QueryExecutionContext: { Database: 'inventory' },
      ResultConfiguration: { OutputLocation: OUTPUT },
    }),
  );
  for (;;) {
    const { QueryExecution: qe } = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId }));
    if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(qe!.Status!.State!)) return qe!;
    await new Promise((r) => setTimeout(r, 5));
  }
}

const keysUnder = (bucket: string, prefix: string): string[] =>
  emu.s3.keys(bucket).filter((k) => k.startsWith(prefix));

describe('emulated UNLOAD', () => {
  it('writes Parquet parts under TO, a manifest listing them, and answers no rows but UpdateCount', async () => {
    const qe = await run(
      `UNLOAD (SELECT i::BIGINT AS i, 'r' || i::VARCHAR AS s FROM range(5000) t(i) ORDER BY i) TO 's3://unload-bucket/a/' WITH (format = 'PARQUET', compression = 'SNAPPY')`,
    );
    expect(qe.Status?.State).toBe('SUCCEEDED');
    expect(qe.StatementType).toBe('DML');
    const id = qe.QueryExecutionId!;
    expect(qe.Statistics?.DataManifestLocation).toBe(`${OUTPUT}${id}-manifest.csv`);
    expect(qe.Statistics?.DataScannedInBytes).toBeGreaterThan(0);
    const manifest = emu.s3.get('results-bucket', `athena/${id}-manifest.csv`)!.toString('utf8');
    const parts = manifest.split('\n').filter((l) => l !== '');
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.map((u) => u.replace('s3://unload-bucket/', ''))).toEqual(keysUnder('unload-bucket', 'a/'));
    expect(emu.s3.get('results-bucket', `athena/${id}.metadata`)).toBeDefined();
    let next = 0;
    for (const url of parts) {
      const bytes = emu.s3.get('unload-bucket', url.replace('s3://unload-bucket/', ''))!;
      const table = tableFromIPC(readParquet(bytes).intoIPCStream());
      for (const v of table.getChild('i')!) expect(v).toBe(BigInt(next++));
    }
    expect(next).toBe(5000);
    const res = await athena.send(new GetQueryResultsCommand({ QueryExecutionId: id }));
    expect(res.UpdateCount).toBe(5000);
    expect(res.ResultSet?.Rows).toEqual([]);
    expect(res.ResultSet?.ResultSetMetadata?.ColumnInfo).toEqual([]);
  });

  it('fails like Athena when the TO location is not empty, writing nothing', async () => {
    emu.s3.put('unload-bucket', 'taken/old-file', Buffer.from('x'));
    const qe = await run(`UNLOAD (SELECT 1 AS one) TO 's3://unload-bucket/taken' WITH (format = 'PARQUET')`);
    expect(qe.Status?.State).toBe('FAILED');
    expect(qe.Status?.StateChangeReason).toBe(
      `HIVE_PATH_ALREADY_EXISTS: Target directory for table 'inventory.${qe.QueryExecutionId!.replaceAll('-', '_')}' already exists: s3://unload-bucket/taken. You may need to manually clean the data at location 's3://unload-bucket/taken/' before retrying. Athena will not delete data in your account.`,
    );
    expect(keysUnder('unload-bucket', 'taken/')).toEqual(['taken/old-file']);
  });

  it('writes no part for an empty result, and refuses types the Hive writer cannot store', async () => {
    const empty = await run(
      `UNLOAD (SELECT 1 AS one WHERE false) TO 's3://unload-bucket/empty/' WITH (format = 'PARQUET')`,
    );
    expect(empty.Status?.State).toBe('SUCCEEDED');
    expect(keysUnder('unload-bucket', 'empty/')).toEqual([]);
    const manifest = emu.s3.get('results-bucket', `athena/${empty.QueryExecutionId!}-manifest.csv`);
    expect(manifest?.toString('utf8')).toBe('');

    const zoned = await run(
      `UNLOAD (SELECT TIMESTAMPTZ '2024-01-01 00:00:00+00' AS t) TO 's3://unload-bucket/tz/' WITH (format = 'PARQUET')`,
    );
    expect(zoned.Status?.StateChangeReason).toBe(
      'NOT_SUPPORTED: Unsupported Hive type: timestamp(3) with time zone',
    );
    const csv = await run(`UNLOAD (SELECT 1 AS one) TO 's3://unload-bucket/csv/' WITH (format = 'TEXTFILE')`);
    expect(csv.Status?.State).toBe('FAILED');
    expect(csv.Status?.StateChangeReason).toMatch(/PARQUET/);
  });
});
