import { readdir, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from 'pino';
import { awsClientConfig } from '../auth-chain/index.js';
import type { PipelineConfig, SinkConfig } from '../config/index.js';
import { FanoutError } from '../errors.js';
import type { ManifestDraft } from '../run-report.js';
import { s3ObjectExists, unionSchemas, writeFileAtomic } from '../sinks/index.js';
import type { Manifest, UnitRecord } from '../types.js';
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

/**
 * Finishes one partitioned dataset the shards wrote together: every file under `<key>=…/` that is not
 * the part of a unit of this run that succeeded goes (a previous run's parts, an account no longer
 * selected, a temp file of a killed writer), then `_SUCCESS`, last, when `complete`.
 */
async function finishDataset(
  dataset: string,
  keep: Set<string>,
  accountKey: string,
  complete: boolean,
): Promise<number> {
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
  if (complete) await writeFileAtomic(join(dataset, '_SUCCESS'), (temp) => writeFile(temp, ''));
  return removed;
}

interface MergeContext {
  config: PipelineConfig;
  runId: string;
  draft: ManifestDraft;
  shards: Manifest[];
  /** Every shard present: stale parts may be cleared (no shard is still writing). */
  allPresent: boolean;
  log: Logger;
}

/**
 * The outputs of a sharded run: partitioned datasets cleared of stale parts and marked complete, and
 * each merged sink written from the staged units, streamed one record batch at a time (the writers
 * conform each batch to the union schema), so memory holds a batch and a row group, never a part.
 */
export async function mergeOutputs(ctx: MergeContext): Promise<void> {
  const { config, runId, draft, log } = ctx;
  let s3Client: S3Client | undefined;
  const s3 = () => (s3Client ??= new S3Client(awsClientConfig('s3', { region: config.region })));
  try {
    for (const query of config.queries) {
      const vars = { query: query.name, runId, runDate: runId.slice(0, 8), region: config.region };
      const units = draft.units
        .filter((u) => u.query === query.name && u.state === 'succeeded')
        .sort((a, b) => (a.accountId + (a.region ?? '') < b.accountId + (b.region ?? '') ? -1 : 1));
      for (const sink of config.sinks.filter((k) => k.layout === 'partitioned')) {
        await finishPartitioned(ctx, sink, renderPath(sink.path, vars), query, units);
      }
      const merged = config.sinks.filter((k) => k.layout !== 'partitioned');
      if (merged.length > 0) await mergeStaged(ctx, merged, vars, query, units, s3);
    }
  } finally {
    s3Client?.destroy();
  }
  log.debug({ outputs: draft.outputs.length }, 'outputs merged');
}

type Query = PipelineConfig['queries'][number];

async function finishPartitioned(
  ctx: MergeContext,
  sink: SinkConfig,
  root: string,
  query: Query,
  units: UnitRecord[],
): Promise<void> {
  const dataset = join(root, `query=${encodeURIComponent(query.name)}`);
  const parts = ctx.shards.flatMap((m) =>
    m.outputs.filter((o) => o.query === query.name && o.path === dataset),
  );
  // No shard wrote it (ifExists kept it, or nothing succeeded): leave it as it is.
  if (parts.length === 0) return;
  if (root.startsWith('s3://')) {
    ctx.draft.warnings.push(`query ${query.name}: ${dataset}: merge does not finish s3:// datasets yet`);
    return;
  }
  const accountKey = query.provenance.find((p) => p.field === 'account_id')?.name ?? 'account_id';
  const keep = new Set(
    units.map((u) =>
      sharedPartPath(
        root,
        query.name,
        accountKey,
        u.accountId,
        u.region ?? ctx.draft.region,
        EXTENSION[sink.type],
      ),
    ),
  );
  const complete = ctx.allPresent && !ctx.shards.some(shardFailed);
  if (ctx.allPresent) {
    const removed = await finishDataset(dataset, keep, accountKey, complete);
    if (removed > 0) ctx.log.info({ path: dataset, removed }, 'stale parts removed');
  }
  if (!complete) {
    ctx.draft.warnings.push(
      `query ${query.name}: ${dataset} has no _SUCCESS: a shard is missing or failed (run it again, then merge)`,
    );
  }
  const rows = parts.reduce((n, p) => n + p.rows, 0);
  const bytes = parts.reduce((n, p) => n + p.bytes, 0);
  ctx.draft.outputs.push({ query: query.name, type: sink.type, path: dataset, rows, bytes });
  ctx.log.info({ query: query.name, path: dataset, rows, complete }, 'dataset merged');
}

async function mergeStaged(
  ctx: MergeContext,
  sinks: SinkConfig[],
  vars: Record<string, string>,
  query: Query,
  units: UnitRecord[],
  s3: () => S3Client,
): Promise<void> {
  const { draft } = ctx;
  const root = shardStagingRoot(ctx.config.manifest, ctx.runId);
  const parts: { unit: UnitRecord; path: string }[] = [];
  for (const unit of units) {
    const path = stagedPartPath(root, query.name, unit.accountId, unit.region ?? draft.region);
    if (await isFile(path)) parts.push({ unit, path });
    else
      draft.warnings.push(`query ${query.name}: no staged results for account ${unit.accountId} (${path})`);
  }
  if (parts.length === 0) {
    draft.warnings.push(`query ${query.name}: no account succeeded, so no output file was written`);
    return;
  }
  const schemas = [];
  for (const p of parts) schemas.push(await stagedSchema(p.path));
  const union = unionSchemas(
    schemas,
    parts.map((p) => `account ${p.unit.accountId}`),
  );
  draft.warnings.push(...union.warnings.map((w) => `query ${query.name}: ${w}`));
  if (query.schema === 'strict' && union.incompatible.length > 0) {
    const message = `query ${query.name}: schema: strict and the accounts disagree on the type of ${union.incompatible.join(', ')}; no output written`;
    draft.warnings.push(message);
    for (const { unit } of parts) {
      unit.state = 'failed';
      unit.error = unitError(new FanoutError(message, { context: { stage: 'sink', queryName: query.name } }));
    }
    return;
  }
  const batches = async function* () {
    for (const p of parts) yield* readStaged(p.path);
  };
  for (const sink of sinks) {
    const path = renderPath(sink.path, vars);
    const present = path.startsWith('s3://') ? () => s3ObjectExists(s3(), path) : () => exists(path);
    if (sink.ifExists !== 'overwrite' && (await present())) {
      if (sink.ifExists === 'skip') {
        draft.warnings.push(`query ${query.name}: ${path} exists and ifExists is skip: kept as it was`);
        continue;
      }
      throw new FanoutError(`${path} already exists and the sink says ifExists: error`, {
        context: { stage: 'sink', path, queryName: query.name },
      });
    }
    const written = await writeSink(sink, path, union.schema, batches(), s3);
    draft.outputs.push({
      query: query.name,
      type: sink.type,
      path,
      rows: written.rows,
      bytes: written.bytes,
    });
    ctx.log.info({ query: query.name, path, rows: written.rows, parts: parts.length }, 'output merged');
  }
}
