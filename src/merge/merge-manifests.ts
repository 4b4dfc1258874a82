import { joinLocation } from '../aws/index.js';
import { ConfigError } from '../errors.js';
import type { ManifestDraft } from '../run/index.js';
import type { Manifest } from '../manifest.js';
import { shardDir } from '../plan/index.js';
import { listRunDocuments, readRunDocument } from '../sinks/index.js';

export interface ShardManifests {
  manifests: Manifest[];
  count: number;
  missing: number[];
}

/**
 * Reads every shard manifest of `runId` (from a folder, or an S3 prefix when the manifest is on S3);
 * `count` comes from the manifests themselves.
 */
export async function readShardManifests(
  manifestPath: string,
  runId: string,
  region: string,
): Promise<ShardManifests> {
  const dir = shardDir(manifestPath, runId);
  const names = (await listRunDocuments(dir, region)).filter((n) => /^shard-\d+-of-\d+\.json$/.test(n));
  if (names.length === 0) {
    throw new ConfigError([{ path: '', message: `no shard manifests for run ${runId} in ${dir}` }]);
  }
  const manifests: Manifest[] = [];
  for (const n of names.sort()) {
    const text = await readRunDocument(joinLocation(dir, n), region);
    if (text !== undefined) manifests.push(JSON.parse(text) as Manifest);
  }
  const counts = new Set(manifests.map((m) => m.shard?.count));
  if (counts.size !== 1 || manifests.some((m) => m.runId !== runId || !m.shard)) {
    throw new ConfigError([
      { path: '', message: `the manifests in ${dir} do not describe one sharded run ${runId}` },
    ]);
  }
  manifests.sort((a, b) => a.shard!.index - b.shard!.index);
  const count = manifests[0]!.shard!.count;
  const present = new Set(manifests.map((m) => m.shard!.index));
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !present.has(i));
  return { manifests, count, missing };
}

/** A shard that stopped short: nothing succeeded, it was interrupted, or a run-level error stopped it. */
export function shardFailed(m: Manifest): boolean {
  return m.status === 'failed' || m.status === 'interrupted' || m.error !== undefined;
}

/**
 * The run's manifest from its shards' (outputs are added by the caller, after the shards' failed
 * ones, each named by its shard): every unit, the shards that
 * are missing or failed named in `shards` and `error`, so the run is partial (or failed) unless every
 * shard is present and none failed. An interrupted shard makes the run partial, not interrupted: the
 * merge itself was not.
 */
export function combineManifests(
  runId: string,
  { manifests, count, missing }: ShardManifests,
): ManifestDraft {
  const first = manifests[0]!;
  const warnings = [...new Set(manifests.flatMap((m) => m.warnings))];
  for (const i of missing) {
    warnings.push(`shard ${i} of ${count} wrote no manifest: its units are not in this run`);
  }
  const failed = manifests.filter(shardFailed);
  const problems = [
    ...(missing.length > 0 ? [`shards without a manifest: ${missing.join(', ')} (of ${count})`] : []),
    ...failed.map(
      (m) =>
        `shard ${m.shard!.index}: ${m.error?.message ?? (m.status === 'interrupted' ? 'interrupted' : 'no unit succeeded')}`,
    ),
  ];
  const calls = manifests.flatMap((m) => (m.awsCalls ? [m.awsCalls] : []));
  return {
    manifestVersion: 1,
    runId,
    interrupted: false,
    startedAt: manifests.map((m) => m.startedAt).sort()[0]!,
    ...(first.configFile ? { configFile: first.configFile } : {}),
    region: first.region,
    ...(first.pricePerTB !== undefined ? { pricePerTB: first.pricePerTB } : {}),
    shards: {
      count,
      merged: manifests.map((m) => m.shard!.index),
      missing,
      failed: failed.map((m) => m.shard!.index),
    },
    // A shard stopped before discovery has no accounts to tell.
    accounts: (manifests.find((m) => m.accounts.discovered > 0) ?? first).accounts,
    units: manifests.flatMap((m) => m.units),
    // A shard's output that failed (its staged units, its share of a dataset) is a failure of the run.
    outputs: manifests.flatMap((m) =>
      m.outputs
        .filter((o) => o.state === 'failed')
        .map((o) => ({
          ...o,
          error: { ...o.error!, message: `shard ${m.shard!.index}: ${o.error?.message ?? 'failed'}` },
        })),
    ),
    warnings,
    ...(calls.length > 0
      ? {
          awsCalls: {
            requests: calls.reduce((n, c) => n + c.requests, 0),
            throttled: calls.reduce((n, c) => n + c.throttled, 0),
          },
        }
      : {}),
    ...(problems.length > 0 ? { error: { message: problems.join('; '), stage: 'manifest' } } : {}),
  };
}

/** When the run ended: the last shard's end. */
export function lastEnd(manifests: Manifest[]): Date {
  return new Date(
    manifests
      .map((m) => m.endedAt)
      .sort()
      .at(-1)!,
  );
}
