import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PipelineConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';
import type { OutputRecord } from '../../src/manifest.js';
import { advanceWatermarks, refuseShardedIncremental } from '../../src/run/incremental-run.js';
import type { UnitValue } from '../../src/run/index.js';
import type { SpilledResult } from '../../src/sinks/index.js';
import { tempDir } from '../helpers/arrow-fixtures.js';

const silent = pino({ level: 'silent' });
const A = '111111111111';
const B = '222222222222';
const W1 = { since: '2026-01-01T00:00:00.000Z', until: '2026-12-01T00:00:00.000Z' };

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(() => cleanup());

function config(): PipelineConfig {
  return {
    region: 'eu-west-1',
    queries: [{ name: 'ev', incremental: { column: 'ts', initial: W1.since } }, { name: 'plain' }],
    sinks: [
      { type: 'parquet', path: join(dir, '{query}.parquet'), layout: 'merged' },
      { type: 'arrow', path: join(dir, '{query}.arrow'), layout: 'merged' },
    ],
  } as unknown as PipelineConfig;
}

function unit(accountId: string, ok: boolean): UnitValue {
  return {
    record: {
      accountId,
      region: 'eu-west-1',
      query: 'ev',
      state: ok ? 'succeeded' : 'failed',
      attempts: 1,
      queryExecutionIds: [],
      rows: 0,
      window: W1,
    },
    ...(ok ? { data: {} as SpilledResult } : {}),
  };
}

const output = (type: string, state: OutputRecord['state']): OutputRecord => ({
  query: 'ev',
  type,
  path: join(dir, `ev.${type}`),
  rows: 0,
  bytes: 0,
  state,
});

const readState = async () =>
  (JSON.parse(await readFile(join(dir, '_state', 'ev.json'), 'utf8')) as { units: Record<string, unknown> })
    .units;

describe('advanceWatermarks', () => {
  it('records the window of each unit that succeeded, once every sink wrote the query', async () => {
    const warnings = await advanceWatermarks(
      config(),
      [unit(A, true), unit(B, false)],
      [output('parquet', 'written'), output('arrow', 'written')],
      'run-1',
      silent,
    );
    expect(warnings).toEqual([]);
    const units = await readState();
    expect(Object.keys(units)).toEqual([`${A}/eu-west-1`]);
    expect(units[`${A}/eu-west-1`]).toMatchObject({
      ...W1,
      accountId: A,
      region: 'eu-west-1',
      runId: 'run-1',
    });
  });

  it('moves nothing while one output of the query failed or is missing, and says so', async () => {
    for (const outputs of [
      [output('parquet', 'written'), output('arrow', 'failed')],
      [output('parquet', 'written')],
    ]) {
      const warnings = await advanceWatermarks(config(), [unit(A, true)], outputs, 'run-1', silent);
      expect(warnings).toEqual([
        expect.stringMatching(/query ev: not every output was written, so no watermark moved/),
      ]);
      await expect(readFile(join(dir, '_state', 'ev.json'))).rejects.toThrow(/ENOENT/);
    }
  });

  it('keeps the watermarks of units this run did not advance', async () => {
    const outputs = [output('parquet', 'written'), output('arrow', 'written')];
    await advanceWatermarks(config(), [unit(A, true), unit(B, true)], outputs, 'run-1', silent);
    const later = { since: W1.until, until: '2026-12-02T00:00:00.000Z' };
    const a2 = unit(A, true);
    a2.record.window = later;
    await advanceWatermarks(config(), [a2, unit(B, false)], outputs, 'run-2', silent);
    const units = await readState();
    expect(units[`${A}/eu-west-1`]).toMatchObject({ ...later, runId: 'run-2' });
    expect(units[`${B}/eu-west-1`]).toMatchObject({ ...W1, runId: 'run-1' });
  });
});

describe('refuseShardedIncremental', () => {
  it('a sharded run refuses incremental queries and append sinks, naming them', () => {
    const c = config();
    expect(() => {
      refuseShardedIncremental(c, undefined);
    }).not.toThrow();
    expect(() => {
      refuseShardedIncremental(c, { index: 0, count: 2 });
    }).toThrow(ConfigError);
    expect(() => {
      refuseShardedIncremental(c, { index: 0, count: 2 });
    }).toThrow(/queries\.0\.incremental: incremental queries cannot run sharded/);
  });
});
