import { readFile } from 'node:fs/promises';
import { request as httpRequest, type Agent } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Manifest } from '../manifest.js';

/** What the transport counted during the run (see auth-chain's httpStats). */
export interface TransportCounts {
  requests: number;
  throttled: number;
}

// Athena bills scanned bytes per query, rounded up to 10 MB, at this price per TB unless the manifest says.
const DEFAULT_PRICE_PER_TB = 5;
const MIN_BILLED_BYTES = 10 * 1024 * 1024;

const PREFIX = 'athena_fanout';

interface Sample {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  values: { labels?: Record<string, string>; value: number }[];
}

/** Estimated Athena cost of the run in USD: the manifest's own figure when it has one. */
export function estimatedCostUsd(manifest: Manifest): number {
  const own = manifest.totals.estimatedCostUSD;
  if (typeof own === 'number') return own;
  let bytes = 0;
  for (const u of manifest.units) {
    if (u.dataScannedInBytes !== undefined) bytes += Math.max(u.dataScannedInBytes, MIN_BILLED_BYTES);
  }
  return (bytes / 1e12) * DEFAULT_PRICE_PER_TB;
}

/** Counters keep counting across runs: the textfile collector only sees the last file. */
export function previousRunCounts(text: string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  if (!text) return out;
  for (const m of text.matchAll(new RegExp(`^${PREFIX}_runs_total\\{([^}]*)\\} (\\d+)$`, 'gm'))) {
    const status = /(?:^|,)status="(\w+)"/.exec(m[1]!)?.[1];
    if (status) out.set(status, Number(m[2]));
  }
  return out;
}

/**
 * The run as Prometheus text exposition format (for node_exporter's textfile collector or a Pushgateway).
 * `common` labels go on every series: a shard's `shard="I/N"` keeps its series apart from the other
 * shards' and from the run-level series `merge` writes.
 */
export function renderMetrics(
  manifest: Manifest,
  transport: TransportCounts,
  previous: Map<string, number> = new Map(),
  common: Record<string, string> = {},
): string {
  const runs = new Map(previous);
  runs.set(manifest.status, (runs.get(manifest.status) ?? 0) + 1);
  const states = new Map<string, number>();
  for (const s of ['succeeded', 'failed', 'cancelled']) states.set(s, 0);
  for (const u of manifest.units) states.set(u.state, (states.get(u.state) ?? 0) + 1);
  const retries = manifest.units.reduce((n, u) => n + Math.max(0, u.attempts - 1), 0);
  const samples: Sample[] = [
    {
      name: 'runs_total',
      help: 'Runs finished, by status.',
      type: 'counter',
      values: [...runs].sort().map(([status, value]) => ({ labels: { status }, value })),
    },
    {
      name: 'last_run_timestamp_seconds',
      help: 'When the last run ended (Unix time).',
      type: 'gauge',
      values: [{ value: Date.parse(manifest.endedAt) / 1000 }],
    },
    {
      name: 'last_run_success',
      help: '1 when every unit of the last run succeeded.',
      type: 'gauge',
      values: [{ value: manifest.status === 'succeeded' ? 1 : 0 }],
    },
    {
      name: 'last_run_exit_code',
      help: 'Exit code of the last run.',
      type: 'gauge',
      values: [{ value: manifest.exitCode }],
    },
    {
      name: 'last_run_duration_seconds',
      help: 'Wall time of the last run.',
      type: 'gauge',
      values: [{ value: manifest.durationMs / 1000 }],
    },
    {
      name: 'last_run_units',
      help: 'Units (account x query) of the last run, by state.',
      type: 'gauge',
      values: [...states].map(([state, value]) => ({ labels: { state }, value })),
    },
    {
      name: 'last_run_accounts_skipped',
      help: 'Accounts skipped by the last run (state, include/exclude).',
      type: 'gauge',
      values: [{ value: manifest.accounts.skipped.length }],
    },
    {
      name: 'last_run_rows',
      help: 'Rows extracted by the last run.',
      type: 'gauge',
      values: [{ value: manifest.totals.rows }],
    },
    {
      name: 'last_run_data_scanned_bytes',
      help: 'Bytes Athena scanned in the last run.',
      type: 'gauge',
      values: [{ value: manifest.totals.dataScannedInBytes }],
    },
    {
      name: 'last_run_estimated_cost_usd',
      help: 'Estimated Athena cost of the last run.',
      type: 'gauge',
      values: [{ value: estimatedCostUsd(manifest) }],
    },
    {
      name: 'last_run_unit_retries',
      help: 'Unit attempts beyond the first in the last run.',
      type: 'gauge',
      values: [{ value: retries }],
    },
    {
      name: 'last_run_aws_requests',
      help: 'HTTP requests to AWS in the last run (SDK retries included).',
      type: 'gauge',
      values: [{ value: transport.requests }],
    },
    {
      name: 'last_run_aws_throttles',
      help: 'AWS responses in the last run that were throttling errors.',
      type: 'gauge',
      values: [{ value: transport.throttled }],
    },
  ];
  let text = '';
  for (const s of samples) {
    const name = `${PREFIX}_${s.name}`;
    text += `# HELP ${name} ${s.help}\n# TYPE ${name} ${s.type}\n`;
    for (const v of s.values) {
      text += `${name}${labels({ ...common, ...v.labels })} ${formatNumber(v.value)}\n`;
    }
  }
  return text;
}

function labels(l: Record<string, string>): string {
  if (Object.keys(l).length === 0) return '';
  const parts = Object.entries(l).map(
    ([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`,
  );
  return `{${parts.join(',')}}`;
}

function formatNumber(n: number): string {
  return Number.isFinite(n) ? String(n) : 'NaN';
}

export async function readPreviousMetrics(file: string): Promise<Map<string, number>> {
  try {
    return previousRunCounts(await readFile(file, 'utf8'));
  } catch {
    return new Map();
  }
}

/**
 * PUT to a Pushgateway's job group, replacing the previous push of this job (and instance, and shard,
 * when set: each shard of a run has its own group, so shards never replace each other's push).
 * `agents` carry the proxy and CA settings of the AWS calls (fetch would ignore them). Errors are
 * returned, not thrown: a monitoring outage must not fail the extraction.
 */
export async function pushMetrics(
  url: string,
  text: string,
  opts: { job: string; instance?: string; shard?: string; agents?: { http: Agent; https: Agent } },
): Promise<string | undefined> {
  const group = (key: string, value: string | undefined) =>
    value ? `/${key}/${encodeURIComponent(value)}` : '';
  const target = `${url.replace(/\/+$/, '')}/metrics/job/${encodeURIComponent(opts.job)}${group(
    'instance',
    opts.instance,
  )}${group('shard', opts.shard)}`;
  const secure = target.startsWith('https:');
  const send = secure ? httpsRequest : httpRequest;
  const agent = secure ? opts.agents?.https : opts.agents?.http;
  return new Promise((resolve) => {
    const req = send(
      target,
      {
        method: 'PUT',
        headers: { 'content-type': 'text/plain; version=0.0.4', 'content-length': Buffer.byteLength(text) },
        timeout: 10_000,
        ...(agent ? { agent } : {}),
      },
      (res) => {
        res.resume();
        const code = res.statusCode ?? 0;
        resolve(
          code >= 200 && code < 300
            ? undefined
            : `Pushgateway ${target} answered ${code} ${res.statusMessage ?? ''}`.trim(),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out after 10 s')));
    req.on('error', (err) => {
      resolve(`Pushgateway ${target} unreachable: ${err.message}`);
    });
    req.end(text);
  });
}
