import type { Logger } from 'pino';
import { httpStats } from '../aws/index.js';
import type { PipelineConfig } from '../config/index.js';
import { ConfigError, unitError } from '../errors.js';
import type { Manifest } from '../manifest.js';
import { scrubStrings } from '../observability/redact.js';
import { type Shard, shardManifestPath } from '../plan/index.js';
import { removeSpillArea, setRunLabel, writeJsonAtomic } from '../sinks/index.js';
import { runDraft } from './run-draft.js';
import { prepareRun, publishMetrics } from './run-observability.js';
import { finishManifest, type ManifestDraft } from './run-report.js';
import { type RunCredentials, runStages } from './run-stages.js';

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
      },
      draft,
    );
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    draft.error = unitError(err);
    log.error({ error: draft.error }, 'run stopped');
  } finally {
    // Also when a stage stopped the run before its outputs: `schedule` lives on, the next run spills afresh.
    await removeSpillArea();
  }
  o.interruption.settled();
  return finishRun(o, draft);
}

/** The manifest (scrubbed of secrets AWS may have echoed) and the metrics, from the run's draft. */
async function finishRun(
  { config, runId, log, shard, interruption }: ExecuteRunOptions,
  draft: ManifestDraft,
): Promise<{ manifest: Manifest; manifestPath: string }> {
  draft.awsCalls = { requests: httpStats.requests, throttled: httpStats.throttled };
  const manifest = finishManifest(draft, new Date(), interruption.signalName());
  const manifestPath = shard ? shardManifestPath(config.manifest, runId, shard) : config.manifest;
  // AWS messages sometimes echo a parameter; the manifest is shared more widely than logs.
  await writeJsonAtomic(manifestPath, scrubStrings(manifest));
  await publishMetrics(config, manifest, log, shard);
  log.info({ status: manifest.status, exitCode: manifest.exitCode, manifest: manifestPath }, 'run finished');
  return { manifest, manifestPath };
}
