import { glob, readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Manifest, RunStatus } from '../manifest.js';

/** One earlier (or this) run, as the trend chart shows it. */
export interface RunPoint {
  runId: string;
  startedAt: string;
  status: RunStatus;
  durationMs: number;
  units: number;
  succeeded: number;
  failed: number;
  rows: number;
  dataScannedInBytes: number;
  estimatedCostUSD: number;
}

/** The trend shows this many runs at most, the newest. */
export const MAX_HISTORY = 60;
/** Bigger files are no manifest a report can show quickly: skipped rather than read. */
const MAX_FILE_BYTES = 256 * 1024 * 1024;

export function runPoint(m: Manifest): RunPoint {
  const t = m.totals;
  return {
    runId: m.runId,
    startedAt: m.startedAt,
    status: m.status,
    durationMs: m.durationMs,
    units: t.units,
    succeeded: t.succeeded,
    failed: t.units - t.succeeded,
    rows: t.rows,
    dataScannedInBytes: t.dataScannedInBytes,
    estimatedCostUSD: t.estimatedCostUSD ?? m.units.reduce((s, u) => s + (u.estimatedCostUSD ?? 0), 0),
  };
}

/**
 * A manifest of manifestVersion 1; with `shards: false`, only a whole run's (a shard's covers part of
 * a run: its trend point would mislead).
 */
export function isRunManifest(value: unknown, { shards = false } = {}): value is Manifest {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Partial<Manifest>;
  return (
    m.manifestVersion === 1 &&
    typeof m.runId === 'string' &&
    typeof m.startedAt === 'string' &&
    typeof m.status === 'string' &&
    typeof m.durationMs === 'number' &&
    typeof m.totals === 'object' &&
    Array.isArray(m.units) &&
    (shards || m.shard === undefined)
  );
}

/** The files `--history` names: every `*.json` of a directory, or what a glob pattern matches. */
async function candidates(history: string): Promise<string[]> {
  const isDir = await stat(history).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (isDir) {
    const names = await readdir(history);
    return names.filter((n) => n.endsWith('.json')).map((n) => join(history, n));
  }
  const out: string[] = [];
  for await (const f of glob(history)) out.push(resolve(f));
  return out;
}

async function readManifest(file: string): Promise<Manifest | undefined> {
  try {
    const s = await stat(file);
    if (!s.isFile() || s.size > MAX_FILE_BYTES) return undefined;
    const value: unknown = JSON.parse(await readFile(file, 'utf8'));
    return isRunManifest(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The runs at hand for the trend, oldest first, this one included: the manifests in `history` (a
 * directory or a glob), else those beside this run's manifest. Files that are not whole-run manifests
 * are passed over; a run id seen twice counts once (this run's own manifest wins).
 */
export async function readRunHistory(
  current: Manifest,
  manifestPath: string,
  history?: string,
): Promise<{ runs: RunPoint[]; source: string }> {
  const source = history ?? dirname(resolve(manifestPath));
  const files = (await candidates(source)).filter((f) => resolve(f) !== resolve(manifestPath));
  const byRun = new Map<string, RunPoint>();
  for (const f of files) {
    const m = await readManifest(f);
    if (m && m.runId !== current.runId) {
      const prior = byRun.get(m.runId);
      if (!prior || prior.startedAt < m.startedAt) byRun.set(m.runId, runPoint(m));
    }
  }
  byRun.set(current.runId, runPoint(current));
  const runs = [...byRun.values()].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  return { runs: runs.slice(-MAX_HISTORY), source };
}
