import { describe, expect, it } from 'vitest';
import type { Manifest, UnitRecord } from '../../src/manifest.js';
import {
  alertStatusOf,
  buildSummary,
  fitSummary,
  MAX_LISTED_FAILURES,
  slackText,
} from '../../src/notify/index.js';

const failedUnit = (i: number): UnitRecord => ({
  accountId: String(200000000000 + i),
  accountName: `acct-${i}`,
  region: 'eu-west-1',
  query: 'inventory',
  state: 'failed',
  attempts: 1,
  queryExecutionIds: [],
  rows: 0,
  error: {
    message: 'assume role failed',
    awsCode: 'AccessDenied',
    awsMessage: `User: x is not authorized <${i}>`,
  },
});

function manifest(failed: number, status: Manifest['status'] = 'partial'): Manifest {
  return {
    manifestVersion: 1,
    runId: 'r1',
    status,
    exitCode: 1,
    interrupted: status === 'interrupted',
    startedAt: '2026-01-01T00:00:00.000Z',
    endedAt: '2026-01-01T00:00:02.000Z',
    durationMs: 2000,
    region: 'eu-west-1',
    accounts: { discovered: 3, selected: 2, skipped: [{ accountId: '1', reason: 'suspended' }] },
    units: [
      {
        accountId: '111111111111',
        query: 'inventory',
        state: 'succeeded',
        attempts: 1,
        queryExecutionIds: [],
        rows: 3,
      },
      ...Array.from({ length: failed }, (_, i) => failedUnit(i)),
    ],
    outputs: [{ query: 'inventory', type: 'parquet', path: '/out/inventory.parquet', rows: 3, bytes: 10 }],
    totals: {
      units: failed + 1,
      succeeded: 1,
      failed,
      cancelled: 0,
      rows: 3,
      dataScannedInBytes: 9,
      estimatedCostUSD: 0.0001,
    },
    warnings: [],
  };
}

describe('the alert summary', () => {
  it('carries status, counts, failed units with AWS words, cost, duration and outputs with state', () => {
    const s = buildSummary(manifest(1), '/out/manifest.json');
    expect(s).toMatchObject({
      status: 'partial',
      alertStatus: 'partial',
      exitCode: 1,
      durationMs: 2000,
      estimatedCostUSD: 0.0001,
      manifest: '/out/manifest.json',
      counts: { units: 2, succeeded: 1, failed: 1, accountsSelected: 2, accountsSkipped: 1, timedOut: 0 },
      failedOmitted: 0,
      outputs: [{ query: 'inventory', state: 'written', rows: 3 }],
    });
    expect(s.failed).toEqual([
      {
        accountId: '200000000000',
        accountName: 'acct-0',
        region: 'eu-west-1',
        query: 'inventory',
        state: 'failed',
        awsCode: 'AccessDenied',
        awsMessage: 'User: x is not authorized <0>',
        message: 'assume role failed',
      },
    ]);
  });

  it('an interrupted run alerts as failed', () => {
    expect(alertStatusOf('interrupted')).toBe('failed');
    expect(buildSummary(manifest(0, 'interrupted'), 'm').alertStatus).toBe('failed');
  });

  it('lists at most MAX_LISTED_FAILURES failed units and counts the rest', () => {
    const s = buildSummary(manifest(MAX_LISTED_FAILURES + 7), 'm');
    expect(s.failed).toHaveLength(MAX_LISTED_FAILURES);
    expect(s.failedOmitted).toBe(7);
  });

  it('fitSummary halves the failed list until the JSON fits, counting what it cut', () => {
    const s = buildSummary(manifest(40), 'm');
    const full = Buffer.byteLength(JSON.stringify(s));
    const fitted = fitSummary(s, Math.floor(full / 2))!;
    expect(Buffer.byteLength(JSON.stringify(fitted))).toBeLessThanOrEqual(full / 2);
    expect(fitted.failed.length + fitted.failedOmitted).toBe(40);
    expect(fitted.failed.length).toBeGreaterThan(0);
    expect(fitSummary(s, 10)).toBeUndefined();
  });

  it('slack text names the status and each failed account in AWS words, escaped for Slack', () => {
    const text = slackText(buildSummary(manifest(1), 'm'));
    expect(text).toContain('*athena-fanout run r1: PARTIAL* (exit 1)');
    expect(text).toContain(
      '• 200000000000 (acct-0) eu-west-1 inventory: AccessDenied: User: x is not authorized &lt;0&gt;',
    );
  });
});
