import {
  type AthenaClient,
  BatchGetQueryExecutionCommand,
  GetQueryExecutionCommand,
  type QueryExecution,
} from '@aws-sdk/client-athena';
import { awsErrorInfo, FanoutError } from '../errors.js';

/** Delay before a query's n-th status check: firstDelayMs × factor^(n-1), capped at maxDelayMs. */
export interface PollSchedule {
  firstDelayMs: number;
  factor: number;
  maxDelayMs: number;
}

// 0.8, 2.8, 7.8, 12.8 s: a 10-second query costs 4 status checks, a short one is seen within a second.
export const DEFAULT_POLL_SCHEDULE: PollSchedule = { firstDelayMs: 800, factor: 2.5, maxDelayMs: 5000 };

/** Athena's BatchGetQueryExecution limit. */
const BATCH_MAX = 50;
// A check due this soon rides along with one being made now: one call instead of two.
const COALESCE_MS = 300;
// The SDK already retried each throttled call; throttling says nothing about the query, so keep waiting.
const MAX_THROTTLED_ROUNDS = 30;

export function pollDelay(checksDone: number, s: PollSchedule = DEFAULT_POLL_SCHEDULE): number {
  return Math.min(s.maxDelayMs, s.firstDelayMs * s.factor ** checksDone);
}

const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));

const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

interface Waiter {
  due: number;
  checks: number;
  throttled: number;
  resolve(qe: QueryExecution): void;
  reject(err: unknown): void;
}

/**
 * Waits for queries of one account (one Athena client) to finish, checking each on its own growing
 * schedule but asking for every query due at about the same time in one call: GetQueryExecution for a
 * single id, BatchGetQueryExecution (≤ 50 ids) for several.
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
  ) {}

  /** Resolves with the execution once it is SUCCEEDED, FAILED or CANCELLED; rejects on abort. */
  wait(id: string, signal?: AbortSignal): Promise<QueryExecution> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(asError(signal.reason));
        return;
      }
      const onAbort = () => {
        this.waiters.delete(id);
        reject(asError(signal!.reason));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => signal?.removeEventListener('abort', onAbort);
      this.waiters.set(id, {
        due: Date.now() + pollDelay(0, this.schedule),
        checks: 0,
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
      for (let i = 0; i < due.length; i += BATCH_MAX) await this.check(due.slice(i, i + BATCH_MAX));
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
    for (const id of ids) {
      const w = this.waiters.get(id);
      if (!w) continue;
      const qe = byId.get(id);
      if (qe && TERMINAL.has(qe.Status?.State ?? '')) {
        this.waiters.delete(id);
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
  }

  private reschedule(w: Waiter): void {
    w.checks++;
    w.due = Date.now() + pollDelay(w.checks, this.schedule);
  }
}
