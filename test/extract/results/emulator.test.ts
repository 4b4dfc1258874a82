import { AthenaClient } from '@aws-sdk/client-athena';
import { type DataType, TimeUnit, Type } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '@athena-fanout/emulator';
import { FanoutError } from '../../../src/errors.js';
import { executeQuery, readQueryResults } from '../../../src/extract/index.js';

const ACCOUNT = '111111111111';
let emu: RunningEmulator;
let athena: AthenaClient;

beforeAll(async () => {
  emu = await startEmulator({ scenario: 'emulator/scenarios/demo.yaml' });
  athena = new AthenaClient({
    endpoint: emu.endpoint,
    region: 'us-east-1',
    credentials: emu.baseCredentials,
  });
});

afterAll(async () => {
  athena.destroy();
  await emu.close();
});

const poll = { initialDelayMs: 20, maxDelayMs: 100, factor: 2 };

describe('extract against the local emulator (real SDK over HTTP)', () => {
  it('runs a query and reads 2,500 exactly typed rows over several pages', async () => {
    const sql = `SELECT
        i::BIGINT + 9007199254740993 AS big,
        CAST('-12345678901234567890123456789.123456789' AS DECIMAL(38,9)) AS amount,
        TIMESTAMP '1969-12-31 23:59:59.999' AS ts,
        DATE '1900-03-01' AS day,
        CASE WHEN i % 2 = 0 THEN '' END AS maybe_empty,
        1e20::DOUBLE AS dbl
      FROM range(2500) t(i) ORDER BY i`;
    const started: string[] = [];
    const q = await executeQuery(
      athena,
      { queryName: 'typed', sql, workgroup: 'primary' },
      { poll, onStarted: (id) => started.push(id) },
    );
    expect(started).toEqual([q.queryExecutionId]);
    expect(q.outputLocation).toBe(`s3://athena-results-${ACCOUNT}/primary/${q.queryExecutionId}.csv`);
    expect(q.stats.dataScannedInBytes).toBeGreaterThan(0);

    const res = await readQueryResults(athena, q.queryExecutionId, {
      batchRows: 1000,
      extraColumns: [{ name: 'account_id', value: ACCOUNT }],
      context: { accountId: ACCOUNT, queryName: 'typed' },
    });
    expect(res.rows).toBe(2500);
    expect(res.batches.map((b) => b.numRows)).toEqual([1000, 1000, 500]);
    expect(res.schema.fields.map((f) => [f.name, (f.type as DataType).typeId])).toEqual([
      ['account_id', Type.Utf8],
      ['big', Type.Int],
      ['amount', Type.Decimal],
      ['ts', Type.Timestamp],
      ['day', Type.Date],
      ['maybe_empty', Type.Utf8],
      ['dbl', Type.Float],
    ]);
    expect((res.schema.fields[3]!.type as { unit: TimeUnit }).unit).toBe(TimeUnit.MILLISECOND);

    const last = res.batches[2]!;
    expect(last.getChild('big')!.get(499)).toBe(9007199254740993n + 2499n);
    expect(res.batches[0]!.getChild('big')!.get(0)).toBe(9007199254740993n);
    const words = last.getChild('amount')!.data[0]!.values as Uint32Array;
    let unscaled = 0n;
    for (let k = 3; k >= 0; k--) unscaled = (unscaled << 32n) | BigInt(words[k]!);
    expect(BigInt.asIntN(128, unscaled)).toBe(-12345678901234567890123456789123456789n);
    expect(last.getChild('ts')!.get(0)).toBe(-1);
    expect(last.getChild('day')!.get(0)).toBe(Date.UTC(1900, 2, 1));
    expect([0, 1].map((i) => res.batches[0]!.getChild('maybe_empty')!.get(i) as unknown)).toEqual(['', null]);
    expect(last.getChild('dbl')!.get(0)).toBe(1e20);
    expect(last.getChild('account_id')!.get(499)).toBe(ACCOUNT);
  });

  it('reads the demo inventory table: awkward text, NULL vs "", int64 above 2^53', async () => {
    const q = await executeQuery(
      athena,
      {
        queryName: 'inventory',
        sql: 'SELECT * FROM inventory ORDER BY item',
        workgroup: 'primary',
        database: 'inventory',
      },
      { poll },
    );
    const res = await readQueryResults(athena, q.queryExecutionId);
    expect(res.rows).toBe(6); // 5 + (1 % 4) rows for account 111111111111
    const b = res.batches[0]!;
    expect(b.getChild('note')!.toJSON()).toEqual([
      'plain',
      'ünïcødé ✓ 東京 🚀',
      'comma, "double quotes"\nand a second line',
      '',
      null,
      'plain',
    ]);
    expect(b.getChild('big_id')!.get(1)).toBe(9007199254740993n + 1000n + 111n);
    expect(b.getChild('score')!.toJSON()).toEqual([1.5, 1e20, -0.125, 1.5, null, -0.125]);
    expect(b.getChild('active')!.toJSON()).toEqual([true, false, true, false, true, false]);
    expect(b.getChild('seen_at')!.get(2)).toBe(Date.UTC(2024, 5, 24, 11, 30, 51, 250));
  });

  it('reports a failing query with Athena’s reason', async () => {
    const err = await executeQuery(
      athena,
      { queryName: 'broken', sql: 'SELECT * FROM inventory.no_such_table', workgroup: 'primary' },
      { poll },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FanoutError);
    expect((err as FanoutError).context).toMatchObject({ stage: 'query', queryName: 'broken' });
    expect((err as FanoutError).context.awsMessage).toMatch(/no_such_table/);
    expect((err as FanoutError).retryable).toBe(false);
  });
});
