import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '@athena-fanout/emulator';
import type { SinkConfig } from '../../src/config/index.js';
import {
  readWatermarks,
  watermarkKey,
  watermarkLocation,
  type WatermarkState,
  writeWatermarks,
} from '../../src/datasets/index.js';
import { FanoutError } from '../../src/errors.js';
import { smallScenario } from '../helpers/small-org.js';
import { tempDir } from '../helpers/arrow-fixtures.js';

const sink = (path: string, layout: 'merged' | 'partitioned' = 'merged'): SinkConfig => ({
  type: 'parquet',
  path,
  compression: 'zstd',
  ifExists: 'overwrite',
  layout,
});

function state(units: number, until = '2026-12-01T00:00:00.000Z'): WatermarkState {
  const s: WatermarkState = { version: 1, query: 'q', column: 'ts', units: {} };
  for (let i = 0; i < units; i++) {
    const accountId = String(100000000000 + i);
    s.units[watermarkKey(accountId, 'eu-west-1')] = {
      accountId,
      region: 'eu-west-1',
      since: '2026-01-01T00:00:00.000Z',
      until,
      runId: `run-${until}`,
      updatedAt: until,
    };
  }
  return s;
}

describe('watermarkLocation: _state/<query>.json beside the first sink, where no run changes it', () => {
  it('merged files: their directory up to the first placeholder; partitioned: the dataset root', () => {
    expect(watermarkLocation([sink('/data/out/{query}.parquet')], 'q')).toBe('/data/out/_state/q.json');
    expect(watermarkLocation([sink('/data/out/{runDate}/{query}.parquet')], 'q')).toBe(
      '/data/out/_state/q.json',
    );
    expect(watermarkLocation([sink('/data/lake', 'partitioned')], 'q')).toBe('/data/lake/_state/q.json');
    expect(watermarkLocation([sink('s3://b/lake/{runId}/', 'partitioned')], 'q')).toBe(
      's3://b/lake/_state/q.json',
    );
    expect(watermarkLocation([sink('s3://b/x/{query}.parquet'), sink('/local/{query}.parquet')], 'q')).toBe(
      's3://b/x/_state/q.json',
    );
  });
});

describe('local state', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const noS3 = () => {
    throw new Error('no S3 for a local state');
  };
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(() => cleanup());

  it('none yet reads as empty; what is written reads back; nothing else is left in _state/', async () => {
    const at = join(dir, '_state', 'q.json');
    expect(await readWatermarks(at, 'q', 'ts', noS3)).toEqual({
      version: 1,
      query: 'q',
      column: 'ts',
      units: {},
    });
    await writeWatermarks(at, state(2), sink(join(dir, '{query}.parquet')), noS3);
    expect(await readWatermarks(at, 'q', 'ts', noS3)).toEqual(state(2));
    expect(await readdir(join(dir, '_state'))).toEqual(['q.json']);
  });

  it('an unreadable state is an error naming the file and --full-refresh, never an empty state', async () => {
    const at = join(dir, '_state', 'q.json');
    await mkdir(join(dir, '_state'));
    await writeFile(at, '{"version": 1, "units": {');
    await expect(readWatermarks(at, 'q', 'ts', noS3)).rejects.toThrow(FanoutError);
    await expect(readWatermarks(at, 'q', 'ts', noS3)).rejects.toThrow(
      /q\.json cannot be read \(not JSON\).*--full-refresh/,
    );
    await writeFile(at, '{"something": "else"}');
    await expect(readWatermarks(at, 'q', 'ts', noS3)).rejects.toThrow(/not an athena-fanout state/);
  });

  it('is replaced whole: a reader during many writes sees one complete state or another, never a mix', async () => {
    const at = join(dir, '_state', 'q.json');
    const big = (i: number) => state(2000, new Date(Date.UTC(2026, 0, 1 + i)).toISOString());
    await writeWatermarks(at, big(0), sink(join(dir, '{query}.parquet')), noS3);
    const writes = Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        writeWatermarks(at, big(i + 1), sink(join(dir, '{query}.parquet')), noS3),
      ),
    );
    const seen = new Set<string>();
    let reads = 0;
    const progress = { writing: true };
    void writes.finally(() => {
      progress.writing = false;
    });
    while (progress.writing || reads === 0) {
      const s = JSON.parse(await readFile(at, 'utf8')) as WatermarkState;
      const untils = new Set(Object.values(s.units).map((u) => u.until));
      expect(Object.keys(s.units)).toHaveLength(2000);
      expect(untils.size).toBe(1);
      seen.add([...untils][0]!);
      reads++;
    }
    await writes;
    expect(seen.size).toBeGreaterThan(0);
    expect(await readdir(join(dir, '_state'))).toEqual(['q.json']);
  });
});

describe('state on S3 (emulator, real SDK)', () => {
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

  it('none yet reads as empty; written in one PutObject with the sink encryption; reads back', async () => {
    const at = 's3://lake-bucket/lake/_state/q.json';
    expect((await readWatermarks(at, 'q', 'ts', () => s3)).units).toEqual({});
    const start = emu.record.calls.length;
    await writeWatermarks(
      at,
      state(3),
      { ...sink('s3://lake-bucket/lake/', 'partitioned'), sse: 'AES256' },
      () => s3,
    );
    const puts = emu.record.calls.slice(start).filter((c) => c.service === 's3');
    expect(puts.map((c) => c.action)).toEqual(['PutObject']);
    expect(emu.s3.encryption('lake-bucket', 'lake/_state/q.json')!.requested).toEqual({
      'x-amz-server-side-encryption': 'AES256',
    });
    expect(await readWatermarks(at, 'q', 'ts', () => s3)).toEqual(state(3));
  });
});
