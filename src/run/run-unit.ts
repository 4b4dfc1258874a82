import type { AthenaClient } from '@aws-sdk/client-athena';
import { fillPlaceholders, type PipelineConfig } from '../config/index.js';
import type { Account } from '../accounts/index.js';
import { FanoutError, isRetryable, unitError } from '../errors.js';
import {
  clientRequestToken,
  deleteUnloadPrefix,
  type CsvDecodePool,
  executeQuery,
  type QueryGate,
  renderSql,
  type SqlVariables,
  type StatusPoller,
  unloadPrefix,
  unloadStatement,
} from '../extract/index.js';
import type { SpilledResult } from '../sinks/index.js';
import { retry } from '../scheduler/index.js';
import { estimateCostUSD } from './run-report.js';
import type { UnitRecord } from '../manifest.js';
import { fetchUnitResults, s3For } from './fetch-unit-results.js';
import { unloadBase } from './unload-location.js';

export interface UnitValue {
  record: UnitRecord;
  /** The results, spilled to an Arrow IPC file until the outputs are written. */
  data?: SpilledResult;
}

/** What the run shares with each unit; every field has a default so a bare call still works. */
export interface UnitOptions {
  runId?: string;
  /** The run's start; gives {{runDate}}. */
  runStarted?: Date;
  vars?: Record<string, string>;
  /** Resubmissions of a query that FAILED retryably (retries.query, default 2). */
  retries?: number;
  pricePerTB?: number;
  /** Shared by the (account, region)'s units: batched status checks. */
  poller?: StatusPoller;
  /** Slots for the query while it runs in Athena (the account's adaptive limit and the run's). */
  gate?: QueryGate;
  /** Slots for reading results, taken once the query is over and its query slot given back. */
  fetchSlots?: Pick<QueryGate, 'acquire' | 'release'>;
  /** Backoff between resubmissions (default 1 s doubling to 20 s, full jitter). */
  retryBaseDelayMs?: number;
  quotaBackoff?: { baseMs: number; maxMs: number };
  /** Decodes S3 result files on worker threads (else this thread does). */
  csvPool?: CsvDecodePool;
  /** The query was accepted by Athena (a new attempt included). */
  onQueryStarted?: (queryExecutionId: string) => void;
}

/** One (account, region) × query unit: run the query, resubmitting what can help, and read its results. */
export async function runUnit(
  athena: AthenaClient,
  account: Account,
  query: PipelineConfig['queries'][number],
  signal: AbortSignal,
  /** The region `athena` calls; `<region>` in the output location becomes it. */
  region?: string,
  opts: UnitOptions = {},
): Promise<UnitValue> {
  const record: UnitRecord = {
    accountId: account.id,
    ...(account.name ? { accountName: account.name } : {}),
    ...(region ? { region } : {}),
    query: query.name,
    state: 'failed',
    attempts: 0,
    queryExecutionIds: [],
    rows: 0,
    startedAt: new Date().toISOString(),
  };
  const outputLocation =
    query.outputLocation &&
    fillPlaceholders(query.outputLocation, { accountId: account.id, region: region ?? '' });
  const runId = opts.runId ?? 'run';
  const vars: SqlVariables = {
    accountId: account.id,
    region: region ?? (await athena.config.region()),
    runDate: (opts.runStarted ?? new Date()).toISOString().slice(0, 10),
    runId,
    ...(account.name === undefined ? {} : { accountName: account.name }),
    ...(account.email === undefined ? {} : { accountEmail: account.email }),
    ...(account.ouPath === undefined ? {} : { ouPath: account.ouPath }),
    ...(account.tags === undefined ? {} : { tags: account.tags }),
    vars: opts.vars ?? {},
  };
  try {
    const sql = renderSql(query.sql, vars, query.name);
    const parameters = query.parameters?.map((p) => renderSql(p, vars, query.name));
    const unload = query.fetch === 'unload';
    // Checked before anything runs: only a single SELECT can be wrapped in UNLOAD.
    if (unload) unloadStatement(sql, 's3://check/', query.name);
    const base = unload
      ? await unloadBase(athena, query, outputLocation, account.id, vars.region)
      : undefined;
    const data = await retry(
      async (attempt) => {
        record.attempts = attempt;
        delete record.error;
        // Each attempt its own empty prefix: UNLOAD refuses a non-empty one.
        const prefix =
          base === undefined
            ? undefined
            : unloadPrefix(base, {
                runId,
                queryName: query.name,
                accountId: account.id,
                region: vars.region,
                attempt,
              });
        const executed = await executeQuery(
          athena,
          {
            queryName: query.name,
            sql: prefix === undefined ? sql : unloadStatement(sql, prefix, query.name),
            workgroup: query.workgroup,
            ...(query.database ? { database: query.database } : {}),
            ...(query.catalog ? { catalog: query.catalog } : {}),
            ...(outputLocation ? { outputLocation } : {}),
            ...(parameters ? { executionParameters: parameters } : {}),
            ...(query.encryption ? { encryption: query.encryption } : {}),
            ...(query.resultReuseMinutes ? { resultReuseMinutes: query.resultReuseMinutes } : {}),
            clientRequestToken: clientRequestToken({
              runId,
              accountId: account.id,
              region: vars.region,
              query: query.name,
              attempt,
            }),
          },
          {
            signal,
            ...(opts.poller ? { poller: opts.poller } : {}),
            ...(opts.gate ? { gate: opts.gate } : {}),
            ...(opts.quotaBackoff ? { quotaBackoff: opts.quotaBackoff } : {}),
            ...(query.timeoutSeconds === undefined ? {} : { timeoutMs: query.timeoutSeconds * 1000 }),
            onStarted: (id) => {
              record.queryExecutionIds.push(id);
              opts.onQueryStarted?.(id);
            },
            onQuotaRefused: () => {
              record.quotaRefusals = (record.quotaRefusals ?? 0) + 1;
            },
          },
        ).catch(async (err: unknown) => {
          if (prefix !== undefined && !query.unload.keep) await removeOrphans(athena, prefix, err);
          throw err;
        });
        Object.assign(record, executed.stats);
        if (executed.reused) record.reused = true;
        if (opts.fetchSlots && !(await opts.fetchSlots.acquire(signal))) {
          throw new FanoutError(`Query ${query.name} cancelled before its results were read`, {
            cause: signal.reason,
            context: { stage: 'results', queryName: query.name, cancelled: true },
          });
        }
        try {
          return await fetchUnitResults(
            athena,
            executed,
            account,
            query,
            record,
            signal,
            prefix,
            opts.csvPool,
          );
        } finally {
          opts.fetchSlots?.release();
        }
      },
      {
        attempts: (opts.retries ?? 2) + 1,
        baseDelayMs: opts.retryBaseDelayMs ?? 1000,
        isRetryable,
        signal,
      },
    );
    record.state = 'succeeded';
    record.rows = data.rows;
    return { record, data };
  } catch (err) {
    const timedOut = err instanceof FanoutError && err.context.timedOut === true;
    record.state = signal.aborted ? 'cancelled' : timedOut ? 'timed_out' : 'failed';
    record.error = unitError(err);
    return { record };
  } finally {
    record.estimatedCostUSD = estimateCostUSD(record, opts.pricePerTB);
    record.endedAt = new Date().toISOString();
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
