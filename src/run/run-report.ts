import { EXIT, type GroupTotals, type Manifest, type RunStatus, type UnitRecord } from '../manifest.js';

/** Everything of a manifest but what follows from its units. */
export type ManifestDraft = Omit<
  Manifest,
  'status' | 'exitCode' | 'totals' | 'endedAt' | 'durationMs' | 'byAccount' | 'byQuery'
>;

const MiB = 1024 ** 2;
const TiB = 1024 ** 4;
/** Athena bills each query at least 10 MB, rounded up to whole megabytes. */
const MIN_BILLED_BYTES = 10 * MiB;
export const DEFAULT_PRICE_PER_TB = 5;

/**
 * Athena's price of one unit's query: scanned bytes rounded up to a megabyte, at least 10 MB, at
 * `pricePerTB`. Reused results (Athena's, or an earlier attempt's execution a resumed run reads again)
 * and FAILED queries are not billed; a stopped query is billed for what it scanned before it stopped.
 */
export function estimateCostUSD(
  u: Pick<UnitRecord, 'state' | 'dataScannedInBytes' | 'reused' | 'resumed'>,
  pricePerTB = DEFAULT_PRICE_PER_TB,
): number {
  const bytes = u.dataScannedInBytes ?? 0;
  // A resumed unit that reused an earlier attempt's execution: that attempt's query was the one billed.
  if (u.reused || u.resumed === 'reused' || u.state === 'failed' || (u.state !== 'succeeded' && bytes === 0))
    return 0;
  const billed = Math.max(MIN_BILLED_BYTES, Math.ceil(bytes / MiB) * MiB);
  return round((billed / TiB) * pricePerTB);
}

const round = (usd: number) => Math.round(usd * 1e10) / 1e10;

function groupTotals(units: UnitRecord[], key: (u: UnitRecord) => string): Record<string, GroupTotals> {
  const out: Record<string, GroupTotals> = {};
  for (const u of units) {
    const g = (out[key(u)] ??= {
      units: 0,
      succeeded: 0,
      rows: 0,
      dataScannedInBytes: 0,
      estimatedCostUSD: 0,
    });
    g.units++;
    if (u.state === 'succeeded') g.succeeded++;
    g.rows += u.rows;
    g.dataScannedInBytes += u.dataScannedInBytes ?? 0;
    g.estimatedCostUSD = round(g.estimatedCostUSD + (u.estimatedCostUSD ?? 0));
  }
  return out;
}

/**
 * Derives totals, status and exit code from the units (and the outputs: one that failed makes the run
 * partial), so they can never disagree with them.
 */
export function finishManifest(draft: ManifestDraft, endedAt: Date, signal?: 'SIGINT' | 'SIGTERM'): Manifest {
  const count = (state: UnitRecord['state']) => draft.units.filter((u) => u.state === state).length;
  const succeeded = count('succeeded');
  const failed = count('failed');
  const cancelled = count('cancelled');
  const timedOut = count('timed_out');
  const totals = {
    units: draft.units.length,
    succeeded,
    failed,
    cancelled,
    rows: draft.units.reduce((n, u) => n + u.rows, 0),
    dataScannedInBytes: draft.units.reduce((n, u) => n + (u.dataScannedInBytes ?? 0), 0),
    timedOut,
    estimatedCostUSD: round(draft.units.reduce((n, u) => n + (u.estimatedCostUSD ?? 0), 0)),
  };
  let status: RunStatus;
  let exitCode: number;
  if (signal) {
    status = 'interrupted';
    exitCode = signal === 'SIGINT' ? EXIT.sigint : EXIT.sigterm;
  } else if (succeeded === 0) {
    status = 'failed';
    exitCode = EXIT.nothing;
  } else if (
    failed + cancelled + timedOut > 0 ||
    draft.error ||
    draft.outputs.some((o) => o.state === 'failed' || o.registered?.state === 'failed')
  ) {
    status = 'partial';
    exitCode = EXIT.partial;
  } else {
    status = 'succeeded';
    exitCode = EXIT.ok;
  }
  return {
    ...draft,
    interrupted: signal !== undefined,
    status,
    exitCode,
    totals,
    byAccount: groupTotals(draft.units, (u) => u.accountId),
    byQuery: groupTotals(draft.units, (u) => u.query),
    endedAt: endedAt.toISOString(),
    durationMs: endedAt.getTime() - Date.parse(draft.startedAt),
  };
}

const STATUS_TEXT: Record<RunStatus, string> = {
  succeeded: 'Run succeeded: every account answered every query.',
  partial:
    'Run partially succeeded: outputs hold the rows of the accounts that answered; the failures (and any output marked FAILED) are below.',
  failed: 'Run failed: no query succeeded in any account.',
  interrupted: 'Run interrupted: queries in flight were stopped; outputs hold only what completed.',
};

/** The human summary printed at the end of `run`. */
export function summarize(m: Manifest, manifestPath: string): string {
  const lines: string[] = [STATUS_TEXT[m.status], ''];
  const queried = new Set(m.units.map((u) => u.accountId)).size;
  lines.push(
    `Accounts: ${m.accounts.discovered} found, ${queried} queried, ${m.accounts.skipped.length} skipped`,
    `Queries:  ${m.totals.succeeded} succeeded, ${m.totals.failed} failed` +
      (m.totals.cancelled ? `, ${m.totals.cancelled} cancelled` : '') +
      (m.totals.timedOut ? `, ${m.totals.timedOut} timed out` : '') +
      ` (of ${m.totals.units})`,
    `Rows:     ${m.totals.rows}`,
    `Scanned:  ${formatBytes(m.totals.dataScannedInBytes)}` +
      (m.totals.estimatedCostUSD === undefined ? '' : ` (about ${formatUSD(m.totals.estimatedCostUSD)})`),
    `Time:     ${(m.durationMs / 1000).toFixed(1)} s`,
  );
  const reused = m.units.filter((u) => u.resumed === 'reused').length;
  const attached = m.units.filter((u) => u.resumed === 'attached').length;
  if (reused + attached > 0) {
    lines.push(
      `Resumed:  ${reused} earlier execution(s) reused, ${attached} still running followed to the end`,
    );
  }
  if (m.accounts.skipped.length > 0) {
    lines.push('', 'Skipped accounts:');
    for (const s of m.accounts.skipped) {
      lines.push(`  ${s.accountId}${s.accountName ? ` (${s.accountName})` : ''}: ${s.reason}`);
    }
  }
  if (m.error) lines.push('', `Run error: ${m.error.message}`);
  const failures = m.units.filter((u) => u.state === 'failed' || u.state === 'timed_out');
  if (failures.length > 0) {
    lines.push('', 'Failures:');
    for (const u of failures) {
      const who = `${u.accountId}${u.accountName ? ` (${u.accountName})` : ''}`;
      lines.push(`  ${who}, query ${u.query}: ${u.error?.message ?? 'failed'}`);
    }
  }
  if (m.outputs.length > 0) {
    lines.push('', 'Outputs:');
    for (const o of m.outputs) {
      lines.push(
        o.state === 'failed'
          ? `  ${o.path} (${o.type}, FAILED: ${o.error?.message ?? 'not written'})`
          : `  ${o.path} (${o.type}, ${o.rows} rows, ${formatBytes(o.bytes)})`,
      );
      const reg = o.registered;
      if (reg) {
        lines.push(
          reg.state === 'failed'
            ? `    Glue table ${reg.database}.${reg.table} NOT registered: ${reg.error ?? 'failed'}`
            : `    Glue table ${reg.database}.${reg.table} ${reg.state}`,
        );
      }
    }
  }
  lines.push(`  ${manifestPath} (manifest)`);
  for (const w of m.warnings) lines.push(`Warning: ${w}`);
  return lines.join('\n');
}

export function formatUSD(usd: number): string {
  return usd < 0.01 && usd > 0 ? `$${usd.toFixed(6)}` : `$${usd.toFixed(2)}`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}
