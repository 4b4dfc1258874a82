import type { AlertStatus } from '../config/index.js';
import type { Manifest, OutputState, RunStatus, UnitState } from '../manifest.js';

/** Failed units listed in a summary; the rest are counted in `failedOmitted`. */
export const MAX_LISTED_FAILURES = 50;

export interface FailedUnitSummary {
  accountId: string;
  accountName?: string;
  region?: string;
  query: string;
  state: UnitState;
  /** AWS's own code and words, when AWS refused or failed it. */
  awsCode?: string;
  awsMessage?: string;
  message?: string;
}

export interface OutputSummary {
  query: string;
  type: string;
  path: string;
  state: OutputState;
  rows: number;
  bytes: number;
  error?: string;
}

/** What an alert says about a run: the manifest, cut down to what someone paged at night needs. */
export interface AlertSummary {
  source: 'athena-fanout';
  runId: string;
  status: RunStatus;
  /** The status `on:` is matched against: an interrupted run alerts as failed. */
  alertStatus: AlertStatus;
  exitCode: number;
  interrupted: boolean;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  region: string;
  manifest: string;
  counts: {
    units: number;
    succeeded: number;
    failed: number;
    cancelled: number;
    timedOut: number;
    rows: number;
    dataScannedInBytes: number;
    accountsSelected: number;
    accountsSkipped: number;
  };
  estimatedCostUSD?: number;
  failed: FailedUnitSummary[];
  /** Failed units not listed (the list is capped, and cut further to fit an SNS message). */
  failedOmitted: number;
  outputs: OutputSummary[];
  outputsOmitted: number;
  /** What stopped the run before its units, if anything did. */
  error?: string;
  shards?: Manifest['shards'];
}

export function alertStatusOf(status: RunStatus): AlertStatus {
  return status === 'interrupted' ? 'failed' : status;
}

function failedUnits(manifest: Manifest): FailedUnitSummary[] {
  return manifest.units
    .filter((u) => u.state !== 'succeeded')
    .map((u) => ({
      accountId: u.accountId,
      ...(u.accountName === undefined ? {} : { accountName: u.accountName }),
      ...(u.region === undefined ? {} : { region: u.region }),
      query: u.query,
      state: u.state,
      ...(u.error?.awsCode === undefined ? {} : { awsCode: u.error.awsCode }),
      ...(u.error?.awsMessage === undefined ? {} : { awsMessage: u.error.awsMessage }),
      ...(u.error?.message === undefined ? {} : { message: u.error.message }),
    }));
}

/** The summary of a finished manifest (written at `manifestPath`). */
export function buildSummary(manifest: Manifest, manifestPath: string): AlertSummary {
  const failed = failedUnits(manifest);
  const listed = failed.slice(0, MAX_LISTED_FAILURES);
  const t = manifest.totals;
  return {
    source: 'athena-fanout',
    runId: manifest.runId,
    status: manifest.status,
    alertStatus: alertStatusOf(manifest.status),
    exitCode: manifest.exitCode,
    interrupted: manifest.interrupted,
    startedAt: manifest.startedAt,
    endedAt: manifest.endedAt,
    durationMs: manifest.durationMs,
    region: manifest.region,
    manifest: manifestPath,
    counts: {
      units: t.units,
      succeeded: t.succeeded,
      failed: t.failed,
      cancelled: t.cancelled,
      timedOut: t.timedOut ?? 0,
      rows: t.rows,
      dataScannedInBytes: t.dataScannedInBytes,
      accountsSelected: manifest.accounts.selected,
      accountsSkipped: manifest.accounts.skipped.length,
    },
    ...(t.estimatedCostUSD === undefined ? {} : { estimatedCostUSD: t.estimatedCostUSD }),
    failed: listed,
    failedOmitted: failed.length - listed.length,
    outputs: manifest.outputs.map((o) => ({
      query: o.query,
      type: o.type,
      path: o.path,
      state: o.state ?? 'written',
      rows: o.rows,
      bytes: o.bytes,
      ...(o.error ? { error: o.error.message } : {}),
    })),
    outputsOmitted: 0,
    ...(manifest.error ? { error: manifest.error.message } : {}),
    ...(manifest.shards ? { shards: manifest.shards } : {}),
  };
}

/**
 * `summary` cut until its JSON is at most `maxBytes`: the failed units (then the outputs) halved,
 * each cut counted, so the message says how many are missing. Undefined if even the bare summary is too long.
 */
export function fitSummary(summary: AlertSummary, maxBytes: number): AlertSummary | undefined {
  let s = summary;
  const size = (x: AlertSummary) => Buffer.byteLength(JSON.stringify(x));
  while (size(s) > maxBytes) {
    if (s.failed.length > 0) {
      const keep = Math.floor(s.failed.length / 2);
      s = { ...s, failed: s.failed.slice(0, keep), failedOmitted: s.failedOmitted + s.failed.length - keep };
    } else if (s.outputs.length > 0) {
      const keep = Math.floor(s.outputs.length / 2);
      s = {
        ...s,
        outputs: s.outputs.slice(0, keep),
        outputsOmitted: s.outputsOmitted + s.outputs.length - keep,
      };
    } else {
      return undefined;
    }
  }
  return s;
}

const slackEscape = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function seconds(ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 60_000)} min`;
}

/** Slack-compatible `text` (mrkdwn): the status line, the counts, the failed units, the outputs. */
export function slackText(s: AlertSummary): string {
  const c = s.counts;
  const cost = s.estimatedCostUSD === undefined ? '' : ` · est. $${s.estimatedCostUSD.toFixed(4)}`;
  const lines = [
    `*athena-fanout run ${s.runId}: ${s.status.toUpperCase()}* (exit ${s.exitCode})`,
    `${c.succeeded}/${c.units} units succeeded, ${c.failed} failed, ${c.cancelled} cancelled, ${c.timedOut} timed out · ${c.rows} rows${cost} · ${seconds(s.durationMs)}`,
  ];
  if (s.error) lines.push(`Run error: ${s.error}`);
  if (s.failed.length > 0) lines.push('Failed:');
  for (const f of s.failed) {
    const who = f.accountName ? `${f.accountId} (${f.accountName})` : f.accountId;
    const why = f.awsCode ? `${f.awsCode}: ${f.awsMessage ?? ''}` : (f.message ?? f.state);
    lines.push(`• ${who} ${f.region ?? ''} ${f.query}: ${why}`.replace(/ {2,}/g, ' '));
  }
  if (s.failedOmitted > 0) lines.push(`… and ${s.failedOmitted} more failed units (see the manifest)`);
  for (const o of s.outputs) lines.push(`Output ${o.query} → ${o.path}: ${o.state}, ${o.rows} rows`);
  lines.push(`Manifest: ${s.manifest}`);
  return slackEscape(lines.join('\n'));
}
