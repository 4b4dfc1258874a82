import type { AthenaClient } from '@aws-sdk/client-athena';
import { S3Client } from '@aws-sdk/client-s3';
import { type DataType, type RecordBatch, Table, Type } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '@athena-fanout/emulator';
import { FanoutError } from '../../../src/errors.js';
import {
  CsvDecodePool,
  executeQuery,
  type ExecutedQuery,
  type FetchMode,
  openQueryResults,
  s3Obstacle,
} from '../../../src/extract/index.js';
import { startWithClients } from '../../helpers/emulator-clients.js';

const ACCOUNT = '111111111111';
let emu: RunningEmulator;
let athena: AthenaClient;
let s3: S3Client;
let close: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ emu, athena, s3, close } = await startWithClients('emulator/scenarios/demo.yaml'));
});

afterAll(() => close?.());

const poll = { initialDelayMs: 20, maxDelayMs: 100, factor: 2 };

const AWKWARD = `SELECT
    i::BIGINT + 9007199254740993 AS big,
    (i % 100)::TINYINT AS tiny,
    CAST(i AS DECIMAL(18,4)) / 7 AS amount,
    CAST('-12345678901234567890123456789.123456789' AS DECIMAL(38,9)) AS wide,
    TIMESTAMP '1969-12-31 23:59:59.999' + to_seconds(i) AS ts,
    DATE '1900-03-01' + i::INTEGER AS day,
    CASE i % 4 WHEN 0 THEN '' WHEN 1 THEN NULL WHEN 2 THEN 'a "quoted", comma' ELSE 'line1' || chr(10) || 'línea2 €😀' || chr(13) END AS txt,
    CASE WHEN i % 3 = 0 THEN NULL ELSE i * 1.5e20 END AS dbl,
    (i / 3)::FLOAT AS re,
    i % 2 = 0 AS flag,
    CASE WHEN i % 5 = 0 THEN NULL ELSE encode('hé' || i::VARCHAR) END AS bin,
    [i, i + 1] AS arr,
    MAP {'k': i} AS m,
    {'f': i, 'g': 'x'} AS r
  FROM range(3000) t(i) ORDER BY i`;

async function run(sql: string): Promise<ExecutedQuery> {
  return executeQuery(athena, { queryName: 'paths', sql, workgroup: 'primary' }, { poll });
}

async function read(
  executed: ExecutedQuery,
  fetch: FetchMode,
  client: S3Client = s3,
  stretchBytes?: number,
  csvPool?: CsvDecodePool,
  poolMinBytes?: number,
) {
  const fallbacks: string[] = [];
  const stream = await openQueryResults(athena, executed, {
    fetch,
    s3: client,
    extraColumns: [{ name: 'account_id', value: ACCOUNT }],
    context: { accountId: ACCOUNT, queryName: 'paths' },
    onFallback: (r) => fallbacks.push(r),
    ...(stretchBytes ? { stretchBytes } : {}),
    ...(csvPool ? { csvPool } : {}),
    ...(poolMinBytes === undefined ? {} : { poolMinBytes }),
  });
  const batches: RecordBatch[] = [];
  for await (const b of stream.batches) batches.push(b);
  return { stream, table: new Table(stream.schema, batches), batches, fallbacks };
}

function rows(table: Table): unknown[] {
  return table.toArray().map((r: { toJSON(): unknown }) => r.toJSON());
}

describe('fetch paths (api, s3, auto) against the emulator', () => {
  it('api and s3 give the same Arrow schema and the same values, row for row', async () => {
    const executed = await run(AWKWARD);
    const api = await read(executed, 'api');
    // Small stretches: many batches, records cut across S3 chunks and stretches.
    const viaS3 = await read(executed, 's3', s3, 4096);
    expect(api.stream.fetch).toBe('api');
    expect(viaS3.stream.fetch).toBe('s3');
    expect(viaS3.batches.length).toBeGreaterThan(10);
    expect(viaS3.table.schema.fields.map(String)).toEqual(api.table.schema.fields.map(String));
    expect(viaS3.table.schema.fields.map((f) => [...f.metadata])).toEqual(
      api.table.schema.fields.map((f) => [...f.metadata]),
    );
    expect(viaS3.table.numRows).toBe(3000);
    expect(rows(viaS3.table)).toEqual(rows(api.table));

    // The same through the run's decoding pool: pieces decoded on two workers, batches in order.
    let decoded = 0;
    const pool = new (class extends CsvDecodePool {
      override decode(...args: Parameters<CsvDecodePool['decode']>) {
        decoded++;
        return super.decode(...args);
      }
    })(2);
    try {
      const pooled = await read(executed, 's3', s3, 4096, pool, 0);
      expect(decoded).toBe(pooled.batches.length);
      expect(pooled.batches.length).toBeGreaterThan(10);
      expect(pooled.table.schema.fields.map(String)).toEqual(api.table.schema.fields.map(String));
      expect(rows(pooled.table)).toEqual(rows(api.table));
      // A file under the default 32 MiB stays on this thread: the pool is never used.
      decoded = 0;
      expect(rows((await read(executed, 's3', s3, 4096, pool)).table)).toEqual(rows(api.table));
      expect(decoded).toBe(0);
    } finally {
      await pool.close();
    }

    const t = viaS3.table;
    expect(t.getChild('big')!.get(2999)).toBe(9007199254740993n + 2999n);
    expect([0, 1, 2, 3].map((i) => t.getChild('txt')!.get(i) as unknown)).toEqual([
      '',
      null,
      'a "quoted", comma',
      'line1\nlínea2 €😀\r',
    ]);
    expect((t.schema.fields.find((f) => f.name === 'bin')!.type as DataType).typeId).toBe(Type.Binary);
    expect(t.getChild('bin')!.get(1)).toEqual(new Uint8Array(Buffer.from('hé1', 'utf8')));
    expect(t.getChild('arr')!.get(1)).toBe('[1, 2]');
  });

  it('auto reads a result longer than one GetQueryResults page from S3, with the values api gives', async () => {
    const executed = await run(AWKWARD);
    const auto = await read(executed, 'auto');
    expect(auto.stream.fetch).toBe('s3');
    expect(auto.fallbacks).toEqual([]);
    expect(rows(auto.table)).toEqual(rows((await read(executed, 'api')).table));
  });

  it('auto builds a result that fits the first page from it, without S3; s3 still reads S3', async () => {
    // The page's first row repeats the column labels: 999 data rows fill it.
    const executed = await run('SELECT i AS n FROM range(999) t(i) ORDER BY i');
    let asked = 0;
    const lazy = () => {
      asked++;
      return Promise.resolve(s3);
    };
    const stream = await openQueryResults(athena, executed, { fetch: 'auto', s3: lazy });
    const batches: RecordBatch[] = [];
    for await (const b of stream.batches) batches.push(b);
    expect(stream.fetch).toBe('api');
    expect(asked).toBe(0);
    const table = new Table(stream.schema, batches);
    expect(table.numRows).toBe(999);
    expect(table.getChild('n')!.get(998)).toBe(998n);

    const viaS3 = await openQueryResults(athena, executed, { fetch: 's3', s3: lazy });
    expect(viaS3.fetch).toBe('s3');
    expect(asked).toBe(1);
    const s3Batches: RecordBatch[] = [];
    for await (const b of viaS3.batches) s3Batches.push(b);
    expect(rows(new Table(viaS3.schema, s3Batches))).toEqual(rows(table));
  });

  it('auto falls back to GetQueryResults when the result file cannot be read; s3 fails', async () => {
    // Longer than one page, so that auto goes to S3.
    const executed = await run('SELECT 1 AS one FROM range(1001)');
    const denied = new S3Client({
      endpoint: emu.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKIANOBODY', secretAccessKey: 'nope' },
    });
    try {
      const auto = await read(executed, 'auto', denied);
      expect(auto.stream.fetch).toBe('api');
      expect(auto.fallbacks[0]).toMatch(/S3 result file not readable.*InvalidAccessKeyId/);
      expect(auto.table.numRows).toBe(1001);
      expect(rows(auto.table)[1000]).toEqual({ account_id: ACCOUNT, one: 1 });
      await expect(read(executed, 's3', denied)).rejects.toThrow(/InvalidAccessKeyId/);
    } finally {
      denied.destroy();
    }
  });

  it('auto does not try S3 for managed results or CSE_KMS; s3 then refuses', async () => {
    const managed = { queryExecutionId: 'x', stats: {} };
    expect(s3Obstacle(managed, s3)).toMatch(/managed query results/);
    const cse = { ...managed, outputLocation: 's3://b/x.csv', encryption: 'CSE_KMS' };
    expect(s3Obstacle(cse, s3)).toMatch(/CSE_KMS/);
    expect(s3Obstacle({ ...cse, encryption: 'SSE_KMS' }, s3)).toBeUndefined();
    await expect(openQueryResults(athena, managed, { fetch: 's3', s3 })).rejects.toThrow(
      /fetch: s3 is not possible.*managed/,
    );
  });

  it('a bad value read from S3 fails naming account, query, row and column, like the API path', async () => {
    const executed = await run('SELECT 1 AS one');
    // Corrupt the stored result file: row 1 of an integer column now holds text.
    const key = executed.outputLocation!.replace(`s3://athena-results-${ACCOUNT}/`, '');
    emu.s3.put(`athena-results-${ACCOUNT}`, key, Buffer.from('"one"\n"x1"\n'));
    const error = await read(executed, 's3').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FanoutError);
    expect((error as FanoutError).message).toBe(
      `Bad query result (account ${ACCOUNT}, query paths, row 1, column one): value "x1" is not a valid integer: not an integer`,
    );
  });
});
