import { pino } from 'pino';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { RunProgress, estimateCostUSD, finishManifest, type ManifestDraft } from '../../src/run/index.js';
import type { UnitRecord } from '../../src/manifest.js';

const MiB = 1024 ** 2;
const TiB = 1024 ** 4;

function unit(over: Partial<UnitRecord>): UnitRecord {
  return {
    accountId: '111111111111',
    query: 'q',
    state: 'succeeded',
    attempts: 1,
    queryExecutionIds: ['a'],
    rows: 1,
    ...over,
  };
}

describe('cost estimate', () => {
  it('bills scanned bytes rounded up to a MB, at least 10 MB, at pricePerTB; reused and FAILED are free', () => {
    expect(estimateCostUSD(unit({ dataScannedInBytes: 0 }))).toBeCloseTo((10 * MiB * 5) / TiB, 9);
    expect(estimateCostUSD(unit({ dataScannedInBytes: 1 }))).toBeCloseTo((10 * MiB * 5) / TiB, 9);
    expect(estimateCostUSD(unit({ dataScannedInBytes: 10 * MiB + 1 }))).toBeCloseTo((11 * MiB * 5) / TiB, 9);
    expect(estimateCostUSD(unit({ dataScannedInBytes: TiB }))).toBe(5);
    expect(estimateCostUSD(unit({ dataScannedInBytes: TiB }), 6.25)).toBe(6.25);
    expect(estimateCostUSD(unit({ dataScannedInBytes: TiB, reused: true }))).toBe(0);
    expect(estimateCostUSD(unit({ state: 'failed', dataScannedInBytes: TiB }))).toBe(0);
    // A stopped query is billed for what it scanned; one stopped before scanning, not at all.
    expect(estimateCostUSD(unit({ state: 'timed_out', dataScannedInBytes: 2 * TiB }))).toBe(10);
    expect(estimateCostUSD(unit({ state: 'cancelled', dataScannedInBytes: 0 }))).toBe(0);
  });

  it('run totals, per account and per query, agree with the units; timed_out makes the run partial', () => {
    const draft: ManifestDraft = {
      manifestVersion: 1,
      runId: 'r',
      interrupted: false,
      startedAt: '2026-01-01T00:00:00.000Z',
      region: 'eu-west-1',
      accounts: { discovered: 2, selected: 2, skipped: [] },
      units: [
        unit({ accountId: 'A', query: 'x', rows: 3, dataScannedInBytes: TiB, estimatedCostUSD: 5 }),
        unit({ accountId: 'A', query: 'y', rows: 0, state: 'timed_out', estimatedCostUSD: 1 }),
        unit({ accountId: 'B', query: 'x', rows: 2, dataScannedInBytes: 5, estimatedCostUSD: 0.25 }),
      ],
      outputs: [],
      warnings: [],
    };
    const m = finishManifest(draft, new Date('2026-01-01T00:00:02.000Z'));
    expect(m.status).toBe('partial');
    expect(m.totals).toMatchObject({ units: 3, succeeded: 2, timedOut: 1, rows: 5, estimatedCostUSD: 6.25 });
    expect(m.byAccount).toEqual({
      A: { units: 2, succeeded: 1, rows: 3, dataScannedInBytes: TiB, estimatedCostUSD: 6 },
      B: { units: 1, succeeded: 1, rows: 2, dataScannedInBytes: 5, estimatedCostUSD: 0.25 },
    });
    expect(m.byQuery!.x).toMatchObject({ units: 2, succeeded: 2, rows: 5, estimatedCostUSD: 5.25 });
  });
});

describe('progress', () => {
  function sink() {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        cb();
      },
    });
    return { lines, log: pino({ level: 'info' }, stream) };
  }

  it('without a terminal: one JSON line per finished unit, nothing for state changes', () => {
    const { lines, log } = sink();
    const p = new RunProgress({ units: 2, accounts: 1, log }, ['A', 'A']);
    p.unitStarted('A/eu-west-1/x');
    p.finished(unit({ accountId: 'A', query: 'x', rows: 7, estimatedCostUSD: 0.5 }), true);
    p.stop();
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      msg: 'unit done',
      account: 'A',
      query: 'x',
      state: 'succeeded',
      rows: 7,
    });
  });

  it('on a terminal: a live line with accounts, queued/running/done/failed, rows, bytes, cost', () => {
    const { lines, log } = sink();
    const written: string[] = [];
    const tty = { write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
    const p = new RunProgress({ units: 3, accounts: 2, log, tty, intervalMs: 1_000_000 }, ['A', 'A', 'B']);
    p.unitStarted('A/1');
    p.unitStarted('A/2');
    p.finished(unit({ accountId: 'A', rows: 7, dataScannedInBytes: 2048, estimatedCostUSD: 0.5 }), true);
    expect(p.line()).toMatch(
      /^accounts 0\/2 · queries 1 queued, 1 running, 1 done, 0 failed · 7 rows · 2\.0 KiB scanned · \$0\.50 · ETA /,
    );
    p.finished(unit({ accountId: 'A', state: 'failed', rows: 0 }), true);
    p.stop();
    expect(written.at(-1)).toMatch(/accounts 1\/2 · queries 1 queued, 0 running, 1 done, 1 failed/);
    expect(lines).toEqual([]); // per-unit lines go to debug on a terminal
  });
});
