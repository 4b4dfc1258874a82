import {
  type AthenaClient,
  BatchGetQueryExecutionCommand,
  GetQueryExecutionCommand,
  type QueryExecution,
} from '@aws-sdk/client-athena';
import { awsErrorInfo, FanoutError } from '../../errors.js';
import { DurationEstimator, observedDuration } from './duration-estimator.js';
import {
  DEFAULT_POLL_SCHEDULE,
  expectedDelay,
  MIN_STEP_MS,
  type PollSchedule,
  pollDelay,
  staggeredFirstDelay,
} from './poll-schedule.js';
import { BATCH_GET_MAX } from './query-executions.js';

// A check due this soon rides along with one being made now: one call instead of two.
const COALESCE_MS = 300;
// The SDK already retried each throttled call; throttling says nothing about the query, so keep waiting.
const MAX_THROTTLED_ROUNDS = 30;

const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));

const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

interface Waiter {
  /** Siblings: executions of the same query (its name), whose durations the estimator shares. */
  key: string;
  startedAt: number;
  due: number;
  lastCheckAt: number;
  checks: number;
  /** Checks made past the expected end (they step finely, then grow). */
  fineChecks: number;
  /** The growing schedule's first delay, staggered among cold siblings. */
  firstDelayMs: number;
  throttled: number;
  resolve(qe: QueryExecution): void;
  reject(err: unknown): void;
}

/**
 * Waits for queries of one account (one Athena client) to finish, asking for every query due at about
 * the same time in one call: GetQueryExecution for a single id, BatchGetQueryExecution (≤ 50 ids) for
 * several. When to check comes from what its siblings took (a `DurationEstimator`, shared across the
 * run's pollers): one check at the expected end, then fine steps growing back to the schedule's cap;
 * while nothing is known, the growing schedule, its first delay staggered among siblings, and the
 * first sibling seen finishing pulls the others' next check in to its duration.
 */
export class StatusPoller {
  private readonly waiters = new Map<string, Waiter>();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  /** Status API calls made (GetQueryExecution + BatchGetQueryExecution). */
  calls = 0;

  constructor(
    private readonly athena: AthenaClient,
    private readonly schedule: PollSchedule = DEFAULT_POLL_SCHEDULE,
    private readonly durations: DurationEstimator = new DurationEstimator(),
  ) {}

  /**
   * Resolves with the execution once it is SUCCEEDED, FAILED or CANCELLED; rejects on abort. `key`
   * names the query, so that executions of the same query learn from each other; `startedAt` is when
   * Athena took it (default: now), what its schedule counts from.
   */
  wait(
    id: string,
    signal?: AbortSignal,
    { key = '', startedAt }: { key?: string; startedAt?: number } = {},
  ): Promise<QueryExecution> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(asError(signal.reason));
        return;
      }
      const unwatch = this.durations.watch(key, (expectedMs) => {
        this.pullIn(id, expectedMs);
      });
      const onAbort = () => {
        unwatch();
        this.waiters.delete(id);
        reject(asError(signal!.reason));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => {
        unwatch();
        signal?.removeEventListener('abort', onAbort);
      };
      const now = Math.min(Date.now(), startedAt ?? Infinity);
      const expected = this.durations.expected(key);
      const firstDelayMs =
        expected === undefined
          ? staggeredFirstDelay(this.durations.nextColdStart(key), this.schedule)
          : this.schedule.firstDelayMs;
      this.waiters.set(id, {
        key,
        startedAt: now,
        due: now + (expected === undefined ? firstDelayMs : expectedDelay(expected, 0, 0, this.schedule)),
        lastCheckAt: now,
        checks: 0,
        fineChecks: 0,
        firstDelayMs,
        throttled: 0,
        resolve: (qe) => {
          done();
          resolve(qe);
        },
        reject: (err) => {
          done();
          reject(asError(err));
        },
      });
      this.arm();
    });
  }

  /**
   * A sibling finished: bring `id`'s next check forward to where the schedule for the expected
   * duration would put it after its last check (the expected end, or a fine step past it).
   */
  private pullIn(id: string, expectedMs: number): void {
    const w = this.waiters.get(id);
    if (!w) return;
    const sinceStart = w.lastCheckAt - w.startedAt;
    const at = Math.max(
      Date.now(),
      w.lastCheckAt +
        Math.max(MIN_STEP_MS, expectedDelay(expectedMs, sinceStart, w.fineChecks, this.schedule)),
    );
    if (at > w.due - MIN_STEP_MS) return;
    w.due = at;
    this.arm();
  }

  private arm(): void {
    if (this.ticking) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.waiters.size === 0) return;
    const next = Math.min(...[...this.waiters.values()].map((w) => w.due));
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        void this.tick();
      },
      Math.max(0, next - Date.now()),
    );
  }

  private async tick(): Promise<void> {
    this.ticking = true;
    try {
      const horizon = Date.now() + COALESCE_MS;
      const due = [...this.waiters].filter(([, w]) => w.due <= horizon).map(([id]) => id);
      for (let i = 0; i < due.length; i += BATCH_GET_MAX) await this.check(due.slice(i, i + BATCH_GET_MAX));
    } finally {
      this.ticking = false;
      this.arm();
    }
  }

  private async check(ids: string[]): Promise<void> {
    let found: QueryExecution[];
    const unprocessed = new Map<string, string>();
    try {
      this.calls++;
      if (ids.length === 1) {
        const out = await this.athena.send(new GetQueryExecutionCommand({ QueryExecutionId: ids[0] }));
        found = out.QueryExecution ? [out.QueryExecution] : [];
      } else {
        const out = await this.athena.send(new BatchGetQueryExecutionCommand({ QueryExecutionIds: ids }));
        found = out.QueryExecutions ?? [];
        for (const u of out.UnprocessedQueryExecutionIds ?? []) {
          if (u.QueryExecutionId) unprocessed.set(u.QueryExecutionId, `${u.ErrorCode}: ${u.ErrorMessage}`);
        }
      }
    } catch (err) {
      const throttling = awsErrorInfo(err).throttling;
      for (const id of ids) {
        const w = this.waiters.get(id);
        if (!w) continue;
        if (throttling && ++w.throttled <= MAX_THROTTLED_ROUNDS) {
          this.reschedule(w);
        } else {
          this.waiters.delete(id);
          w.reject(err);
        }
      }
      return;
    }
    const byId = new Map(found.map((qe) => [qe.QueryExecutionId, qe]));
    const finished: [string, number][] = [];
    for (const id of ids) {
      const w = this.waiters.get(id);
      if (!w) continue;
      const qe = byId.get(id);
      if (qe && TERMINAL.has(qe.Status?.State ?? '')) {
        this.waiters.delete(id);
        const took = observedDuration(qe);
        if (took !== undefined) finished.push([w.key, took]);
        w.resolve(qe);
      } else if (!qe && unprocessed.has(id)) {
        this.waiters.delete(id);
        w.reject(
          new FanoutError(`Athena could not describe query execution ${id}: ${unprocessed.get(id)}`, {
            context: { stage: 'query', queryExecutionId: id },
          }),
        );
      } else {
        // QUEUED / RUNNING (RUNNING may fall back to QUEUED on transient errors): keep waiting.
        w.throttled = 0;
        this.reschedule(w);
      }
    }
    // After every waiter of this call is rescheduled, so that a pull-in is not overwritten.
    for (const [key, took] of finished) this.durations.observe(key, took);
  }

  private reschedule(w: Waiter): void {
    const now = Date.now();
    const elapsed = now - w.startedAt;
    const expected = this.durations.expected(w.key);
    w.checks++;
    w.lastCheckAt = now;
    if (expected === undefined) {
      w.due = now + pollDelay(w.checks, { ...this.schedule, firstDelayMs: w.firstDelayMs });
    } else {
      w.due = now + expectedDelay(expected, elapsed, w.fineChecks, this.schedule);
      if (elapsed >= expected) w.fineChecks++;
    }
  }
}
