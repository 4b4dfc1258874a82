import type { Logger } from 'pino';
import { FanoutError, unitError } from '../errors.js';
import type { PipelineConfig } from '../config/index.js';
import { type UnitSpec, type UnitWindow, windowKey } from '../plan/index.js';
import type { FanOutTask, Semaphore } from '../scheduler/index.js';
import { type JournalExecution, unitKey } from './run-journal.js';
import type { RunProgress } from './run-progress.js';
import { runUnit } from './run-unit.js';
import { unitRecord } from './unit-record.js';
import type { UnitOptions } from './unit-options.js';
import { targetKey, type UnitTargets } from './unit-targets.js';
import type { UnitValue } from './unit-value.js';

/** What every unit's task shares. */
export interface UnitTaskContext {
  config: PipelineConfig;
  runId: string;
  runStarted: Date;
  log: Logger;
  targets: UnitTargets;
  /** Slots for reading results. */
  fetching: Semaphore;
  progress: RunProgress;
  /** The ids of the units whose task started. */
  running: Set<string>;
  /** failFast: aborted with the reason by a unit that ends failed or timed out. */
  stopAll: AbortController;
  /** Run-wide unit options (the CSV pool, the process's token nonce, test hooks). */
  unit: Pick<UnitOptions, 'csvPool' | 'retryBaseDelayMs' | 'quotaBackoff' | 'nonce'>;
  /** A resumed run: what earlier attempts started, by unitKey. */
  prior?: ReadonlyMap<string, readonly string[]>;
  /** Told every execution a unit relies on (the run's journal). */
  onExecution?: (e: JournalExecution) => void;
  /** Incremental queries: each unit's window, by windowKey. */
  windows?: ReadonlyMap<string, UnitWindow>;
}

/** The scheduler's task for one unit, grouped by its (account, region). */
export function unitTask(spec: UnitSpec, ctx: UnitTaskContext): FanOutTask<UnitValue> {
  const { account, region, query } = spec;
  const id = `${account.id}/${region}/${query.name}`;
  const { config, progress, stopAll } = ctx;
  return {
    id,
    group: targetKey(account.id, region),
    run: async (signal: AbortSignal) => {
      ctx.running.add(id);
      progress.unitStarted(id);
      // This account's settings could not be filled: nothing is called for it.
      if (spec.settingsError !== undefined) return settingsFailure(spec, spec.settingsError);
      const t = await ctx.targets.get(account.id, region);
      const prior = ctx.prior?.get(unitKey(account.id, region, query.name));
      const window = ctx.windows?.get(windowKey(query.name, account.id, region));
      const value = await runUnit(t.athena, account, query, signal, region, {
        runId: ctx.runId,
        runStarted: ctx.runStarted,
        vars: spec.vars ?? config.vars,
        retries: config.retries.query,
        pricePerTB: config.pricePerTB,
        poller: t.poller,
        gate: t.gate,
        fetchSlots: ctx.fetching,
        ...ctx.unit,
        log: ctx.log,
        onQueryStarted: (qid) => {
          progress.queryStarted(id, qid);
        },
        ...(prior?.length ? { priorExecutionIds: prior } : {}),
        ...(window ? { window: { since: window.since, until: window.until } } : {}),
        onExecution: (queryExecutionId, attempt, how) => {
          ctx.onExecution?.({
            accountId: account.id,
            region,
            query: query.name,
            attempt,
            queryExecutionId,
            how,
          });
        },
      });
      const state = value.record.state;
      if (config.failFast && (state === 'failed' || state === 'timed_out') && !stopAll.signal.aborted) {
        ctx.log.warn({ unit: id, state }, 'failFast: stopping the other units');
        stopAll.abort(new Error(`failFast: unit ${id} ${state}`));
      }
      return value;
    },
  };
}

function settingsFailure({ account, region, query }: UnitSpec, message: string): UnitValue {
  const error = new FanoutError(message, {
    context: { stage: 'config', accountId: account.id, queryName: query.name, region },
  });
  const now = new Date().toISOString();
  return {
    record: {
      ...unitRecord(account, query.name, region, 'failed'),
      startedAt: now,
      endedAt: now,
      estimatedCostUSD: 0,
      error: unitError(error),
    },
  };
}
