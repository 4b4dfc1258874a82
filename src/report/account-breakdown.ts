import type { Manifest, UnitRecord } from '../manifest.js';

/** Cost, scanned bytes and time of one account, or of every account under one OU path. */
export interface GroupRow {
  key: string;
  /** The account's name; for an OU, how many accounts it holds. */
  label: string;
  ouPath?: string;
  accounts: number;
  units: number;
  failed: number;
  rows: number;
  dataScannedInBytes: number;
  estimatedCostUSD: number;
  /** First unit's start to last unit's end. */
  elapsedMs: number;
  /** Athena's own time (queued, planned, run), summed over the units. */
  athenaMs: number;
  queuedMs: number;
  /** The account's longest unit. */
  longest?: { query: string; ms: number };
}

/** What units without an OU path (listed accounts, old manifests) are grouped under. */
export const NO_OU = '(no OU path)';

function span(units: UnitRecord[]): number {
  const starts = units.map((u) => Date.parse(u.startedAt ?? '')).filter((t) => !Number.isNaN(t));
  const ends = units.map((u) => Date.parse(u.endedAt ?? '')).filter((t) => !Number.isNaN(t));
  return starts.length && ends.length ? Math.max(0, Math.max(...ends) - Math.min(...starts)) : 0;
}

function unitMs(u: UnitRecord): number {
  const ms = Date.parse(u.endedAt ?? '') - Date.parse(u.startedAt ?? '');
  return Number.isNaN(ms) ? 0 : ms;
}

function groupRow(key: string, label: string, units: UnitRecord[]): GroupRow {
  const longest = units.reduce<UnitRecord | undefined>(
    (a, u) => (a && unitMs(a) >= unitMs(u) ? a : u),
    undefined,
  );
  const sum = (f: (u: UnitRecord) => number | undefined) => units.reduce((s, u) => s + (f(u) ?? 0), 0);
  const ous = new Set(units.map((u) => u.ouPath ?? NO_OU));
  return {
    key,
    label,
    ...(ous.size === 1 ? { ouPath: [...ous][0]! } : {}),
    accounts: new Set(units.map((u) => u.accountId)).size,
    units: units.length,
    failed: units.filter((u) => u.state !== 'succeeded').length,
    rows: sum((u) => u.rows),
    dataScannedInBytes: sum((u) => u.dataScannedInBytes),
    estimatedCostUSD: sum((u) => u.estimatedCostUSD),
    elapsedMs: span(units),
    athenaMs: sum((u) => u.totalExecutionTimeInMillis),
    queuedMs: sum((u) => u.queryQueueTimeInMillis),
    ...(longest ? { longest: { query: longest.query, ms: unitMs(longest) } } : {}),
  };
}

function groupBy(units: UnitRecord[], key: (u: UnitRecord) => string): Map<string, UnitRecord[]> {
  const out = new Map<string, UnitRecord[]>();
  for (const u of units) {
    const k = key(u);
    out.set(k, [...(out.get(k) ?? []), u]);
  }
  return out;
}

const byCost = (a: GroupRow, b: GroupRow) =>
  b.estimatedCostUSD - a.estimatedCostUSD ||
  b.dataScannedInBytes - a.dataScannedInBytes ||
  a.key.localeCompare(b.key);

/** Per account, the most expensive first. */
export function byAccount(m: Manifest): GroupRow[] {
  return [...groupBy(m.units, (u) => u.accountId)]
    .map(([id, units]) => groupRow(id, units.find((u) => u.accountName)?.accountName ?? '', units))
    .sort(byCost);
}

/**
 * Per OU path, the most expensive first. An account counts under the OU that holds it directly; the
 * path names its parents, so `Root/Prod` and `Root/Prod/Web` are separate rows.
 */
export function byOu(m: Manifest): GroupRow[] {
  return [...groupBy(m.units, (u) => u.ouPath ?? NO_OU)]
    .map(([ou, units]) => {
      const row = groupRow(ou, '', units);
      return { ...row, label: `${row.accounts} account${row.accounts === 1 ? '' : 's'}` };
    })
    .sort(byCost);
}

/** The accounts that took longest from their first unit's start to their last unit's end. */
export function slowestAccounts(accounts: GroupRow[], count = 10): GroupRow[] {
  return [...accounts]
    .filter((a) => a.elapsedMs > 0)
    .sort((a, b) => b.elapsedMs - a.elapsedMs || a.key.localeCompare(b.key))
    .slice(0, count);
}
