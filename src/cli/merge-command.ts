import type { Logger } from 'pino';
import { loadConfig } from '../config/index.js';
import { ConfigError, unitError } from '../errors.js';
import { finishManifest, summarize, publishMetrics } from '../run/index.js';
import { writeJsonAtomic, removeSpillArea, setRunLabel } from '../sinks/index.js';
import { combineManifests, lastEnd, readShardManifests, mergeOutputs } from '../merge/index.js';
import { validateRunId } from '../plan/index.js';

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
  const shards = await readShardManifests(config.manifest, runId);
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
  await writeJsonAtomic(config.manifest, manifest);
  await publishMetrics(config, manifest, log);
  log.info(
    { status: manifest.status, exitCode: manifest.exitCode, manifest: config.manifest },
    'merge finished',
  );
  process.stdout.write(`${summarize(manifest, config.manifest)}\n`);
  return manifest.exitCode;
}
