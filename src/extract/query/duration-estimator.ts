import type { QueryExecution } from '@aws-sdk/client-athena';

/** Durations kept per query: recent enough to follow a drift, enough for a stable quartile. */
const WINDOW = 64;

/** How long an execution took, from Athena's own timestamps; undefined if it teaches nothing. */
export function observedDuration(qe: QueryExecution): number | undefined {
  const s = qe.Status;
  // Failures end early and reused results at once: neither says how long the query runs.
  if (s?.State !== 'SUCCEEDED' || qe.Statistics?.ResultReuseInformation?.ReusedPreviousResult) return;
  const from = s.SubmissionDateTime?.getTime();
  const to = s.CompletionDateTime?.getTime();
  const ms = from !== undefined && to !== undefined ? to - from : qe.Statistics?.TotalExecutionTimeInMillis;
  return ms !== undefined && Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

/**
 * What executions of the same query (one key: the query's name, within one region) have taken so far
 * in this run. The same query runs in hundreds of accounts with similar durations, so their status
 * checks can aim at that duration instead of a schedule blind to it; and an execution seen finishing
 * tells its siblings still running (`watch`) at once.
 */
export class DurationEstimator {
  private readonly seen = new Map<string, number[]>();
  private readonly expectations = new Map<string, number>();
  private readonly coldStarts = new Map<string, number>();
  private readonly watchers = new Map<string, Set<(expectedMs: number) => void>>();

  /** The lower quartile of the durations seen: most siblings took at least this long. */
  expected(key: string): number | undefined {
    return this.expectations.get(key);
  }

  /** How many executions of `key` started while nothing was known (their index staggers them). */
  nextColdStart(key: string): number {
    const n = this.coldStarts.get(key) ?? 0;
    this.coldStarts.set(key, n + 1);
    return n;
  }

  observe(key: string, durationMs: number): void {
    let list = this.seen.get(key);
    if (!list) this.seen.set(key, (list = []));
    list.push(durationMs);
    if (list.length > WINDOW) list.shift();
    const sorted = [...list].sort((a, b) => a - b);
    const expected = sorted[Math.floor((sorted.length - 1) / 4)]!;
    this.expectations.set(key, expected);
    for (const w of [...(this.watchers.get(key) ?? [])]) w(expected);
  }

  /** Calls `onExpected` whenever an execution of `key` finishes; returns the unsubscribe. */
  watch(key: string, onExpected: (expectedMs: number) => void): () => void {
    let set = this.watchers.get(key);
    if (!set) this.watchers.set(key, (set = new Set()));
    set.add(onExpected);
    return () => {
      set.delete(onExpected);
      if (set.size === 0 && this.watchers.get(key) === set) this.watchers.delete(key);
    };
  }
}
