import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  DurationEstimator,
  expectedDelay,
  observedDuration,
  pollDelay,
  staggeredFirstDelay,
  StatusPoller,
} from '../../../src/extract/index.js';
import { fakeAthena } from '../fake-athena.js';

/**
 * Executions that each take a fixed (virtual) time from their `wait`; every status call is recorded
 * with the virtual time it was made. Each account (poller) gets its own fake client, as in a run.
 */
function fleet() {
  const startedAt = new Map<string, number>();
  const takes = new Map<string, number>();
  const checks = new Map<string, number[]>();
  const calls: { action: string; ids: string[] }[] = [];
  const describe = (id: string) => {
    const t0 = startedAt.get(id)!;
    const end = t0 + takes.get(id)!;
    (checks.get(id) ?? checks.set(id, []).get(id)!).push(Date.now());
    const done = Date.now() >= end;
    return {
      QueryExecutionId: id,
      Status: {
        State: done ? 'SUCCEEDED' : 'RUNNING',
        SubmissionDateTime: t0 / 1000,
        ...(done ? { CompletionDateTime: end / 1000 } : {}),
      },
    };
  };
  const client = () =>
    fakeAthena((action, input) => {
      if (action === 'GetQueryExecution') {
        const id = input.QueryExecutionId as string;
        calls.push({ action, ids: [id] });
        return { body: { QueryExecution: describe(id) } };
      }
      const ids = input.QueryExecutionIds as string[];
      calls.push({ action, ids });
      return { body: { QueryExecutions: ids.map(describe), UnprocessedQueryExecutionIds: [] } };
    }).client;
  /** Starts `id` (taking `ms`) now and waits for it; resolves with the virtual time it was seen done. */
  const run = (poller: StatusPoller, id: string, ms: number, key = 'q', sentAt?: number) => {
    startedAt.set(id, sentAt ?? Date.now());
    takes.set(id, ms);
    return poller
      .wait(id, undefined, { key, ...(sentAt === undefined ? {} : { startedAt: sentAt }) })
      .then(() => checks.get(id)!.at(-1)! - startedAt.get(id)!);
  };
  return { client, run, checks, calls };
}

beforeAll(async () => {
  // The SDK loads parts of itself on its first call; with real time, so virtual time does not run on.
  const f = fleet();
  await f.run(new StatusPoller(f.client(), { firstDelayMs: 0, factor: 1, maxDelayMs: 0 }), 'warm-up', 0);
});
beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('status check schedule', () => {
  // Every fleet starts at virtual time 0, so check times are times since the start.
  it('a lone 10-second query with nothing known: 0.8, 2.8, 7.8, 12.8 s, 4 calls', async () => {
    const f = fleet();
    const seen = f.run(new StatusPoller(f.client()), 'a', 10_000);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(await seen).toBe(12_800);
    expect(f.checks.get('a')).toEqual([800, 2800, 7800, 12_800]);
  });

  it('once a sibling finished, a 10-second query is checked once, just after its expected end', async () => {
    const f = fleet();
    const durations = new DurationEstimator();
    const first = f.run(new StatusPoller(f.client(), undefined, durations), 'a', 10_000);
    await vi.advanceTimersByTimeAsync(13_000);
    await first;
    expect(durations.expected('q')).toBe(10_000);
    const t0 = Date.now();
    const second = f.run(new StatusPoller(f.client(), undefined, durations), 'b', 10_000);
    await vi.advanceTimersByTimeAsync(20_000);
    const seenAfter = await second;
    expect(f.checks.get('b')).toHaveLength(1);
    expect(seenAfter).toBeGreaterThanOrEqual(10_000);
    expect(seenAfter).toBeLessThan(10_500);
    expect(f.checks.get('b')![0]! - t0).toBe(seenAfter);
  });

  it("counts from when Athena took the query, not from when the Start's answer was read", async () => {
    const f = fleet();
    const durations = new DurationEstimator();
    durations.observe('q', 10_000);
    vi.setSystemTime(500);
    // Submitted at 0, the answer read at 500: still checked once, 10.12 s after the submission.
    const seen = f.run(new StatusPoller(f.client(), undefined, durations), 'late', 10_000, 'q', 0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await seen).toBe(10_120);
    expect(f.checks.get('late')).toEqual([10_120]);
  });

  it('20 siblings of 10 s started together (one per account): each ≤ 4 calls, all seen well before 12.8 s', async () => {
    const f = fleet();
    const durations = new DurationEstimator();
    const seen = Array.from({ length: 20 }, (_, i) =>
      f.run(new StatusPoller(f.client(), undefined, durations), `q${i}`, 10_000),
    );
    await vi.advanceTimersByTimeAsync(20_000);
    const times = await Promise.all(seen);
    for (const list of f.checks.values()) expect(list.length).toBeLessThanOrEqual(4);
    expect(Math.max(...times)).toBeLessThan(10_600);
    // The first of them alone would have kept the default schedule.
    expect(f.checks.get('q0')!.slice(0, 3)).toEqual([800, 2800, 7800]);
  });

  it('100 siblings of 1 s: staggered first checks find the end, the others are pulled in to it', async () => {
    const f = fleet();
    const durations = new DurationEstimator();
    const seen = Array.from({ length: 100 }, (_, i) =>
      f.run(new StatusPoller(f.client(), undefined, durations), `q${i}`, 1000),
    );
    await vi.advanceTimersByTimeAsync(5000);
    const times = await Promise.all(seen);
    // Without siblings' help the first wave would be seen at 2.8 s.
    expect(Math.max(...times)).toBeLessThan(1200);
    for (const list of f.checks.values()) expect(list.length).toBeLessThanOrEqual(2);
    // The next wave is aimed at the learned duration: one call each.
    const next = Array.from({ length: 100 }, (_, i) =>
      f.run(new StatusPoller(f.client(), undefined, durations), `n${i}`, 1000),
    );
    await vi.advanceTimersByTimeAsync(5000);
    expect(Math.max(...(await Promise.all(next)))).toBeLessThan(1100);
    for (let i = 0; i < 100; i++) expect(f.checks.get(`n${i}`)).toHaveLength(1);
  });

  it('a sibling seen finishing late still brings forward a query already checked past its duration', async () => {
    const f = fleet();
    const durations = new DurationEstimator();
    // x (first delay 0.8 s) takes 1 s but is seen finished only at 2.8 s; y (first delay 1.41 s) was
    // checked at 1.409 s, past that 1 s, and takes 3 s: it switches to fine steps at 2.8 s rather than
    // waiting for its next scheduled check at 4.9 s.
    const x = f.run(new StatusPoller(f.client(), undefined, durations), 'x', 1000);
    const y = f.run(new StatusPoller(f.client(), undefined, durations), 'y', 3000);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await x).toBe(2800);
    expect(f.checks.get('y')![0]).toBe(1409);
    expect(await y).toBeLessThan(3300);
  });

  it('a query far slower than its siblings: fine steps, then back to the growing schedule', async () => {
    const f = fleet();
    const durations = new DurationEstimator();
    durations.observe('q', 1000);
    const seen = f.run(new StatusPoller(f.client(), undefined, durations), 'slow', 30_000);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await seen).toBeLessThan(35_000);
    const at = f.checks.get('slow')!;
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(100);
    expect(Math.max(...gaps)).toBe(5000);
    // Cold, 30 s costs 8 checks (0.8, 2.8, 7.8 … 32.8); the misled expectation adds at most 4.
    expect(at.length).toBeLessThanOrEqual(12);
  });

  it('other queries (keys) learn nothing from each other', async () => {
    const f = fleet();
    const durations = new DurationEstimator();
    durations.observe('fast', 200);
    const seen = f.run(new StatusPoller(f.client(), undefined, durations), 'x', 10_000, 'other');
    await vi.advanceTimersByTimeAsync(20_000);
    await seen;
    expect(f.checks.get('x')).toEqual([800, 2800, 7800, 12_800]);
  });

  it('heavy load in one account: due checks still go in one BatchGetQueryExecution of ≤ 50 ids', async () => {
    const f = fleet();
    const durations = new DurationEstimator();
    durations.observe('q', 2700);
    const poller = new StatusPoller(f.client(), undefined, durations);
    const seen = Array.from({ length: 60 }, (_, i) => f.run(poller, `q${i}`, 2700));
    await vi.advanceTimersByTimeAsync(10_000);
    await Promise.all(seen);
    expect(f.calls.map((c) => [c.action, c.ids.length])).toEqual([
      ['BatchGetQueryExecution', 50],
      ['BatchGetQueryExecution', 10],
    ]);
    expect(poller.calls).toBe(2);
  });
});

describe('schedule pieces', () => {
  it('staggered first delays: the first is the default, all within one growth step, each ≤ 3 checks before 10 s', () => {
    const firsts = Array.from({ length: 50 }, (_, n) => staggeredFirstDelay(n));
    expect(firsts[0]).toBe(800);
    expect(Math.min(...firsts)).toBeGreaterThanOrEqual(800);
    expect(Math.max(...firsts)).toBeLessThan(2000);
    expect(new Set(firsts.map((d) => Math.round(d / 50))).size).toBeGreaterThan(15);
    for (const f of firsts) {
      const s = { firstDelayMs: f, factor: 2.5, maxDelayMs: 5000 };
      let t = 0;
      let before10s = 0;
      for (let n = 0; t < 10_000; n++) {
        t += pollDelay(n, s);
        if (t < 10_000) before10s++;
      }
      expect(before10s).toBeLessThanOrEqual(3);
    }
  });

  it('expected delay: one check at the expected end (never silent over 30 s), then growing steps', () => {
    expect(expectedDelay(10_000, 0, 0)).toBe(10_120);
    expect(expectedDelay(120_000, 0, 0)).toBe(30_000);
    expect(expectedDelay(120_000, 100_000, 0)).toBe(21_220);
    expect([0, 1, 2, 3].map((k) => expectedDelay(1000, 1050, k))).toEqual([100, 250, 625, 1562.5]);
    expect(expectedDelay(1000, 9000, 6)).toBe(5000);
  });

  it('the estimator: lower quartile of recent durations; failures and reused results teach nothing', () => {
    const d = new DurationEstimator();
    expect(d.expected('q')).toBeUndefined();
    for (const ms of [4000, 1000, 3000, 2000]) d.observe('q', ms);
    expect(d.expected('q')).toBe(1000);
    for (let i = 0; i < 64; i++) d.observe('q', 5000);
    expect(d.expected('q')).toBe(5000);
    const at = (s: number) => new Date(s * 1000);
    const ok = {
      Status: { State: 'SUCCEEDED' as const, SubmissionDateTime: at(10), CompletionDateTime: at(12.5) },
    };
    expect(observedDuration(ok)).toBe(2500);
    expect(observedDuration({ ...ok, Status: { ...ok.Status, State: 'FAILED' as const } })).toBeUndefined();
    expect(
      observedDuration({ ...ok, Statistics: { ResultReuseInformation: { ReusedPreviousResult: true } } }),
    ).toBeUndefined();
    expect(
      observedDuration({
        Status: { State: 'SUCCEEDED' as const },
        Statistics: { TotalExecutionTimeInMillis: 900 },
      }),
    ).toBe(900);
  });
});
