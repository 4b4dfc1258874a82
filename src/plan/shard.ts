import { createHash } from 'node:crypto';
import { basename, dirname, extname, join } from 'node:path';
import { joinLocation, parentLocation } from '../aws/index.js';
import type { PipelineConfig } from '../config/index.js';
import { ConfigError } from '../errors.js';
import { validateRunId } from './run-id.js';

/** This process's slice of the run: units whose rank mod `count` is `index` (0-based). */
export interface Shard {
  index: number;
  count: number;
}

/**
 * `--shard I/N` (0-based I), else JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or
 * AWS_BATCH_JOB_ARRAY_INDEX with the count from `--shard-count` or SHARD_COUNT.
 */
export function resolveShard(
  flag: string | undefined,
  countFlag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Shard | undefined {
  if (flag !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(flag.trim());
    if (!m) throw usage(`--shard ${flag}: expected I/N, e.g. 0/4 (I counts from 0)`);
    return checked(Number(m[1]), Number(m[2]), '--shard');
  }
  const fromEnv = env.JOB_COMPLETION_INDEX ?? env.AWS_BATCH_JOB_ARRAY_INDEX;
  if (fromEnv === undefined || fromEnv === '') return undefined;
  const source =
    env.JOB_COMPLETION_INDEX !== undefined ? 'JOB_COMPLETION_INDEX' : 'AWS_BATCH_JOB_ARRAY_INDEX';
  const count = countFlag ?? env.SHARD_COUNT;
  if (count === undefined || !/^\d+$/.test(count)) {
    throw usage(`${source} is set: give the number of shards with --shard-count N or SHARD_COUNT=N`);
  }
  if (!/^\d+$/.test(fromEnv)) throw usage(`${source}=${fromEnv}: expected a whole number`);
  return checked(Number(fromEnv), Number(count), source);
}

function checked(index: number, count: number, source: string): Shard {
  if (count < 1 || index >= count) {
    throw usage(`${source}: shard index ${index} is not within 0..${count - 1} (N = ${count})`);
  }
  return { index, count };
}

function usage(message: string): ConfigError {
  return new ConfigError([{ path: '', message }]);
}

/** The run id every shard of one run must share: --run-id, ATHENA_FANOUT_RUN_ID, or AWS Batch's parent job id. */
export function sharedRunId(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const source =
    flag !== undefined
      ? '--run-id'
      : env.ATHENA_FANOUT_RUN_ID !== undefined
        ? 'ATHENA_FANOUT_RUN_ID'
        : 'AWS_BATCH_JOB_ID';
  const id = flag ?? env.ATHENA_FANOUT_RUN_ID ?? env.AWS_BATCH_JOB_ID?.split(':')[0];
  if (id === undefined || id === '') return undefined;
  return validateRunId(id, source);
}

function unitHash(accountId: string, region: string): string {
  return createHash('sha256').update(`${accountId}|${region}`).digest('hex');
}

/**
 * Deals units to shards: sorted by a hash of (account, region), then dealt round-robin, so shards differ
 * in size by at most one and every shard process, seeing the same accounts, computes the same split.
 */
export function unitsOfShard<T>(
  units: T[],
  key: (u: T) => { accountId: string; region: string },
  shard: Shard,
): T[] {
  const ranked = units
    .map((u) => {
      const k = key(u);
      return { u, h: unitHash(k.accountId, k.region), tie: `${k.accountId}|${k.region}` };
    })
    .sort((a, b) => (a.h < b.h ? -1 : a.h > b.h ? 1 : a.tie < b.tie ? -1 : 1));
  return ranked.filter((_, i) => i % shard.count === shard.index).map((r) => r.u);
}

export function shardLabel(shard: Shard): string {
  const width = String(shard.count).length;
  return `shard-${String(shard.index).padStart(width, '0')}-of-${shard.count}`;
}

/** Where one shard's manifest goes: beside the run's manifest (a folder or an S3 prefix), under shards/<runId>/. */
export function shardManifestPath(manifest: string, runId: string, shard: Shard): string {
  return joinLocation(shardDir(manifest, runId), `${shardLabel(shard)}.json`);
}

export function shardDir(manifest: string, runId: string): string {
  return joinLocation(parentLocation(manifest), 'shards', runId);
}

/**
 * Where the shards of a run stage the units of every query, as a hive layout of Arrow IPC streams with
 * every column: `merge` reads them back one part at a time. When a sink writes to S3 the shards stage
 * there too, so no shared disk is needed: under `_staging/<runId>/` beside the first such sink's
 * datasets (the part of its path before any placeholder; readers skip `_` prefixes). Else beside the
 * shard manifests (an S3 prefix when the manifest is on S3, else the local folder of a single machine).
 */
export function shardStagingRoot(config: Pick<PipelineConfig, 'manifest' | 'sinks'>, runId: string): string {
  const s3Sink = stagingSink(config);
  if (s3Sink) return joinLocation(staticPrefix(s3Sink.path), '_staging', runId);
  return joinLocation(shardDir(config.manifest, runId), 'staging');
}

/** The sink whose S3 prefix holds the staged units (its encryption settings apply to them), if any. */
export function stagingSink(
  config: Pick<PipelineConfig, 'sinks'>,
): PipelineConfig['sinks'][number] | undefined {
  return config.sinks.find((s) => s.path.startsWith('s3://'));
}

/** `s3://bucket/a/b/` of `s3://bucket/a/b/{query}-{runDate}.parquet`: the folder before any placeholder. */
function staticPrefix(url: string): string {
  const brace = url.indexOf('{');
  const head = brace < 0 ? url : url.slice(0, brace);
  const base = head.endsWith('/') ? head : parentLocation(head);
  return base.replace(/\/+$/, '');
}

/** One shard's metrics file: `<name>.shard-I-of-N<ext>` beside `metrics.file`, so shards never clobber each other. */
export function shardMetricsPath(file: string, shard: Shard): string {
  const ext = extname(file);
  return join(dirname(file), `${basename(file, ext)}.${shardLabel(shard)}${ext}`);
}

/**
 * Keeps the items whose (account, region) falls in `shard`: the pairs are dealt, not the items, so
 * every query of one account and region runs in the same shard (one credential chain per account there).
 */
export function itemsOfShard<T>(
  items: T[],
  key: (item: T) => { accountId: string; region: string },
  shard: Shard,
): T[] {
  const pairs = new Map<string, { accountId: string; region: string }>();
  for (const item of items) {
    const k = key(item);
    pairs.set(`${k.accountId}|${k.region}`, k);
  }
  const mine = new Set(
    unitsOfShard([...pairs.values()], (p) => p, shard).map((p) => `${p.accountId}|${p.region}`),
  );
  return items.filter((item) => {
    const k = key(item);
    return mine.has(`${k.accountId}|${k.region}`);
  });
}
