import type { AthenaClient } from '@aws-sdk/client-athena';
import { fillPlaceholders, type QueryConfig } from '../config/index.js';
import type { Account } from '../accounts/index.js';
import { FanoutError, isRetryable, unitError } from '../errors.js';
import { renderSql, unloadStatement } from '../extract/index.js';
import { retry } from '../scheduler/index.js';
import { estimateCostUSD } from './run-report.js';
import { runAttempt, type UnitAttempts } from './unit-attempt.js';
import type { UnitOptions } from './unit-options.js';
import type { UnitRecord } from '../manifest.js';
import { unitRecord } from './unit-record.js';
import { resumeUnit } from './unit-resume.js';
import type { UnitValue } from './unit-value.js';
import { unitVariables } from '../plan/index.js';
import { unloadBase } from './unload-location.js';

export type { UnitOptions } from './unit-options.js';
export type { UnitValue } from './unit-value.js';

/** One (account, region) × query unit: run the query, resubmitting what can help, and read its results. */
export async function runUnit(
  athena: AthenaClient,
  account: Account,
  query: QueryConfig,
  signal: AbortSignal,
  /** The region `athena` calls; `<region>` in the output location becomes it. */
  region?: string,
  opts: UnitOptions = {},
): Promise<UnitValue> {
  const record: UnitRecord = {
    ...unitRecord(account, query.name, region, 'failed'),
    startedAt: new Date().toISOString(),
    ...(opts.window ? { window: { since: opts.window.since, until: opts.window.until } } : {}),
  };
  const outputLocation =
    query.outputLocation &&
    fillPlaceholders(query.outputLocation, { accountId: account.id, region: region ?? '' });
  const runId = opts.runId ?? 'run';
  const vars = unitVariables(account, region ?? (await athena.config.region()), { ...opts, runId });
  try {
    const sql = renderSql(query.sql, vars, query.name);
    const parameters = query.parameters?.map((p) => renderSql(p, vars, query.name));
    const unload = query.fetch === 'unload';
    // Checked before anything runs: only a single SELECT can be wrapped in UNLOAD.
    if (unload) unloadStatement(sql, 's3://check/', query.name);
    const base = unload
      ? await unloadBase(athena, query, outputLocation, account.id, vars.region)
      : undefined;
    const attempts: UnitAttempts = {
      athena,
      account,
      query,
      record,
      signal,
      opts,
      runId,
      region: vars.region,
      sql,
      ...(parameters ? { parameters } : {}),
      ...(outputLocation ? { outputLocation } : {}),
      ...(base === undefined ? {} : { unloadBase: base }),
    };
    // A resumed run: an earlier attempt's execution, when one can serve, before any new one.
    const resumed = opts.priorExecutionIds?.length
      ? await resumeUnit(attempts, opts.priorExecutionIds)
      : undefined;
    const data =
      resumed ??
      (await retry((attempt) => runAttempt(attempts, attempt), {
        attempts: (opts.retries ?? 2) + 1,
        baseDelayMs: opts.retryBaseDelayMs ?? 1000,
        isRetryable,
        signal,
      }));
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
