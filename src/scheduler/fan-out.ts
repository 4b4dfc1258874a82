import pLimit, { type LimitFunction } from 'p-limit';

export interface FanOutTask<T> {
  id: string;
  /** Tasks of one group share the `perGroup` limit (e.g. one group per account). */
  group: string;
  run(signal: AbortSignal): Promise<T>;
}

export type TaskOutcome<T> =
  | { id: string; group: string; ok: true; value: T; startedAt: number; endedAt: number }
  | {
      id: string;
      group: string;
      ok: false;
      error: unknown;
      cancelled: boolean;
      startedAt?: number;
      endedAt: number;
    };

export interface FanOutOptions<T> {
  /** Global in-flight limit. */
  concurrency: number;
  /** In-flight limit per group. */
  perGroup: number;
  /** Abort: start nothing new, abort the running tasks' signals, still resolve with every outcome. */
  signal?: AbortSignal;
  /** Called once per task as it settles. A throwing listener is reported, never allowed to lose outcomes. */
  onSettled?: (o: TaskOutcome<T>) => void;
  /** The first failure aborts the rest. */
  failFast?: boolean;
}

function checkLimit(name: string, n: number): void {
  if (!(n >= 1) || (!Number.isInteger(n) && n !== Infinity)) {
    throw new RangeError(`fanOut: ${name} must be a whole number >= 1, got ${n}`);
  }
}

/**
 * Bounded fan-out: never more than `concurrency` in flight overall nor `perGroup` per group. The group
 * slot is taken before the global one, so a task waiting on its busy group never holds a global slot idle.
 * One task's failure never stops the others (unless `failFast`). Returns one outcome per task, in input order.
 */
export async function fanOut<T>(
  tasks: Iterable<FanOutTask<T>>,
  opts: FanOutOptions<T>,
): Promise<TaskOutcome<T>[]> {
  checkLimit('concurrency', opts.concurrency);
  checkLimit('perGroup', opts.perGroup);
  const list = [...tasks];
  const global = pLimit(opts.concurrency);
  const groups = new Map<string, LimitFunction>();
  const inner = new AbortController();
  const onAbort = () => {
    inner.abort(opts.signal?.reason);
  };
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });

  const settle = (o: TaskOutcome<T>): TaskOutcome<T> => {
    if (!o.ok && !o.cancelled && opts.failFast && !inner.signal.aborted) {
      inner.abort(new Error(`fail-fast: task ${o.id} failed`, { cause: o.error }));
    }
    try {
      opts.onSettled?.(o);
    } catch (err) {
      // A listener bug must surface, but must not turn finished work into lost outcomes.
      queueMicrotask(() => {
        throw err;
      });
    }
    return o;
  };

  const attempt = async (task: FanOutTask<T>): Promise<TaskOutcome<T>> => {
    const { id, group } = task;
    if (inner.signal.aborted) {
      return settle({
        id,
        group,
        ok: false,
        error: inner.signal.reason,
        cancelled: true,
        endedAt: Date.now(),
      });
    }
    const startedAt = Date.now();
    try {
      const value = await task.run(inner.signal);
      return settle({ id, group, ok: true, value, startedAt, endedAt: Date.now() });
    } catch (error) {
      // A task that fails after the run was aborted most likely failed because of the abort.
      const cancelled = inner.signal.aborted;
      return settle({ id, group, ok: false, error, cancelled, startedAt, endedAt: Date.now() });
    }
  };

  try {
    return await Promise.all(
      list.map((task) => {
        let groupLimit = groups.get(task.group);
        if (!groupLimit) {
          groupLimit = pLimit(opts.perGroup);
          groups.set(task.group, groupLimit);
        }
        return groupLimit(() => global(attempt, task));
      }),
    );
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
}
