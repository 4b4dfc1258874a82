import { AthenaClient } from '@aws-sdk/client-athena';
import pLimit from 'p-limit';
import type { Logger } from 'pino';
import { awsClientConfig, type CredentialProvider, loadedSettings } from '../aws/index.js';
import type { PipelineConfig } from '../config/index.js';
import { type CsvDecodePool, DurationEstimator, type QueryGate, StatusPoller } from '../extract/index.js';
import { AimdLimit, fanOut, type FanOutTask, Semaphore, type TaskOutcome } from '../scheduler/index.js';
import type { UnitSpec } from '../plan/index.js';
import { querySlots } from './query-slots.js';
import { RunProgress } from './run-progress.js';
import { runUnit, type UnitOptions, type UnitValue } from './run-unit.js';
import { unitError } from '../errors.js';

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
  const setup = pLimit(config.concurrency.accounts);
  const providers = new Map<string, CredentialProvider>();
  // STS pressure: an account's first credentials wait for a setup slot; later calls hit the cache.
  const providerFor = (accountId: string): CredentialProvider => {
    let p = providers.get(accountId);
    if (!p) {
      const inner = opts.providerFor(accountId);
      let ready = false;
      p = async (...args: Parameters<CredentialProvider>) => {
        if (ready) return inner(...args);
        const creds = await setup(() => inner(...args));
        ready = true;
        return creds;
      };
      providers.set(accountId, p);
    }
    return p;
  };
  const { queries, perAccount } = config.concurrency;
  const inAthena = new Semaphore(queries);
  const fetching = new Semaphore(queries);
  // Per region: a query's executions in one region learn their duration from each other.
  const durations = new Map<string, DurationEstimator>();
  const durationsIn = (region: string) => {
    let d = durations.get(region);
    if (!d) durations.set(region, (d = new DurationEstimator()));
    return d;
  };
  const perTarget = new Map<string, { athena: AthenaClient; poller: StatusPoller; gate: QueryGate }>();
  const target = (accountId: string, region: string) => {
    const key = `${accountId}/${region}`;
    let t = perTarget.get(key);
    if (!t) {
      const athena = new AthenaClient({
        ...awsClientConfig('athena', { region, credentials: providerFor(accountId) }),
        ...loadedSettings(`athena/${region}`, () => new AthenaClient(awsClientConfig('athena', { region }))),
      });
      t = {
        athena,
        poller: new StatusPoller(athena, undefined, durationsIn(region)),
        gate: querySlots(new AimdLimit({ max: perAccount }), inAthena),
      };
      perTarget.set(key, t);
    }
    return t;
  };

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
  const tasks: FanOutTask<UnitValue>[] = units.map(({ account, region, query }) => {
    const id = `${account.id}/${region}/${query.name}`;
    return {
      id,
      group: `${account.id}/${region}`,
      run: async (signal: AbortSignal) => {
        running.add(id);
        progress.unitStarted(id);
        const t = target(account.id, region);
        const value = await runUnit(t.athena, account, query, signal, region, {
          runId: opts.runId,
          runStarted: opts.runStarted,
          vars: config.vars,
          retries: config.retries.query,
          pricePerTB: config.pricePerTB,
          poller: t.poller,
          gate: t.gate,
          fetchSlots: fetching,
          ...(opts.csvPool ? { csvPool: opts.csvPool } : {}),
          ...opts.unit,
          onQueryStarted: (qid) => {
            progress.queryStarted(id, qid);
          },
        });
        const state = value.record.state;
        if (config.failFast && (state === 'failed' || state === 'timed_out') && !stopAll.signal.aborted) {
          opts.log.warn({ unit: id, state }, 'failFast: stopping the other units');
          stopAll.abort(new Error(`failFast: unit ${id} ${state}`));
        }
        return value;
      },
    };
  });
  const recordOf = (o: TaskOutcome<UnitValue>, i: number): UnitValue => {
    if (o.ok) return o.value;
    const { account, region, query } = units[i]!;
    return {
      record: {
        accountId: account.id,
        ...(account.name ? { accountName: account.name } : {}),
        region,
        query: query.name,
        state: o.cancelled ? 'cancelled' : 'failed',
        attempts: 0,
        queryExecutionIds: [],
        rows: 0,
        estimatedCostUSD: 0,
        error: unitError(o.error),
      },
    };
  };
  const index = new Map(tasks.map((t, i) => [t.id, i]));
  // A target whose units have all settled lets go of its client, poller and gate: memory stays
  // proportional to the targets in flight, not to the organization.
  const unitsLeft = new Map<string, number>();
  for (const t of tasks) unitsLeft.set(t.group, (unitsLeft.get(t.group) ?? 0) + 1);
  try {
    // Units in progress: as many with a query in Athena, as many reading results, and as many ready
    // (credentials resolved) to take a freed query slot at once.
    const outcomes = await fanOut(tasks, {
      concurrency: 3 * queries,
      perGroup: 3 * perAccount,
      signal: stopAll.signal,
      onSettled: (o) => {
        progress.finished(recordOf(o, index.get(o.id)!).record, running.delete(o.id));
        const left = (unitsLeft.get(o.group) ?? 1) - 1;
        unitsLeft.set(o.group, left);
        if (left === 0) perTarget.delete(o.group);
      },
    });
    return outcomes.map(recordOf);
  } finally {
    progress.stop();
    opts.signal.removeEventListener('abort', onAbort);
  }
}
