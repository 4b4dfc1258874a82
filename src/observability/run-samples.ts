import type { Manifest } from '../manifest.js';
import { estimatedCostUsd } from './estimated-cost.js';
import type { Sample } from './prometheus-text.js';

/** What the transport counted during the run (see auth-chain's httpStats). */
export interface TransportCounts {
  requests: number;
  throttled: number;
}

const gauge = (name: string, help: string, value: number): Sample => ({
  name,
  help,
  type: 'gauge',
  values: [{ value }],
});

/** The series of one run: run counts carried over from `previous`, then the last run's gauges. */
export function runSamples(
  manifest: Manifest,
  transport: TransportCounts,
  previous: Map<string, number>,
): Sample[] {
  const runs = new Map(previous);
  runs.set(manifest.status, (runs.get(manifest.status) ?? 0) + 1);
  // Every state is written, 0 included, so that a series does not vanish after a clean run.
  const states = new Map<string, number>();
  for (const s of ['succeeded', 'failed', 'cancelled']) states.set(s, 0);
  for (const u of manifest.units) states.set(u.state, (states.get(u.state) ?? 0) + 1);
  const retries = manifest.units.reduce((n, u) => n + Math.max(0, u.attempts - 1), 0);
  return [
    {
      name: 'runs_total',
      help: 'Runs finished, by status.',
      type: 'counter',
      values: [...runs].sort().map(([status, value]) => ({ labels: { status }, value })),
    },
    gauge(
      'last_run_timestamp_seconds',
      'When the last run ended (Unix time).',
      Date.parse(manifest.endedAt) / 1000,
    ),
    gauge(
      'last_run_success',
      '1 when every unit of the last run succeeded.',
      manifest.status === 'succeeded' ? 1 : 0,
    ),
    gauge('last_run_exit_code', 'Exit code of the last run.', manifest.exitCode),
    gauge('last_run_duration_seconds', 'Wall time of the last run.', manifest.durationMs / 1000),
    {
      name: 'last_run_units',
      help: 'Units (account x query) of the last run, by state.',
      type: 'gauge',
      values: [...states].map(([state, value]) => ({ labels: { state }, value })),
    },
    gauge(
      'last_run_accounts_skipped',
      'Accounts skipped by the last run (state, include/exclude).',
      manifest.accounts.skipped.length,
    ),
    gauge('last_run_rows', 'Rows extracted by the last run.', manifest.totals.rows),
    gauge(
      'last_run_data_scanned_bytes',
      'Bytes Athena scanned in the last run.',
      manifest.totals.dataScannedInBytes,
    ),
    gauge(
      'last_run_estimated_cost_usd',
      'Estimated Athena cost of the last run.',
      estimatedCostUsd(manifest),
    ),
    gauge('last_run_unit_retries', 'Unit attempts beyond the first in the last run.', retries),
    gauge(
      'last_run_aws_requests',
      'HTTP requests to AWS in the last run (SDK retries included).',
      transport.requests,
    ),
    gauge(
      'last_run_aws_throttles',
      'AWS responses in the last run that were throttling errors.',
      transport.throttled,
    ),
  ];
}
