import type { QueryExecution } from '@aws-sdk/client-athena';
import { awsErrorInfo, FanoutError } from '../errors.js';
import { attachQuery, executedQueryOf, type ExecutedQuery, getQueryExecutions } from '../extract/index.js';
import type { UnitRecord } from '../manifest.js';
import type { SpilledResult } from '../sinks/index.js';
import { readResults, type UnitAttempts } from './unit-attempt.js';

/**
 * A unit of a resumed run (its run id was run before) whose earlier attempts started executions: what
 * Athena says of them decides. The newest SUCCEEDED one is reused (its results read again from its
 * output location: no new query, nothing billed); else the newest still QUEUED or RUNNING is followed
 * to its end (it is already paid for); else, or when reading a reused execution's results fails,
 * `undefined`: the unit starts a new execution. For `fetch: unload`, a SUCCEEDED UNLOAD is reused only
 * while its data manifest names its parts and they are still there (`unload.keep`, or an earlier
 * process stopped before reading them); every part is read, or none is.
 */
export async function resumeUnit(
  u: UnitAttempts,
  ids: readonly string[],
): Promise<SpilledResult | undefined> {
  const executions = await lookUp(u, ids);
  if (executions === undefined) return undefined;
  const newestFirst = executions.sort(
    (a, b) => (b.Status?.SubmissionDateTime?.getTime() ?? 0) - (a.Status?.SubmissionDateTime?.getTime() ?? 0),
  );
  const unload = u.query.fetch === 'unload';
  const succeeded = newestFirst.find(
    (qe) => qe.Status?.State === 'SUCCEEDED' && (!unload || qe.Statistics?.DataManifestLocation),
  );
  if (succeeded) return reuse(u, executedQueryOf(succeeded), 'reused');
  const running = newestFirst.find((qe) => qe.Status?.State === 'QUEUED' || qe.Status?.State === 'RUNNING');
  if (running) return attach(u, running);
  note(u, 'no execution of an earlier attempt can be used: starting a new one', {
    executions: newestFirst.map((qe) => `${qe.QueryExecutionId}: ${qe.Status?.State}`),
  });
  return undefined;
}

/** The recorded executions as Athena has them; ids it no longer knows (history is kept 45 days) drop out. */
async function lookUp(u: UnitAttempts, ids: readonly string[]): Promise<QueryExecution[] | undefined> {
  try {
    return await getQueryExecutions(u.athena, ids, u.signal);
  } catch (err) {
    if (u.signal.aborted) throw cancelled(u, err);
    // Without the state no execution is reused: a new one gives the rows once all the same.
    note(u, "the state of an earlier attempt's executions could not be read: starting a new one", {
      awsCode: awsErrorInfo(err).code,
      error: awsErrorInfo(err).message,
    });
    return undefined;
  }
}

async function attach(u: UnitAttempts, qe: QueryExecution): Promise<SpilledResult | undefined> {
  const id = qe.QueryExecutionId!;
  const { opts, query } = u;
  adopt(u, id, 'attached');
  opts.onQueryStarted?.(id);
  let executed: ExecutedQuery;
  try {
    executed = await attachQuery(
      u.athena,
      id,
      { queryName: query.name },
      {
        signal: u.signal,
        ...(opts.poller ? { poller: opts.poller } : {}),
        ...(opts.gate ? { gate: opts.gate } : {}),
        ...(query.timeoutSeconds === undefined ? {} : { timeoutMs: query.timeoutSeconds * 1000 }),
        ...(qe.Status?.SubmissionDateTime ? { submittedAt: qe.Status.SubmissionDateTime.getTime() } : {}),
      },
    );
  } catch (err) {
    // Interrupted or timed out: the unit ends so, as one that started its own query would.
    if (u.signal.aborted || (err instanceof FanoutError && err.context.timedOut === true)) throw err;
    delete u.record.resumed;
    note(u, "an earlier attempt's execution did not succeed: starting a new one", {
      queryExecutionId: id,
      error: err instanceof Error ? err.message : String(err),
    });
    return undefined;
  }
  return reuse(u, executed, 'attached');
}

async function reuse(
  u: UnitAttempts,
  executed: ExecutedQuery,
  how: 'reused' | 'attached',
): Promise<SpilledResult | undefined> {
  if (how === 'reused') adopt(u, executed.queryExecutionId, how);
  Object.assign(u.record, executed.stats);
  if (executed.reused) u.record.reused = true;
  try {
    return await readResults(u, executed, undefined);
  } catch (err) {
    if (u.signal.aborted) throw err;
    delete u.record.resumed;
    delete u.record.reused;
    forgetStats(u.record);
    delete u.record.fetchFallback;
    delete u.record.unloadCleanup;
    note(u, "the results of an earlier attempt's execution could not be read: starting a new one", {
      queryExecutionId: executed.queryExecutionId,
      error: err instanceof Error ? err.message : String(err),
    });
    return undefined;
  }
}

/** The statistics of an execution whose results were not used: the new one's take their place. */
function forgetStats(r: UnitRecord): void {
  delete r.dataScannedInBytes;
  delete r.engineExecutionTimeInMillis;
  delete r.queryQueueTimeInMillis;
  delete r.queryPlanningTimeInMillis;
  delete r.serviceProcessingTimeInMillis;
  delete r.totalExecutionTimeInMillis;
}

function adopt(u: UnitAttempts, id: string, how: 'reused' | 'attached'): void {
  u.record.resumed = how;
  if (!u.record.queryExecutionIds.includes(id)) u.record.queryExecutionIds.push(id);
  u.opts.onExecution?.(id, 0, how);
}

function note(u: UnitAttempts, message: string, detail: Record<string, unknown>): void {
  u.opts.log?.warn({ unit: `${u.account.id}/${u.region}/${u.query.name}`, ...detail }, message);
}

function cancelled(u: UnitAttempts, cause: unknown): FanoutError {
  return new FanoutError(`Query ${u.query.name} cancelled before it resumed`, {
    cause,
    context: { stage: 'query', queryName: u.query.name, cancelled: true },
  });
}
