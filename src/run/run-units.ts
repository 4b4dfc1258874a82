import type { Logger } from 'pino';
import type { CredentialProvider } from '../aws/index.js';
import type { PipelineConfig } from '../config/index.js';
import type { CsvDecodePool } from '../extract/index.js';
import type { UnitSpec, UnitWindow } from '../plan/index.js';
import { fanOut, Semaphore } from '../scheduler/index.js';
import type { JournalExecution } from './run-journal.js';
import { RunProgress } from './run-progress.js';
import type { UnitOptions } from './unit-options.js';
import { unitValueOf } from './unit-record.js';
import { unitTargets } from './unit-targets.js';
import { unitTask } from './unit-task.js';
import type { UnitValue } from './unit-value.js';

export interface RunUnitsOptions {
  runId: string;
  runStarted: Date;
  signal: AbortSignal;
  log: Logger;
  providerFor: (accountId: string) => CredentialProvider;
  /** A terminal for the live progress line. */
  tty?: NodeJS.WriteStream;
  /** The run's CSV decoding workers, shared by every unit that reads its results from S3. */
  csvPool?: CsvDecodePool;
  /** Test hooks: faster backoffs. */
  unit?: Pick<UnitOptions, 'retryBaseDelayMs' | 'quotaBackoff'>;
  /** Drawn once per process attempt at the run (see UnitOptions.nonce). */
  nonce?: string;
  /** A resumed run: the executions earlier attempts started, by unitKey. */
  prior?: ReadonlyMap<string, readonly string[]>;
  /** Told every execution a unit starts or takes over (the run's journal). */
  onExecution?: (e: JournalExecution) => void;
  /** Incremental queries: each unit's window, by windowKey. */
  windows?: ReadonlyMap<string, UnitWindow>;
}

/**
 * Runs the units under the three limits: concurrency.queries queries running in Athena overall,
 * concurrency.perAccount per (account, region) (Athena's quota is per account and region, and an AIMD
 * gate lowers it further when Athena refuses starts), and concurrency.accounts accounts setting up
 * credentials at once. A query holds its slots only from StartQueryExecution to its terminal state:
 * credentials resolve before, and results are read after, under a fetch limit of the same size, so
 * that the next unit's query starts while the previous one's results are read.
 */
export async function runUnits(
  config: PipelineConfig,
  units: UnitSpec[],
  opts: RunUnitsOptions,
): Promise<UnitValue[]> {
  const { queries, perAccount } = config.concurrency;
  const inAthena = new Semaphore(queries);
  const targets = unitTargets(config, units, opts.providerFor, inAthena);
  const progress = new RunProgress(
    {
      units: units.length,
      accounts: new Set(units.map((u) => u.account.id)).size,
      log: opts.log,
      ...(opts.tty ? { tty: opts.tty } : {}),
    },
    units.map((u) => u.account.id),
  );
  const running = new Set<string>();
  // failFast: a unit that ends failed or timed out stops the rest as an interruption would.
  const stopAll = new AbortController();
  const onAbort = () => {
    stopAll.abort(opts.signal.reason);
  };
  if (opts.signal.aborted) onAbort();
  else opts.signal.addEventListener('abort', onAbort, { once: true });
  const context = {
    config,
    runId: opts.runId,
    runStarted: opts.runStarted,
    log: opts.log,
    targets,
    fetching: new Semaphore(queries),
    progress,
    running,
    stopAll,
    unit: {
      ...(opts.csvPool ? { csvPool: opts.csvPool } : {}),
      ...(opts.nonce === undefined ? {} : { nonce: opts.nonce }),
      ...opts.unit,
    },
    ...(opts.prior ? { prior: opts.prior } : {}),
    ...(opts.onExecution ? { onExecution: opts.onExecution } : {}),
    ...(opts.windows ? { windows: opts.windows } : {}),
  };
  const tasks = units.map((u) => unitTask(u, context));
  const index = new Map(tasks.map((t, i) => [t.id, i]));
  try {
    // Units in progress: as many with a query in Athena, as many reading results, and as many ready
    // (credentials resolved) to take a freed query slot at once.
    const outcomes = await fanOut(tasks, {
      concurrency: 3 * queries,
      perGroup: 3 * perAccount,
      signal: stopAll.signal,
      onSettled: (o) => {
        const i = index.get(o.id)!;
        progress.finished(unitValueOf(o, units[i]!).record, running.delete(o.id));
        targets.settled(o.group);
      },
    });
    return outcomes.map((o, i) => unitValueOf(o, units[i]!));
  } finally {
    progress.stop();
    opts.signal.removeEventListener('abort', onAbort);
  }
}
