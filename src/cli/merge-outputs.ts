import { readdir, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import type { Schema } from 'apache-arrow';
import type { Logger } from 'pino';
import { awsClientConfig } from '../auth-chain/index.js';
import type { PipelineConfig, SinkConfig } from '../config/index.js';
import { FanoutError } from '../errors.js';
import type { ManifestDraft } from '../run-report.js';
import { s3ObjectExists, unionSchemas, writeFileAtomic } from '../sinks/index.js';
import type { Manifest, UnitRecord } from '../types.js';
import { conformShardParts } from './conform-dataset.js';
import { shardFailed } from './merge-manifests.js';
import { isFile, readStaged, stagedPartPath, stagedSchema } from './shard-staging.js';
import { shardStagingRoot } from './shard.js';
import { unitError } from './unit-error.js';
import { renderPath } from './write-outputs.js';
import { EXTENSION, sharedPartPath } from './write-partitioned.js';
import { writeSink } from './write-sink.js';

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

interface MergeContext {
  config: PipelineConfig;
  runId: string;
  draft: ManifestDraft;
  shards: Manifest[];
  /** Every shard present: stale parts may be cleared (no shard is still writing). */
  allPresent: boolean;
  log: Logger;
}

type Query = PipelineConfig['queries'][number];

/** A unit of the run that succeeded, with its staged results. */
interface Staged {
  unit: UnitRecord;
  shard: number;
  path: string;
  schema: Schema;
}

/**
 * The outputs of a sharded run, per query: the staged units of every shard read for their schemas and
 * unioned as a single run would; partitioned datasets conformed to that schema, cleared of stale parts
 * and marked complete; each merged sink written from the staged units, streamed one record batch at a
 * time (the writers conform each batch), so memory holds a batch and a row group, never a part.
 */
export async function mergeOutputs(ctx: MergeContext): Promise<void> {
  const { config, runId, draft } = ctx;
  let s3Client: S3Client | undefined;
  const s3 = () => (s3Client ??= new S3Client(awsClientConfig('s3', { region: config.region })));
  try {
    for (const query of config.queries) {
      const vars = { query: query.name, runId, runDate: runId.slice(0, 8), region: config.region };
      const staged = await stagedUnits(ctx, query);
      if (staged.length === 0) {
        draft.warnings.push(`query ${query.name}: no account succeeded, so no output file was written`);
        continue;
      }
      const union = unionSchemas(
        staged.map((s) => s.schema),
        staged.map((s) => `account ${s.unit.accountId}`),
      );
      draft.warnings.push(...union.warnings.map((w) => `query ${query.name}: ${w}`));
      if (query.schema === 'strict' && union.incompatible.length > 0) {
        const message = `query ${query.name}: schema: strict and the accounts disagree on the type of ${union.incompatible.join(', ')}; no output written`;
        draft.warnings.push(message);
        for (const { unit } of staged) {
          unit.state = 'failed';
          unit.error = unitError(
            new FanoutError(message, { context: { stage: 'sink', queryName: query.name } }),
          );
        }
        continue;
      }
      for (const sink of config.sinks) {
        const path = renderPath(sink.path, vars);
        if (sink.layout === 'partitioned')
          await finishPartitioned(ctx, sink, path, query, staged, union.schema);
        else await writeMerged(ctx, sink, path, query, staged, union.schema, s3);
      }
    }
  } finally {
    s3Client?.destroy();
  }
}

/** The run's succeeded units of `query` in shard order, each with its staged results' schema. */
async function stagedUnits(ctx: MergeContext, query: Query): Promise<Staged[]> {
  const root = shardStagingRoot(ctx.config.manifest, ctx.runId);
  const out: Staged[] = [];
  for (const m of ctx.shards) {
    for (const unit of m.units) {
      if (unit.query !== query.name || unit.state !== 'succeeded') continue;
      const path = stagedPartPath(root, query.name, unit.accountId, unit.region ?? m.region);
      if (await isFile(path))
        out.push({ unit, shard: m.shard!.index, path, schema: await stagedSchema(path) });
      else
        ctx.draft.warnings.push(
          `query ${query.name}: no staged results for account ${unit.accountId} (${path})`,
        );
    }
  }
  return out;
}

/**
 * Finishes one partitioned dataset the shards wrote together, once every shard is present: parts
 * conformed to the run's schema, every file under `<key>=…/` that is not the part of a unit of this run
 * that succeeded removed (earlier runs, accounts no longer selected, temp files of killed writers), and
 * `_SUCCESS`, last, unless a shard failed.
 */
async function finishPartitioned(
  ctx: MergeContext,
  sink: SinkConfig,
  root: string,
  query: Query,
  staged: Staged[],
  schema: Schema,
): Promise<void> {
  const dataset = join(root, `query=${encodeURIComponent(query.name)}`);
  const written = ctx.shards.flatMap((m) =>
    m.outputs.filter((o) => o.query === query.name && o.path === dataset),
  );
  // No shard wrote it (ifExists kept it): leave it as it is.
  if (written.length === 0) return;
  if (root.startsWith('s3://')) {
    ctx.draft.warnings.push(`query ${query.name}: ${dataset}: merge does not finish s3:// datasets yet`);
    return;
  }
  const accountKey = query.provenance.find((p) => p.field === 'account_id')?.name ?? 'account_id';
  const partOf = (s: Staged) =>
    join(
      dataset,
      sharedPartPath(accountKey, s.unit.accountId, s.unit.region ?? ctx.draft.region, EXTENSION[sink.type]),
    );
  const complete = ctx.allPresent && !ctx.shards.some(shardFailed);
  if (ctx.allPresent) {
    const byShard = ctx.shards.map((m) =>
      staged
        .filter((s) => s.shard === m.shard!.index)
        .map((s) => ({ part: partOf(s), staged: s.path, schema: s.schema })),
    );
    const rewritten = await conformShardParts(sink, schema, accountKey, byShard);
    const removed = await removeStaleParts(dataset, new Set(staged.map(partOf)), accountKey);
    ctx.log.info({ path: dataset, rewritten, removed }, 'dataset conformed and cleared');
    if (complete) await writeFileAtomic(join(dataset, '_SUCCESS'), (temp) => writeFile(temp, ''));
  }
  if (!complete) {
    ctx.draft.warnings.push(
      `query ${query.name}: ${dataset} has no _SUCCESS: a shard is missing or failed (run it again, then merge)`,
    );
  }
  const rows = written.reduce((n, p) => n + p.rows, 0);
  const bytes = written.reduce((n, p) => n + p.bytes, 0);
  ctx.draft.outputs.push({ query: query.name, type: sink.type, path: dataset, rows, bytes });
}

async function removeStaleParts(dataset: string, keep: Set<string>, accountKey: string): Promise<number> {
  let removed = 0;
  for (const dir of await readdir(dataset).catch(() => [] as string[])) {
    if (!dir.startsWith(`${accountKey}=`)) continue;
    for (const name of await readdir(join(dataset, dir)).catch(() => [] as string[])) {
      if (keep.has(join(dataset, dir, name))) continue;
      await rm(join(dataset, dir, name), { recursive: true, force: true });
      removed++;
    }
    await rmdir(join(dataset, dir)).catch(() => undefined); // only if now empty
  }
  return removed;
}

async function writeMerged(
  ctx: MergeContext,
  sink: SinkConfig,
  path: string,
  query: Query,
  staged: Staged[],
  schema: Schema,
  s3: () => S3Client,
): Promise<void> {
  const present = path.startsWith('s3://') ? () => s3ObjectExists(s3(), path) : () => exists(path);
  if (sink.ifExists !== 'overwrite' && (await present())) {
    if (sink.ifExists === 'skip') {
      ctx.draft.warnings.push(`query ${query.name}: ${path} exists and ifExists is skip: kept as it was`);
      return;
    }
    throw new FanoutError(`${path} already exists and the sink says ifExists: error`, {
      context: { stage: 'sink', path, queryName: query.name },
    });
  }
  const batches = async function* () {
    for (const s of staged) yield* readStaged(s.path);
  };
  const written = await writeSink(sink, path, schema, batches(), s3);
  ctx.draft.outputs.push({
    query: query.name,
    type: sink.type,
    path,
    rows: written.rows,
    bytes: written.bytes,
  });
  ctx.log.info({ query: query.name, path, rows: written.rows, parts: staged.length }, 'output merged');
}
