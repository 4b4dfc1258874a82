import { stat } from 'node:fs/promises';
import { S3Client } from '@aws-sdk/client-s3';
import type { Schema } from 'apache-arrow';
import type { Logger } from 'pino';
import { awsClientConfig, s3ObjectExists } from '../aws/index.js';
import type { PipelineConfig, SinkConfig } from '../config/index.js';
import { FanoutError, unitError } from '../errors.js';
import {
  attemptOutput,
  type ManifestDraft,
  mayWrite,
  renderPath,
  sinkPathVars,
  type Written,
} from '../run/index.js';
import { unionSchemas, writeSink } from '../sinks/index.js';
import type { Manifest } from '../manifest.js';
import { finishDataset, type StagedResult } from './finish-dataset.js';
import { removeS3Staging } from './remove-staging.js';
import { isStaged, readStaged, stagedPartPath, stagedSchema, datasetStore } from '../datasets/index.js';
import { shardStagingRoot } from '../plan/index.js';

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

/**
 * The outputs of a sharded run, per query: the staged units of every shard read for their schemas and
 * unioned as a single run would; partitioned datasets conformed to that schema, cleared of stale parts
 * and marked complete; each merged sink written from the staged units, streamed one record batch at a
 * time (the writers conform each batch), so memory holds a batch and a row group, never a part.
 * Each output is attempted alone: one that fails is recorded as failed and the others are written.
 */
export async function mergeOutputs(ctx: MergeContext): Promise<void> {
  const { config } = ctx;
  let s3Client: S3Client | undefined;
  const s3 = () => (s3Client ??= new S3Client(awsClientConfig('s3', { region: config.region })));
  // {runDate}: the day the run started, as its earliest shard saw it (what a single run would use).
  const started = new Date(ctx.shards.map((m) => m.startedAt).sort()[0] ?? Date.now());
  try {
    for (const query of config.queries) await mergeQuery(ctx, query, s3, started);
    await removeS3Staging(shardStagingRoot(config, ctx.runId), ctx, s3);
  } finally {
    s3Client?.destroy();
  }
}

/**
 * One query's outputs, each attempted alone: one that fails is recorded as failed with its error and
 * the others are still written. When the staged units cannot even be read, every sink of the query
 * fails with that error.
 */
async function mergeQuery(ctx: MergeContext, query: Query, s3: () => S3Client, started: Date): Promise<void> {
  const { config, runId, draft } = ctx;
  const vars = sinkPathVars(query.name, runId, started, config.region);
  const targets = config.sinks.map((sink) => {
    const path = renderPath(sink.path, vars);
    return sink.layout === 'partitioned'
      ? { sink, path, store: datasetStore(sink, path, query.name, s3) }
      : { sink, path };
  });
  let staged: StagedResult[];
  let schema: Schema;
  try {
    staged = await stagedUnits(ctx, query, s3);
    if (staged.length === 0) {
      draft.warnings.push(`query ${query.name}: no account succeeded, so no output file was written`);
      return;
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
      return;
    }
    schema = union.schema;
  } catch (err) {
    const failure = err instanceof Error ? err : new Error(String(err));
    for (const t of targets) {
      const target = { query: query.name, type: t.sink.type, path: t.store?.location ?? t.path };
      await attemptOutput(draft.outputs, target, ctx.log, () => Promise.reject(failure));
    }
    return;
  }
  for (const { sink, path, store } of targets) {
    const target = { query: query.name, type: sink.type, path: store?.location ?? path };
    await attemptOutput(draft.outputs, target, ctx.log, async () => {
      if (!store) return writeMerged(ctx, sink, path, query, staged, schema, s3);
      const { output, warning } = await finishDataset({
        store,
        sink,
        query,
        runId,
        region: draft.region,
        shards: ctx.shards,
        allPresent: ctx.allPresent,
        staged,
        schema,
        s3,
        log: ctx.log,
      });
      if (warning) draft.warnings.push(warning);
      return output;
    });
  }
}

/** The run's succeeded units of `query` in shard order, each with its staged results' schema. */
async function stagedUnits(ctx: MergeContext, query: Query, s3: () => S3Client): Promise<StagedResult[]> {
  const root = shardStagingRoot(ctx.config, ctx.runId);
  const out: StagedResult[] = [];
  for (const m of ctx.shards) {
    for (const unit of m.units) {
      if (unit.query !== query.name || unit.state !== 'succeeded') continue;
      const path = stagedPartPath(root, query.name, unit.accountId, unit.region ?? m.region);
      if (await isStaged(path, s3))
        out.push({ unit, shard: m.shard!.index, path, schema: await stagedSchema(path, s3) });
      else
        ctx.draft.warnings.push(
          `query ${query.name}: no staged results for account ${unit.accountId} (${path})`,
        );
    }
  }
  return out;
}

/** A merged sink written from the staged units; undefined when ifExists kept the file there. */
async function writeMerged(
  ctx: MergeContext,
  sink: SinkConfig,
  path: string,
  query: Query,
  staged: StagedResult[],
  schema: Schema,
  s3: () => S3Client,
): Promise<Written> {
  const present = path.startsWith('s3://') ? () => s3ObjectExists(s3(), path) : () => exists(path);
  const warn = { warnings: ctx.draft.warnings, kept: 'kept as it was' };
  if (!(await mayWrite(sink, query.name, path, present, warn))) return undefined;
  const batches = async function* () {
    for (const s of staged) yield* readStaged(s.path, s3);
  };
  const written = await writeSink(sink, path, schema, batches(), s3);
  ctx.log.info({ query: query.name, path, rows: written.rows, parts: staged.length }, 'output merged');
  return { rows: written.rows, bytes: written.bytes };
}
