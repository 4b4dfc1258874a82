import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Account } from '../../src/accounts/index.js';
import type { PipelineConfig, QueryConfig } from '../../src/config/index.js';
import type { UnitWatermark } from '../../src/datasets/index.js';
import { planUnits, unitWindow, unitWindows, windowKey } from '../../src/plan/index.js';
import { tempDir } from '../helpers/arrow-fixtures.js';

const INC = { column: 'ts', initial: '2026-01-01T00:00:00.000Z' };
const RUN = { until: new Date('2026-12-03T10:00:00.000Z'), runId: 'run-3', fullRefresh: false };

function watermark(until: string, runId: string, since = '2026-01-01T00:00:00.000Z'): UnitWatermark {
  return { accountId: '111111111111', region: 'eu-west-1', since, until, runId, updatedAt: until };
}

describe('unitWindow', () => {
  it('no state: from initial to the run cut-off', () => {
    expect(unitWindow(INC, undefined, RUN)).toEqual({
      since: '2026-01-01T00:00:00.000Z',
      until: '2026-12-03T10:00:00.000Z',
      from: 'initial',
    });
  });
  it("a state: from the last successful run's until (its watermark) to this run's", () => {
    expect(unitWindow(INC, watermark('2026-12-02T10:00:00.000Z', 'run-2'), RUN)).toEqual({
      since: '2026-12-02T10:00:00.000Z',
      until: '2026-12-03T10:00:00.000Z',
      from: 'state',
    });
  });
  it('the same run id (a resumed run): the window it already read, not an empty one and not the next', () => {
    const w = watermark('2026-12-03T10:00:00.000Z', 'run-3', '2026-12-02T10:00:00.000Z');
    expect(unitWindow(INC, w, RUN)).toEqual({
      since: '2026-12-02T10:00:00.000Z',
      until: '2026-12-03T10:00:00.000Z',
      from: 'resumed',
    });
  });
  it('--full-refresh: from initial whatever the state says', () => {
    expect(
      unitWindow(INC, watermark('2026-12-02T10:00:00.000Z', 'run-2'), { ...RUN, fullRefresh: true }),
    ).toEqual({
      since: '2026-01-01T00:00:00.000Z',
      until: '2026-12-03T10:00:00.000Z',
      from: 'full-refresh',
    });
  });
  it('a watermark ahead of the cut-off never moves back: an empty window at it', () => {
    expect(unitWindow(INC, watermark('2026-12-04T00:00:00.000Z', 'run-x'), RUN)).toEqual({
      since: '2026-12-04T00:00:00.000Z',
      until: '2026-12-04T00:00:00.000Z',
      from: 'state',
    });
  });
});

describe('unitWindows: per account, region and query, from the state file', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(() => cleanup());

  it('each unit its own watermark; units of other queries have none', async () => {
    const query = (name: string, incremental?: typeof INC) =>
      ({ name, regions: ['eu-west-1', 'us-east-1'], ...(incremental ? { incremental } : {}) }) as QueryConfig;
    const config = {
      region: 'eu-west-1',
      queries: [query('events', INC), query('plain')],
      overrides: [],
      sinks: [{ type: 'parquet', path: join(dir, '{query}.parquet'), layout: 'merged' }],
    } as unknown as PipelineConfig;
    const accounts = ['111111111111', '222222222222'].map((id): Account => ({ id, state: 'ACTIVE' }));
    await mkdir(join(dir, '_state'));
    await writeFile(
      join(dir, '_state', 'events.json'),
      JSON.stringify({
        version: 1,
        query: 'events',
        column: 'ts',
        units: { '111111111111/eu-west-1': watermark('2026-12-02T10:00:00.000Z', 'run-2') },
      }),
    );
    const windows = await unitWindows(config, planUnits(config, accounts), {
      ...RUN,
      s3: () => {
        throw new Error('no S3 here');
      },
    });
    expect(windows.size).toBe(4);
    expect(windows.get(windowKey('events', '111111111111', 'eu-west-1'))!.since).toBe(
      '2026-12-02T10:00:00.000Z',
    );
    for (const [a, r] of [
      ['111111111111', 'us-east-1'],
      ['222222222222', 'eu-west-1'],
      ['222222222222', 'us-east-1'],
    ] as const) {
      expect(windows.get(windowKey('events', a, r))).toMatchObject({ since: INC.initial, from: 'initial' });
    }
    expect(windows.has(windowKey('plain', '111111111111', 'eu-west-1'))).toBe(false);
  });
});
