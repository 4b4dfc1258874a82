import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type RunningEmulator, startEmulator } from '@athena-fanout/emulator';
import type { AppendMode, PipelineConfig, SinkConfig } from '../../src/config/index.js';
import { partitionsToDrop } from '../../src/datasets/index.js';
import { type UnitValue, writeOutputs } from '../../src/run/index.js';
import { spillBatches } from '../../src/sinks/index.js';
import { batchOf, int64Col, openDuckDB, query, tempDir, utf8Col } from '../helpers/arrow-fixtures.js';
import { smallScenario } from '../helpers/small-org.js';

const A = '111111111111';
const B = '222222222222';
const silent = pino({ level: 'silent' });
let dir: string;
let cleanup: () => Promise<void>;
let spills = 0;

async function unit(accountId: string, ids: bigint[]): Promise<UnitValue> {
  const batch = batchOf({ account_id: utf8Col(ids.map(() => accountId)), id: int64Col(ids) });
  const data = await spillBatches(join(dir, `spill-${spills++}.arrows`), batch.schema, [batch]);
  return {
    record: {
      accountId,
      query: 'ev',
      state: 'succeeded',
      attempts: 1,
      queryExecutionIds: [],
      rows: ids.length,
    },
    data,
  };
}

function config(path: string, append: AppendMode, sink: Partial<SinkConfig> = {}): PipelineConfig {
  return {
    queries: [{ name: 'ev', schema: 'union', provenance: [{ field: 'account_id', name: 'account_id' }] }],
    sinks: [
      {
        type: 'parquet',
        path,
        compression: 'zstd',
        ifExists: 'overwrite',
        layout: 'partitioned',
        append,
        ...sink,
      },
    ],
    region: 'us-east-1',
  } as unknown as PipelineConfig;
}

/** Every file under `root`, relative, sorted. */
async function files(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)))
    .sort();
}

const day = (d: number) => new Date(Date.UTC(2026, 11, d, 12));

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(() => cleanup());

describe('partitionsToDrop', () => {
  it('keeps the newest `retention` with the current one always among them; none without retention', () => {
    const present = ['run_date=2026-12-01', 'run_date=2026-12-02', 'run_date=2026-12-03'];
    expect(partitionsToDrop(present, 'run_date=2026-12-04', 2)).toEqual([
      'run_date=2026-12-01',
      'run_date=2026-12-02',
    ]);
    expect(partitionsToDrop(present, 'run_date=2026-12-03', 2)).toEqual(['run_date=2026-12-01']);
    expect(partitionsToDrop(present, 'run_date=2026-12-01', 1)).toEqual([
      'run_date=2026-12-02',
      'run_date=2026-12-03',
    ]);
    expect(partitionsToDrop(present, 'run_date=2026-12-04', undefined)).toEqual([]);
  });
});

describe('mode: append on a local dataset', () => {
  it('adds a partition per run day, keeps `retention`, and the dataset reads as every kept run', async () => {
    const lake = join(dir, 'lake');
    const cfg = config(lake, { partitionBy: 'runDate', retention: 2 });
    await writeOutputs(cfg, 'r1', [await unit(A, [1n]), await unit(B, [2n])], silent, { started: day(1) });
    await writeOutputs(cfg, 'r2', [await unit(A, [3n])], silent, { started: day(2) });
    // A second run the same day joins its day's partition; nothing of r2 is replaced.
    await writeOutputs(cfg, 'r2b', [await unit(B, [4n])], silent, { started: day(2) });
    expect(await files(join(lake, 'query=ev'))).toEqual([
      '_SUCCESS',
      `run_date=2026-12-01/account_id=${A}/part-r1-0000.parquet`,
      `run_date=2026-12-01/account_id=${B}/part-r1-0000.parquet`,
      `run_date=2026-12-02/account_id=${A}/part-r2-0000.parquet`,
      `run_date=2026-12-02/account_id=${B}/part-r2b-0000.parquet`,
    ]);
    const { outputs } = await writeOutputs(cfg, 'r3', [await unit(A, [5n])], silent, { started: day(3) });
    expect(outputs).toEqual([expect.objectContaining({ state: 'written', rows: 1 })]);
    // Day 1 is gone, directories included; day 2 and day 3 remain.
    expect(await files(join(lake, 'query=ev'))).toEqual([
      '_SUCCESS',
      `run_date=2026-12-02/account_id=${A}/part-r2-0000.parquet`,
      `run_date=2026-12-02/account_id=${B}/part-r2b-0000.parquet`,
      `run_date=2026-12-03/account_id=${A}/part-r3-0000.parquet`,
    ]);
    const duck = await openDuckDB();
    try {
      const rows = await query(
        duck.conn,
        `SELECT run_date::VARCHAR AS run_date, account_id::VARCHAR AS account_id, id FROM read_parquet('${lake}/query=ev/*/*/*.parquet', hive_partitioning = true) ORDER BY id`,
      );
      expect(rows).toEqual([
        { run_date: '2026-12-02', account_id: A, id: 3n },
        { run_date: '2026-12-02', account_id: B, id: 4n },
        { run_date: '2026-12-03', account_id: A, id: 5n },
      ]);
    } finally {
      duck.close();
    }
    const success = JSON.parse(await readFile(join(lake, 'query=ev', '_SUCCESS'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(success).toMatchObject({
      mode: 'append',
      runId: 'r3',
      partition: 'run_date=2026-12-03',
      partitions: ['run_date=2026-12-02', 'run_date=2026-12-03'],
      rows: 1,
    });
  });

  it('a re-run of the same run id replaces its own parts only (a resumed run adds nothing twice)', async () => {
    const lake = join(dir, 'lake');
    const cfg = config(lake, { partitionBy: 'runId' });
    await writeOutputs(cfg, 'r1', [await unit(A, [1n]), await unit(B, [2n])], silent, { started: day(1) });
    await writeOutputs(cfg, 'r2', [await unit(A, [3n]), await unit(B, [4n])], silent, { started: day(2) });
    await writeOutputs(cfg, 'r2', [await unit(A, [3n])], silent, { started: day(2) });
    expect(await files(join(lake, 'query=ev'))).toEqual([
      '_SUCCESS',
      `run_id=r1/account_id=${A}/part-r1-0000.parquet`,
      `run_id=r1/account_id=${B}/part-r1-0000.parquet`,
      `run_id=r2/account_id=${A}/part-r2-0000.parquet`,
    ]);
  });

  it('ifExists: error fails only a re-run of the same run id', async () => {
    const lake = join(dir, 'lake');
    const cfg = config(lake, { partitionBy: 'runDate' }, { ifExists: 'error' });
    await writeOutputs(cfg, 'r1', [await unit(A, [1n])], silent, { started: day(1) });
    const second = await writeOutputs(cfg, 'r2', [await unit(A, [2n])], silent, { started: day(1) });
    expect(second.outputs).toEqual([expect.objectContaining({ state: 'written' })]);
    const again = await writeOutputs(cfg, 'r2', [await unit(A, [2n])], silent, { started: day(1) });
    expect(again.outputs).toEqual([expect.objectContaining({ state: 'failed' })]);
  });
});

describe('mode: append on S3 (emulator, real SDK)', () => {
  let emu: RunningEmulator;
  let s3: S3Client;
  beforeAll(async () => {
    emu = await startEmulator({ scenario: smallScenario() });
    s3 = new S3Client({
      endpoint: emu.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: emu.baseCredentials,
    });
  });
  afterAll(async () => {
    s3.destroy();
    await emu.close();
  });
  beforeEach(() => {
    vi.stubEnv('AWS_ENDPOINT_URL', emu.endpoint);
    vi.stubEnv('AWS_ACCESS_KEY_ID', emu.baseCredentials.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', emu.baseCredentials.secretAccessKey);
    vi.stubEnv('AWS_SESSION_TOKEN', undefined);
    vi.stubEnv('AWS_PROFILE', undefined);
  });
  afterEach(() => vi.unstubAllEnvs());

  it('keeps `retention` partitions, deleting the old one only after the new parts are uploaded', async () => {
    const cfg = config('s3://lake-bucket/lake/', { partitionBy: 'runId', retention: 2 });
    for (const [i, runId] of ['20261201T000000Z-aaaaaa', '20261202T000000Z-bbbbbb'].entries()) {
      await writeOutputs(cfg, runId, [await unit(A, [BigInt(i)])], silent, { started: day(i + 1) });
    }
    const start = emu.record.calls.length;
    await writeOutputs(cfg, '20261203T000000Z-cccccc', [await unit(A, [9n])], silent, { started: day(3) });
    const out = await s3.send(new ListObjectsV2Command({ Bucket: 'lake-bucket', Prefix: 'lake/query=ev/' }));
    expect((out.Contents ?? []).map((c) => c.Key!.slice('lake/query=ev/'.length))).toEqual([
      '_SUCCESS',
      `run_id=20261202T000000Z-bbbbbb/account_id=${A}/part-20261202T000000Z-bbbbbb-0000.parquet`,
      `run_id=20261203T000000Z-cccccc/account_id=${A}/part-20261203T000000Z-cccccc-0000.parquet`,
    ]);
    const calls = emu.record.calls.slice(start).filter((c) => c.service === 's3');
    const put = calls.findIndex((c) => c.action === 'PutObject' && String(c.params.Key).includes('cccccc/'));
    const del = calls.findIndex(
      (c) => c.action.startsWith('DeleteObject') && JSON.stringify(c.params).includes('aaaaaa'),
    );
    const success = calls.findLastIndex(
      (c) => c.action === 'PutObject' && String(c.params.Key).endsWith('_SUCCESS'),
    );
    expect(put).toBeGreaterThanOrEqual(0);
    expect(del).toBeGreaterThan(put);
    expect(success).toBeGreaterThan(del);
  });
});
