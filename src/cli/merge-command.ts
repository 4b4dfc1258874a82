import type { Logger } from 'pino';
import { loadConfig, type PipelineConfig } from '../config/index.js';
import { ConfigError, unitError } from '../errors.js';
import { finishManifest, summarize, publishMetrics } from '../run/index.js';
import { writeRunDocument, removeSpillArea, setRunLabel } from '../sinks/index.js';
import { combineManifests, lastEnd, readShardManifests, mergeOutputs } from '../merge/index.js';
import { notifyRun, registerNotifySecrets } from '../notify/index.js';
import { scrubStrings } from '../observability/redact.js';
import { validateRunId } from '../plan/index.js';
import { buildCredentials } from './build-credentials.js';

/**
 * `athena-fanout merge --run RUN_ID`: one manifest from the shard manifests (a shard that is missing or
 * failed is named and makes the run partial), partitioned datasets finished (`_SUCCESS` once every
 * shard is in), merged sinks written from the shards' staged units, and the run's metrics. Re-running
 * it gives the same result; so does running it again after a missing shard has run.
 */
export async function mergeCommand(
  configPath: string | undefined,
  runId: string,
  log: Logger,
): Promise<number> {
  validateRunId(runId, 'merge --run');
  const { config } = await loadConfig(configPath ? { configPath } : {});
  registerNotifySecrets(config.notify);
  const shards = await readShardManifests(config.manifest, runId, config.region);
  const draft = combineManifests(runId, shards);
  setRunLabel(runId);
  try {
    await mergeOutputs({
      config,
      runId,
      draft,
      shards: shards.manifests,
      allPresent: shards.missing.length === 0,
      log,
    });
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const e = unitError(err);
    draft.error = draft.error ? { ...draft.error, message: `${draft.error.message}; ${e.message}` } : e;
    log.error({ error: e }, 'merge stopped');
  } finally {
    await removeSpillArea();
  }
  const manifest = finishManifest(draft, lastEnd(shards.manifests));
  await writeRunDocument(config.manifest, manifest, config.region);
  await publishMetrics(config, manifest, log);
  if (config.notify.length > 0) {
    // The run's alerts, once for all its shards (each shard left them to merge).
    manifest.notifications = await notifyRun(config.notify, manifest, {
      manifestPath: config.manifest,
      log,
      ...baseCredentials(config, runId, log),
    });
    await writeRunDocument(config.manifest, scrubStrings(manifest), config.region);
  }
  log.info(
    { status: manifest.status, exitCode: manifest.exitCode, manifest: config.manifest },
    'merge finished',
  );
  process.stdout.write(`${summarize(manifest, config.manifest)}\n`);
  return manifest.exitCode;
}

/** The base credentials for SNS; when they cannot be built (MFA without a terminal), the SDK chain. */
function baseCredentials(config: PipelineConfig, runId: string, log: Logger) {
  try {
    return { credentials: buildCredentials(config, { runId, log }).base };
  } catch {
    return {};
  }
}
