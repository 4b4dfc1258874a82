import { describe, expect, it } from 'vitest';
import { timelineData, unitPhases } from '../../src/report/unit-timeline.js';
import { fixtureManifest, fullUnit } from './fixture-manifest.js';

const T0 = Date.parse('2026-01-05T02:00:00.000Z');

describe('unit timeline', () => {
  it('splits a unit into its phases, Athena’s queue time splitting queued from running', () => {
    expect(unitPhases(fullUnit('200000000001'), T0)).toEqual([
      ['waiting', 0, 1000],
      ['queued', 1000, 1500],
      ['running', 1500, 3500],
      ['readWait', 3500, 3750],
      ['reading', 3750, 4750],
    ]);
  });

  it('draws the phase a unit failed in as failed', () => {
    const u = fullUnit('200000000001', {
      state: 'failed',
      readStartedAt: undefined,
      endedAt: '2026-01-05T02:00:03.500Z',
    });
    expect(unitPhases(u, T0)).toEqual([
      ['waiting', 0, 1000],
      ['queued', 1000, 1500],
      ['failed', 1500, 3500],
    ]);
  });

  it('shows a unit from a manifest without phase stamps as one bar, red when it failed', () => {
    const old = { submittedAt: undefined, completedAt: undefined, readStartedAt: undefined };
    expect(unitPhases(fullUnit('200000000001', old), T0)).toEqual([['other', 0, 4750]]);
    expect(unitPhases(fullUnit('200000000001', { ...old, state: 'failed' }), T0)).toEqual([
      ['failed', 0, 4750],
    ]);
    expect(unitPhases(fullUnit('200000000001', { startedAt: undefined }), T0)).toEqual([]);
  });

  it('keeps the failed and the longest units when there are too many rows, sorted by account', () => {
    const units = [
      fullUnit('200000000003'),
      fullUnit('200000000001', { state: 'failed' }),
      fullUnit('200000000002', { endedAt: '2026-01-05T02:00:09.000Z' }),
      fullUnit('200000000004', { startedAt: undefined }),
    ];
    const t = timelineData(fixtureManifest(units), 2);
    expect(t.rows).toEqual(['acct-01 (200000000001) · inventory', 'acct-02 (200000000002) · inventory']);
    expect(t.states).toEqual(['failed', 'succeeded']);
    expect(t).toMatchObject({ units: 2, accounts: 2, omitted: 2, spanMs: 9000 });
    expect(t.phases.find((p) => p.key === 'failed')?.bars).toEqual([[0, 3750, 4750]]);
  });
});
