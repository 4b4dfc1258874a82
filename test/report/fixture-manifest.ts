import type { Manifest, UnitRecord } from '../../src/manifest.js';

const T0 = Date.parse('2026-01-05T02:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

/** A unit that ran every phase: waited 1 s, queued 0.5 s, ran 2 s, waited 0.25 s to be read, read 1 s. */
export function fullUnit(accountId: string, over: Partial<UnitRecord> = {}): UnitRecord {
  return {
    accountId,
    accountName: `acct-${accountId.slice(-2)}`,
    region: 'eu-west-1',
    ouPath: 'Root/Prod',
    query: 'inventory',
    state: 'succeeded',
    attempts: 1,
    queryExecutionIds: ['e-1'],
    rows: 10,
    dataScannedInBytes: 20 * 1024 * 1024,
    queryQueueTimeInMillis: 500,
    totalExecutionTimeInMillis: 2500,
    estimatedCostUSD: 0.0001,
    startedAt: at(0),
    submittedAt: at(1000),
    completedAt: at(3500),
    readStartedAt: at(3750),
    endedAt: at(4750),
    ...over,
  };
}

export function fixtureManifest(units: UnitRecord[], over: Partial<Manifest> = {}): Manifest {
  const succeeded = units.filter((u) => u.state === 'succeeded').length;
  return {
    manifestVersion: 1,
    runId: '20260105T020000Z-abcdef',
    status: succeeded === units.length ? 'succeeded' : 'partial',
    exitCode: succeeded === units.length ? 0 : 1,
    interrupted: false,
    startedAt: at(0),
    endedAt: at(6000),
    durationMs: 6000,
    region: 'eu-west-1',
    accounts: { discovered: units.length, selected: units.length, skipped: [] },
    units,
    outputs: [],
    totals: {
      units: units.length,
      succeeded,
      failed: units.length - succeeded,
      cancelled: 0,
      rows: units.reduce((s, u) => s + u.rows, 0),
      dataScannedInBytes: units.reduce((s, u) => s + (u.dataScannedInBytes ?? 0), 0),
      estimatedCostUSD: units.reduce((s, u) => s + (u.estimatedCostUSD ?? 0), 0),
    },
    warnings: [],
    ...over,
  };
}
