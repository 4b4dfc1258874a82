import type { Logger } from 'pino';
import type { RoleChainResolver } from '../auth-chain/index.js';
import type { CredentialProvider } from '../aws/index.js';
import type { PipelineConfig } from '../config/index.js';
import { CsvDecodePool } from '../extract/index.js';
import { itemsOfShard, planUnits, resolveAccounts, type Shard, shardStagingRoot } from '../plan/index.js';
import { advanceWatermarks, refuseShardedIncremental, runWindows } from './incremental-run.js';
import { accountsRecord } from './run-draft.js';
import type { ManifestDraft } from './run-report.js';
import type { JournalExecution } from './run-journal.js';
import { runUnits } from './run-units.js';
import type { UnitValue } from './unit-value.js';
import { writeOutputs } from './write-outputs.js';

/** The base credentials and the resolver of the run's role chains. */
export interface RunCredentials {
  base: CredentialProvider;
  resolver: RoleChainResolver;
}

export interface RunStagesOptions {
  config: PipelineConfig;
  runId: string;
  started: Date;
  log: Logger;
  credentials: RunCredentials;
  /** Aborted when the run is interrupted. */
  signal: AbortSignal;
  shard?: Shard;
  resume?: RunResume;
  /** Incremental queries read from `initial`, whatever their state says (rewritten on success). */
  fullRefresh?: boolean;
}

/** What a run knows of earlier attempts at its run id, and how it records its own executions. */
export interface RunResume {
  /** Drawn once by this process (see UnitOptions.nonce). */
  nonce: string;
  /** The executions earlier attempts started, by unitKey (empty for a new run id). */
  prior: ReadonlyMap<string, readonly string[]>;
  /** When the first attempt started: `{{runDate}}` stays that attempt's, so every unit sees the same SQL. */
  runStarted?: Date;
  onExecution: (e: JournalExecution) => void;
}

/**
 * The run's stages, each recorded in `draft` as it ends: the accounts resolved, the units planned
 * (this shard's only) and run, the outputs written. Throws what stops the run.
 */
export async function runStages(o: RunStagesOptions, draft: ManifestDraft): Promise<void> {
  const { config, log } = o;
  refuseShardedIncremental(config, o.shard);
  // The run's signal reaches every Organizations call: a SIGTERM during a long discovery stops it.
  const resolved = await resolveAccounts(config, o.credentials.resolver, o.credentials.base, {
    signal: o.signal,
  });
  draft.accounts = accountsRecord(resolved);
  log.info(
    { discovered: resolved.all.length, selected: resolved.selected.length, skipped: resolved.skipped.length },
    'accounts resolved',
  );
  for (const w of resolved.warnings) log.warn(w);
  draft.warnings.push(...resolved.warnings);

  const planned = planUnits(config, resolved.selected);
  const units = o.shard
    ? itemsOfShard(planned, (u) => ({ accountId: u.account.id, region: u.region }), o.shard)
    : planned;
  const windows = await runWindows(config, units, {
    until: o.resume?.runStarted ?? o.started,
    runId: o.runId,
    fullRefresh: o.fullRefresh === true,
  });
  const results = await runWithDecodePool(config, (csvPool) =>
    runUnits(config, units, {
      runId: o.runId,
      runStarted: o.resume?.runStarted ?? o.started,
      ...(o.resume
        ? { nonce: o.resume.nonce, prior: o.resume.prior, onExecution: o.resume.onExecution }
        : {}),
      signal: o.signal,
      log,
      ...(windows.size > 0 ? { windows } : {}),
      providerFor: (accountId) => resolved.providerFor(accountId),
      ...(process.stderr.isTTY ? { tty: process.stderr } : {}),
      ...(csvPool ? { csvPool } : {}),
    }),
  );
  draft.units = results.map((r) => r.record);
  const staging = o.shard ? { stagingRoot: shardStagingRoot(config, o.runId) } : undefined;
  const master = config.auth.masterRoleChain;
  const masterProvider =
    master.length > 0 ? o.credentials.resolver.provider(master, { chain: 'master' }) : o.credentials.base;
  const written = await writeOutputs(config, o.runId, results, log, {
    started: o.started,
    catalogCredentials: (accountId) => (accountId ? resolved.providerFor(accountId) : masterProvider),
    ...(staging ? { shard: staging } : {}),
  });
  draft.outputs = written.outputs;
  draft.warnings.push(...written.warnings);
  if (windows.size > 0) {
    draft.warnings.push(...(await advanceWatermarks(config, results, written.outputs, o.runId, log)));
  }
}

/**
 * One pool of CSV decoding workers (the cores but one) for the whole run, when a query may read its
 * results from S3; its workers start with the first large result file, and stop as soon as no unit
 * can read results any more.
 */
async function runWithDecodePool(
  config: PipelineConfig,
  run: (csvPool: CsvDecodePool | undefined) => Promise<UnitValue[]>,
): Promise<UnitValue[]> {
  const csvPool = config.queries.some((q) => q.fetch !== 'api') ? new CsvDecodePool() : undefined;
  try {
    return await run(csvPool);
  } finally {
    await csvPool?.close();
  }
}
