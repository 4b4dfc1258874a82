import type { AthenaClient } from '@aws-sdk/client-athena';
import type { Account } from '../accounts/index.js';
import type { QueryConfig } from '../config/index.js';
import { FanoutError } from '../errors.js';
import {
  type AthenaQuerySpec,
  clientRequestToken,
  deleteUnloadPrefix,
  type ExecutedQuery,
  type ExecuteQueryOptions,
  executeQuery,
  unloadPrefix,
  unloadStatement,
} from '../extract/index.js';
import type { UnitRecord } from '../manifest.js';
import type { SpilledResult } from '../sinks/index.js';
import { fetchUnitResults, s3For } from './fetch-unit-results.js';
import type { UnitOptions } from './unit-options.js';

/** One unit as each of its attempts sees it: the rendered query, where it runs, what the run shares. */
export interface UnitAttempts {
  athena: AthenaClient;
  account: Account;
  query: QueryConfig;
  /** Updated by every attempt: attempts, execution ids, statistics. */
  record: UnitRecord;
  signal: AbortSignal;
  opts: UnitOptions;
  runId: string;
  /** The region Athena runs the query in. */
  region: string;
  sql: string;
  parameters?: string[];
  outputLocation?: string;
  /** fetch: unload: the location below which each attempt gets its own prefix. */
  unloadBase?: string;
}

/** One attempt: submit the query, wait for it, and read its results into a spill file. */
export async function runAttempt(u: UnitAttempts, attempt: number): Promise<SpilledResult> {
  u.record.attempts = attempt;
  delete u.record.error;
  // The timeline (report) shows the last attempt's phases.
  delete u.record.submittedAt;
  delete u.record.completedAt;
  delete u.record.readStartedAt;
  // Each attempt its own empty prefix: UNLOAD refuses a non-empty one.
  const prefix =
    u.unloadBase === undefined
      ? undefined
      : unloadPrefix(u.unloadBase, {
          runId: u.runId,
          queryName: u.query.name,
          accountId: u.account.id,
          region: u.region,
          attempt,
          ...(u.opts.nonce === undefined ? {} : { nonce: u.opts.nonce }),
        });
  const executed = await executeQuery(
    u.athena,
    attemptSpec(u, attempt, prefix),
    attemptOptions(u, attempt),
  ).catch(async (err: unknown) => {
    if (u.record.submittedAt !== undefined) u.record.completedAt = new Date().toISOString();
    if (prefix !== undefined && !u.query.unload.keep) await removeOrphans(u.athena, prefix, err);
    throw err;
  });
  u.record.completedAt = new Date().toISOString();
  Object.assign(u.record, executed.stats);
  if (executed.reused) u.record.reused = true;
  return readResults(u, executed, prefix);
}

function attemptSpec(u: UnitAttempts, attempt: number, prefix: string | undefined): AthenaQuerySpec {
  const { query } = u;
  return {
    queryName: query.name,
    sql: prefix === undefined ? u.sql : unloadStatement(u.sql, prefix, query.name),
    workgroup: query.workgroup,
    ...(query.database ? { database: query.database } : {}),
    ...(query.catalog ? { catalog: query.catalog } : {}),
    ...(u.outputLocation ? { outputLocation: u.outputLocation } : {}),
    ...(u.parameters ? { executionParameters: u.parameters } : {}),
    ...(query.encryption ? { encryption: query.encryption } : {}),
    ...(query.resultReuseMinutes ? { resultReuseMinutes: query.resultReuseMinutes } : {}),
    clientRequestToken: clientRequestToken({
      runId: u.runId,
      accountId: u.account.id,
      region: u.region,
      query: query.name,
      attempt,
      ...(u.opts.nonce === undefined ? {} : { nonce: u.opts.nonce }),
    }),
  };
}

function attemptOptions({ opts, query, record, signal }: UnitAttempts, attempt: number): ExecuteQueryOptions {
  return {
    signal,
    ...(opts.poller ? { poller: opts.poller } : {}),
    ...(opts.gate ? { gate: opts.gate } : {}),
    ...(opts.quotaBackoff ? { quotaBackoff: opts.quotaBackoff } : {}),
    ...(query.timeoutSeconds === undefined ? {} : { timeoutMs: query.timeoutSeconds * 1000 }),
    onStarted: (id) => {
      record.submittedAt = new Date().toISOString();
      record.queryExecutionIds.push(id);
      opts.onExecution?.(id, attempt, 'started');
      opts.onQueryStarted?.(id);
    },
    onQuotaRefused: () => {
      record.quotaRefusals = (record.quotaRefusals ?? 0) + 1;
    },
  };
}

/** Reads the results under a fetch slot, taken only now that the query is over. */
export async function readResults(
  u: UnitAttempts,
  executed: ExecutedQuery,
  prefix: string | undefined,
): Promise<SpilledResult> {
  const { fetchSlots } = u.opts;
  if (fetchSlots && !(await fetchSlots.acquire(u.signal))) {
    throw new FanoutError(`Query ${u.query.name} cancelled before its results were read`, {
      cause: u.signal.reason,
      context: { stage: 'results', queryName: u.query.name, cancelled: true },
    });
  }
  u.record.readStartedAt = new Date().toISOString();
  try {
    return await fetchUnitResults(
      u.athena,
      executed,
      u.account,
      u.query,
      u.record,
      u.signal,
      prefix,
      u.opts.csvPool,
    );
  } finally {
    fetchSlots?.release();
  }
}

/**
 * A failed or stopped UNLOAD leaves what it wrote (Athena deletes nothing). Best effort; never when
 * the prefix was taken before the query ran, since then the objects are not ours.
 */
async function removeOrphans(athena: AthenaClient, prefix: string, err: unknown): Promise<void> {
  if (err instanceof FanoutError && err.context.awsReason === 'HIVE_PATH_ALREADY_EXISTS') return;
  await deleteUnloadPrefix(await s3For(athena), prefix).catch(() => []);
}
