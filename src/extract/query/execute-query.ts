import { type AthenaClient, type QueryExecution, StopQueryExecutionCommand } from '@aws-sdk/client-athena';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ErrorContext, FanoutError } from '../../errors.js';
import { backoffDelay } from '../../scheduler/index.js';
import { apiError, type AthenaQuerySpec, isConcurrencyLimit, startQuery } from './start-query.js';
import { DEFAULT_POLL_SCHEDULE, type PollSchedule } from './poll-schedule.js';
import { StatusPoller } from './status-poller.js';
import { type ExecutedQuery, executedQueryOf, terminalError } from './query-outcome.js';

export type { AthenaQuerySpec } from './start-query.js';
export { type ExecutedQuery, executedQueryOf, type QueryStats } from './query-outcome.js';

/** Delay before each status check: initialDelayMs, then ×factor, capped at maxDelayMs. */
export interface PollOptions {
  initialDelayMs?: number;
  maxDelayMs?: number;
  factor?: number;
}

/**
 * Slots for queries running in Athena: taken just before StartQueryExecution, given back as soon as
 * the query is over (terminal state, stopped, or refused), so that reading results never holds one.
 * Typically the account's adaptive limit (the scheduler's AimdLimit) in front of the run's global one.
 */
export interface QueryGate {
  acquire(signal?: AbortSignal): Promise<boolean>;
  release(): void;
  /** The quota refused a start. */
  decrease(): void;
  /** A start was accepted. */
  increase(): void;
}

export interface ExecuteQueryOptions {
  signal?: AbortSignal;
  poll?: PollOptions;
  /** Shared by the account's queries so that their status checks are batched; else one of its own. */
  poller?: StatusPoller;
  /** Held from StartQueryExecution until the query ends; waited for after the credentials resolve. */
  gate?: QueryGate;
  /** Stop the query (StopQueryExecution) when it has not finished this long after it started. */
  timeoutMs?: number;
  /** How long a start refused by the concurrency quota keeps being retried (default 30 minutes). */
  quotaWaitMs?: number;
  /** Full-jitter backoff between such retries (default 1 s doubling to 30 s). */
  quotaBackoff?: { baseMs: number; maxMs: number };
  /** Bound on each StopQueryExecution call (default 10 s). */
  stopWaitMs?: number;
  onStarted?: (queryExecutionId: string) => void;
  /** Each time the concurrency quota refused a start. */
  onQuotaRefused?: () => void;
}

function scheduleOf(p: PollOptions | undefined): PollSchedule {
  return {
    firstDelayMs: p?.initialDelayMs ?? DEFAULT_POLL_SCHEDULE.firstDelayMs,
    factor: p?.factor ?? DEFAULT_POLL_SCHEDULE.factor,
    maxDelayMs: p?.maxDelayMs ?? DEFAULT_POLL_SCHEDULE.maxDelayMs,
  };
}

function cancelled(name: string, ctx: ErrorContext, cause: unknown, what: string): FanoutError {
  return new FanoutError(`Query ${name} cancelled ${what}`, { cause, context: { ...ctx, cancelled: true } });
}

/**
 * StartQueryExecution (waiting out the account's concurrency quota), then status checks with growing
 * backoff until SUCCEEDED / FAILED / CANCELLED. Any failure once the query has started (abort, timeout,
 * a status check failing for good, a throwing callback) stops it (StopQueryExecution) before throwing,
 * so no query is ever left running unwatched; failures become FanoutErrors, retryable when Athena says
 * so or the error is SYSTEM.
 */
export async function executeQuery(
  athena: AthenaClient,
  spec: AthenaQuerySpec,
  opts: ExecuteQueryOptions = {},
): Promise<ExecutedQuery> {
  const { signal, gate } = opts;
  const base: ErrorContext = { stage: 'query', queryName: spec.queryName };
  if (signal?.aborted) throw cancelled(spec.queryName, base, signal.reason, 'before it started');
  const quotaDeadline = Date.now() + (opts.quotaWaitMs ?? 30 * 60_000);
  const backoff = opts.quotaBackoff ?? { baseMs: 1000, maxMs: 30_000 };
  // The first call of an account assumes its role chain: do it before taking a slot, so that STS
  // latency never keeps a query slot idle. The client memoizes what this resolves.
  try {
    await athena.config.credentials();
  } catch (err) {
    throw apiError('StartQueryExecution', err, base);
  }
  let id: string;
  let timeout: AbortSignal | undefined;
  // About when Athena stamped the submission: midway between sending the Start and reading its answer.
  let submittedAt: number;
  for (let refused = 0; ;) {
    if (gate && !(await gate.acquire(signal))) {
      throw cancelled(spec.queryName, base, signal?.reason, 'before it started');
    }
    try {
      // The timer exists before the query does: a timeout it cannot take throws here, not after the
      // start, where the query would be left running.
      timeout = timeoutSignal(opts.timeoutMs);
      // No abort signal here: aborting mid-request could leave a started query whose id we never learn.
      const sentAt = Date.now();
      id = await startQuery(athena, spec, base);
      submittedAt = (sentAt + Date.now()) / 2;
      gate?.increase();
      break;
    } catch (err) {
      gate?.release();
      if (!isConcurrencyLimit(err) || Date.now() >= quotaDeadline) throw err;
      gate?.decrease();
      opts.onQuotaRefused?.();
      const delay = backoffDelay(++refused, backoff.baseMs, backoff.maxMs);
      try {
        await sleep(delay, undefined, signal ? { signal } : {});
      } catch {
        throw cancelled(spec.queryName, base, err, 'while waiting for the concurrency quota');
      }
    }
  }
  return track(athena, id, { submittedAt, timeout, notify: true }, spec, opts, base);
}

/**
 * Follows an execution an earlier process started (a resumed run): waits, under a query slot, until
 * it ends, exactly as `executeQuery` follows its own (abort and timeout stop it; the timeout counts
 * from now). `submittedAt` is Athena's SubmissionDateTime, for the status checks' schedule.
 */
export async function attachQuery(
  athena: AthenaClient,
  id: string,
  spec: Pick<AthenaQuerySpec, 'queryName'>,
  opts: Omit<ExecuteQueryOptions, 'onStarted' | 'onQuotaRefused' | 'quotaWaitMs' | 'quotaBackoff'> & {
    submittedAt?: number;
  } = {},
): Promise<ExecutedQuery> {
  const { signal, gate } = opts;
  const base: ErrorContext = { stage: 'query', queryName: spec.queryName, queryExecutionId: id };
  const timeout = timeoutSignal(opts.timeoutMs);
  if (gate && !(await gate.acquire(signal))) {
    throw cancelled(spec.queryName, base, signal?.reason, `before execution ${id} was followed`);
  }
  return track(
    athena,
    id,
    { submittedAt: opts.submittedAt ?? Date.now(), timeout, notify: false },
    spec,
    opts,
    base,
  );
}

function timeoutSignal(ms: number | undefined): AbortSignal | undefined {
  return ms === undefined ? undefined : AbortSignal.timeout(ms);
}

/**
 * A started query, under its slot, until it ends: whatever fails before its terminal state stops it,
 * and the slot is given back in every case.
 */
async function track(
  athena: AthenaClient,
  id: string,
  run: { submittedAt: number; timeout: AbortSignal | undefined; notify: boolean },
  spec: Pick<AthenaQuerySpec, 'queryName'>,
  opts: ExecuteQueryOptions,
  base: ErrorContext,
): Promise<ExecutedQuery> {
  const ended = { terminal: false };
  try {
    if (run.notify) opts.onStarted?.(id);
    return await follow(athena, id, run, spec, opts, { ...base, queryExecutionId: id }, ended);
  } catch (err) {
    if (!ended.terminal) await stopQuietly(athena, id, opts.stopWaitMs ?? 10_000);
    throw err;
  } finally {
    opts.gate?.release();
  }
}

async function follow(
  athena: AthenaClient,
  id: string,
  { submittedAt, timeout }: { submittedAt: number; timeout: AbortSignal | undefined },
  spec: Pick<AthenaQuerySpec, 'queryName'>,
  opts: ExecuteQueryOptions,
  ctx: ErrorContext,
  ended: { terminal: boolean },
): Promise<ExecutedQuery> {
  const { signal } = opts;
  if (signal?.aborted) throw cancelled(spec.queryName, ctx, signal.reason, `(execution ${id} stopped)`);
  const signals = [signal, timeout].filter((s): s is AbortSignal => s !== undefined);
  const poller = opts.poller ?? new StatusPoller(athena, scheduleOf(opts.poll));
  let qe: QueryExecution;
  try {
    // Counted from the submission as Athena stamps it (the durations learned are Athena's too), not
    // from the Start's answer, which a busy event loop may read late.
    qe = await poller.wait(id, signals.length > 0 ? AbortSignal.any(signals) : undefined, {
      key: spec.queryName,
      startedAt: submittedAt,
    });
  } catch (err) {
    if (signal?.aborted) throw cancelled(spec.queryName, ctx, err, `(execution ${id} stopped)`);
    if (timeout?.aborted) {
      throw new FanoutError(
        `Query ${spec.queryName} timed out after ${opts.timeoutMs! / 1000} s (execution ${id} stopped)`,
        { cause: err, context: { ...ctx, timedOut: true } },
      );
    }
    throw apiError('GetQueryExecution', err, ctx);
  }
  ended.terminal = true;
  if (qe.Status?.State === 'SUCCEEDED') return executedQueryOf(qe, id);
  throw terminalError(qe, id, spec.queryName, ctx);
}

async function stopQuietly(athena: AthenaClient, id: string, waitMs: number): Promise<void> {
  try {
    await athena.send(new StopQueryExecutionCommand({ QueryExecutionId: id }), {
      abortSignal: AbortSignal.timeout(waitMs),
    });
  } catch {
    // Best effort: the query may already be finished, or the credentials gone.
  }
}
