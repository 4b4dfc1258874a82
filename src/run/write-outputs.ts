import { stat } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { PipelineConfig } from '../config/index.js';
import { FanoutError, unitError } from '../errors.js';
import { readSpilled, unionSchemas, removeSpillArea, writeSink } from '../sinks/index.js';
import { s3ObjectExists, awsClientConfig } from '../aws/index.js';
import { S3Client } from '@aws-sdk/client-s3';
import type { OutputRecord } from '../manifest.js';
import type { UnitValue } from './run-unit.js';
import { datasetStore, SUCCESS_MARKER, writePartitioned, stageUnits } from '../datasets/index.js';

export function renderPath(template: string, vars: Record<string, string>): string {
  return template.replace(/\{(query|runId|runDate|region)\}/g, (_, k: string) => vars[k] ?? '');
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Writes one merged file per query and sink from the units that succeeded, in account order. Each
 * unit's spilled results are streamed back batch by batch (the writers conform each batch to the
 * merged schema), so memory holds a batch and a row group, never a whole result. A sink whose file
 * exists follows its `ifExists`: overwrite (atomically), error, or skip.
 * One shard of a run (`shard`) writes partitioned sinks as its share of the dataset and stages its units
 * under `shard.stagingRoot`; `merge` writes the merged sinks from them and finishes the datasets.
 */
export async function writeOutputs(
  config: PipelineConfig,
  runId: string,
  results: UnitValue[],
  log: Logger,
  shard?: { stagingRoot: string },
) {
  const outputs: OutputRecord[] = [];
  const warnings: string[] = [];
  // s3:// sinks upload with the base credentials (the SDK's default chain), in the run's region.
  let s3Client: S3Client | undefined;
  const s3 = () => (s3Client ??= new S3Client(awsClientConfig('s3', { region: config.region })));
  try {
    for (const query of config.queries) {
      const units = results.filter((r) => r.record.query === query.name && r.data);
      const parts = units.map((r) => r.data!);
      if (parts.length === 0) {
        warnings.push(`query ${query.name}: no account succeeded, so no output file was written`);
        continue;
      }
      const labels = units.map((u) => `account ${u.record.accountId}`);
      const union = unionSchemas(
        parts.map((p) => p.schema),
        labels,
      );
      const { schema } = union;
      warnings.push(...union.warnings.map((w) => `query ${query.name}: ${w}`));
      if (query.schema === 'strict' && union.incompatible.length > 0) {
        const message = `query ${query.name}: schema: strict and the accounts disagree on the type of ${union.incompatible.join(', ')}; no output written`;
        warnings.push(message);
        for (const u of units) {
          u.record.state = 'failed';
          u.record.error = unitError(
            new FanoutError(message, { context: { stage: 'sink', queryName: query.name } }),
          );
        }
        continue;
      }
      const batches = async function* () {
        for (const p of parts) yield* readSpilled(p);
      };
      const vars = { query: query.name, runId, runDate: runId.slice(0, 8), region: config.region };
      // Staged whatever the sinks: merge needs every unit's exact schema (and data) to write merged
      // files and to conform each shard's dataset parts to the run's schema.
      if (shard && config.sinks.length > 0) {
        const staged = await stageUnits(
          shard.stagingRoot,
          query.name,
          units.map((u) => ({
            accountId: u.record.accountId,
            region: u.record.region ?? config.region,
            data: u.data!,
          })),
        );
        outputs.push({ query: query.name, type: 'staging', ...staged });
        log.info({ query: query.name, path: staged.path, rows: staged.rows }, 'units staged for merge');
      }
      for (const sink of config.sinks) {
        const path = renderPath(sink.path, vars);
        if (sink.layout === 'partitioned') {
          const store = datasetStore(sink, path, query.name, s3);
          const marker = `${store.location}/${SUCCESS_MARKER}`;
          if (sink.ifExists !== 'overwrite' && (await store.exists(SUCCESS_MARKER))) {
            if (sink.ifExists === 'skip') {
              warnings.push(`query ${query.name}: ${marker} exists and ifExists is skip: dataset kept`);
              continue;
            }
            throw new FanoutError(`${marker} already exists and the sink says ifExists: error`, {
              context: { stage: 'sink', path: marker, queryName: query.name },
            });
          }
          const accountKey = query.provenance.find((p) => p.field === 'account_id')?.name ?? 'account_id';
          const written = await writePartitioned(
            sink,
            store,
            query.name,
            runId,
            schema,
            units.map((u) => ({
              accountId: u.record.accountId,
              region: u.record.region ?? config.region,
              data: u.data!,
            })),
            accountKey,
            shard !== undefined,
          );
          outputs.push({ query: query.name, type: sink.type, ...written });
          log.info({ query: query.name, path: written.path, rows: written.rows }, 'dataset written');
          continue;
        }
        if (shard) continue;
        const present = path.startsWith('s3://') ? () => s3ObjectExists(s3(), path) : () => exists(path);
        if (sink.ifExists !== 'overwrite' && (await present())) {
          if (sink.ifExists === 'skip') {
            warnings.push(`query ${query.name}: ${path} exists and ifExists is skip: kept as it was`);
            continue;
          }
          throw new FanoutError(`${path} already exists and the sink says ifExists: error`, {
            context: { stage: 'sink', path, queryName: query.name },
          });
        }
        const written = await writeSink(sink, path, schema, batches(), s3);
        outputs.push({ query: query.name, type: sink.type, path, rows: written.rows, bytes: written.bytes });
        log.info({ query: query.name, path, rows: written.rows }, 'output written');
      }
    }
  } finally {
    s3Client?.destroy();
    await removeSpillArea();
  }
  return { outputs, warnings };
}
