import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { httpStats } from '../aws/index.js';
import type { PipelineConfig } from '../config/index.js';
import { ConfigError, unitError } from '../errors.js';
import type { Manifest } from '../manifest.js';
import { notifyRun } from '../notify/index.js';
import { scrubStrings } from '../observability/redact.js';
import { type Shard, shardManifestPath } from '../plan/index.js';
import { removeSpillArea, setRunLabel, writeRunDocument } from '../sinks/index.js';
import { runDraft } from './run-draft.js';
import { prepareRun, publishMetrics } from './run-observability.js';
import { finishManifest, type ManifestDraft } from './run-report.js';
import { journalPath, readPriorExecutions, RunJournal } from './run-journal.js';
import { type RunCredentials, type RunResume, runStages } from './run-stages.js';

/** How a run learns it was interrupted, and tells that its work is over. */
export interface RunInterruption {
  /** Aborted on SIGINT/SIGTERM (or by `schedule`): queries in flight are stopped. */
  signal: AbortSignal;
  /** The signal that interrupted the run, if one did (read for the manifest). */
  signalName(): 'SIGINT' | 'SIGTERM' | undefined;
  /** The units and outputs are over, the manifest comes next (not called when a ConfigError stops the run). */
  settled(): void;
}

export interface ExecuteRunOptions {
  config: PipelineConfig;
  /** The config's warnings, kept in the manifest. */
  warnings: string[];
  runId: string;
  started: Date;
  log: Logger;
  /** Made once the run has started; may throw ConfigError (MFA with no code and no terminal). */
  credentials: () => RunCredentials;
  interruption: RunInterruption;
  /** Run only this shard's units. */
  shard?: Shard;
  /**
   * The run id was given (--run-id, ATHENA_FANOUT_RUN_ID, AWS Batch), so the run can be started again
   * under it: earlier attempts are resumed and this one keeps a journal. A generated id cannot be run
   * again: neither is done.
   */
  resumable?: boolean;
  /** `--full-refresh`: incremental queries ignore their state (and rewrite it on success). */
  fullRefresh?: boolean;
}

/**
 * A whole run: the accounts, the units, the outputs, then the manifest (written even when a stage
 * stopped the run, with its error) and the metrics. A ConfigError is thrown, before any manifest.
 */
export async function executeRun(
  o: ExecuteRunOptions,
): Promise<{ manifest: Manifest; manifestPath: string }> {
  const { config, runId, log } = o;
  prepareRun(config, log);
  const draft = runDraft(config, o);
  log.info({ runId, config: config.configFile }, 'run started');
  const credentials = o.credentials();
  // Temp and spill files carry the run id (and who owns them), so another run can tell ours apart.
  setRunLabel(runId);
  const resume = await resumeOf(o, draft);
  try {
    await runStages(
      {
        config,
        runId,
        started: o.started,
        log,
        credentials,
        signal: o.interruption.signal,
        ...(o.shard ? { shard: o.shard } : {}),
        resume: resume.stages,
        ...(o.fullRefresh ? { fullRefresh: true } : {}),
      },
      draft,
    );
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    draft.error = unitError(err);
    log.error({ error: draft.error }, 'run stopped');
  } finally {
    await resume.journal?.close();
    // Also when a stage stopped the run before its outputs: `schedule` lives on, the next run spills afresh.
    await removeSpillArea();
  }
  o.interruption.settled();
  const finished = await finishRun(o, draft, credentials);
  // The manifest now holds every execution the journal did (a failed write throws and keeps it).
  await resume.journal?.remove().catch(() => undefined);
  return finished;
}

/**
 * What earlier attempts at this run id did (its manifests and journals; nothing for a new run id), and
 * this process's journal and token nonce.
 */
async function resumeOf(
  { config, runId, log, shard, started, resumable }: ExecuteRunOptions,
  draft: ManifestDraft,
): Promise<{ journal?: RunJournal; stages: RunResume }> {
  const nonce = randomBytes(8).toString('hex');
  if (!resumable) return { stages: { nonce, prior: new Map(), onExecution: () => {} } };
  const prior = await readPriorExecutions(config.manifest, runId, shard, config.region);
  for (const file of prior.unreadable) {
    const warning = `resume: ${file} could not be read; executions it recorded are not reused`;
    log.warn(warning);
    draft.warnings.push(warning);
  }
  if (prior.byUnit.size > 0) {
    log.info(
      { runId, units: prior.byUnit.size, sources: prior.sources, firstStarted: prior.startedAt },
      'resuming: earlier attempts of this run id started executions; Athena decides which are reused',
    );
  }
  const path = journalPath(config.manifest, runId, shard);
  const journal = new RunJournal(
    path,
    { runId, startedAt: started.toISOString(), nonce, ...(shard ? { shard: { ...shard } } : {}) },
    (err) => {
      log.warn(
        { journal: path, error: err instanceof Error ? err.message : String(err) },
        'could not write the run journal: a process killed before its manifest cannot be resumed',
      );
    },
  );
  return {
    journal,
    stages: {
      nonce,
      prior: prior.byUnit,
      ...(prior.startedAt ? { runStarted: prior.startedAt } : {}),
      onExecution: (e) => {
        journal.record(e);
      },
    },
  };
}

/**
 * The manifest (scrubbed of secrets AWS may have echoed), the metrics, then the alerts: the manifest is
 * written first, so an interrupted run keeps it even if the alerts never end, and rewritten (atomically)
 * with what became of each alert.
 */
async function finishRun(
  { config, runId, log, shard, interruption }: ExecuteRunOptions,
  draft: ManifestDraft,
  credentials: RunCredentials,
): Promise<{ manifest: Manifest; manifestPath: string }> {
  draft.awsCalls = { requests: httpStats.requests, throttled: httpStats.throttled };
  const manifest = finishManifest(draft, new Date(), interruption.signalName());
  const manifestPath = shard ? shardManifestPath(config.manifest, runId, shard) : config.manifest;
  // AWS messages sometimes echo a parameter; the manifest is shared more widely than logs.
  await writeRunDocument(manifestPath, scrubStrings(manifest), config.region);
  await publishMetrics(config, manifest, log, shard);
  if (config.notify.length > 0) {
    manifest.notifications = await notifyRun(config.notify, manifest, {
      manifestPath,
      log,
      credentials: credentials.base,
      shard: shard !== undefined,
    });
    await writeRunDocument(manifestPath, scrubStrings(manifest), config.region);
  }
  log.info({ status: manifest.status, exitCode: manifest.exitCode, manifest: manifestPath }, 'run finished');
  return { manifest, manifestPath };
}
