import { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from 'pino';
import { awsClientConfig } from '../aws/index.js';
import type { PipelineConfig } from '../config/index.js';
import type { OutputRecord } from '../manifest.js';
import { datasetStore, stagingDir } from '../datasets/index.js';
import { removeSpillArea } from '../sinks/index.js';
import { attemptOutput } from './attempt-output.js';
import type { QueryOutputs } from './query-outputs.js';
import { querySchema } from './query-schema.js';
import { type CatalogCredentials, registerDataset } from './register-dataset.js';
import { renderPath, sinkPathVars } from './render-path.js';
import { stageQueryUnits } from './stage-query-units.js';
import type { UnitValue } from './unit-value.js';
import { writeDatasetOutput } from './write-dataset-output.js';
import { writeMergedOutput } from './write-merged-output.js';

export { renderPath, runDateOf, sinkPathVars, type SinkPathVars } from './render-path.js';

export interface WriteOutputsOptions {
  /** This shard's staging area: partitioned sinks get its share, merged ones are left to `merge`. */
  shard?: { stagingRoot: string };
  /** When the run started: gives `{runDate}` (default: now). */
  started?: Date;
  /** For sinks with `register:` (without it, their tables are not registered). */
  catalogCredentials?: CatalogCredentials;
}

/**
 * Writes one merged file per query and sink from the units that succeeded, in account order. Each
 * unit's spilled results are streamed back batch by batch (the writers conform each batch to the
 * merged schema), so memory holds a batch and a row group, never a whole result. A sink whose file
 * exists follows its `ifExists`: overwrite (atomically), error, or skip.
 * Each output is attempted alone: one that fails (ifExists: error, a full disk, a refused upload) is
 * recorded as failed with its error, and every other output of every query is still written; the
 * spilled results are removed only once every output was attempted.
 * One shard of a run (`shard`) writes partitioned sinks as its share of the dataset and stages its units
 * under `shard.stagingRoot`; `merge` writes the merged sinks from them and finishes the datasets.
 */
export async function writeOutputs(
  config: PipelineConfig,
  runId: string,
  results: UnitValue[],
  log: Logger,
  opts: WriteOutputsOptions = {},
) {
  const { shard } = opts;
  const started = opts.started ?? new Date();
  const outputs: OutputRecord[] = [];
  const warnings: string[] = [];
  // s3:// sinks upload with the base credentials (the SDK's default chain), in the run's region.
  let s3Client: S3Client | undefined;
  const s3 = () => (s3Client ??= new S3Client(awsClientConfig('s3', { region: config.region })));
  try {
    for (const query of config.queries) {
      const units = results.filter((r) => r.record.query === query.name && r.data);
      if (units.length === 0) {
        warnings.push(`query ${query.name}: no account succeeded, so no output file was written`);
        continue;
      }
      const schema = querySchema(query, units, warnings);
      if (!schema) continue;
      const q: QueryOutputs = { config, runId, query, units, schema, log, s3, outputs, warnings };
      if (shard) q.shard = shard;
      await writeQueryOutputs(q, started, opts.catalogCredentials);
    }
  } finally {
    s3Client?.destroy();
    await removeSpillArea();
  }
  return { outputs, warnings };
}

/** One query's outputs, each attempted alone: a shard's staged units, then each sink in its mode. */
async function writeQueryOutputs(
  q: QueryOutputs,
  started: Date,
  catalog: CatalogCredentials | undefined,
): Promise<void> {
  const { config, query, runId, shard, log, outputs } = q;
  const vars = sinkPathVars(query.name, runId, started, config.region);
  if (shard && config.sinks.length > 0) {
    const target = { query: query.name, type: 'staging', path: stagingDir(shard.stagingRoot, query.name) };
    await attemptOutput(outputs, target, log, () => stageQueryUnits(q, shard.stagingRoot));
  }
  for (const sink of config.sinks) {
    const path = renderPath(sink.path, vars);
    if (sink.layout === 'partitioned') {
      const store = datasetStore(sink, path, query.name, q.s3);
      const target = { query: query.name, type: sink.type, path: store.location };
      const record = await attemptOutput(outputs, target, log, () =>
        writeDatasetOutput(q, sink, store, vars.runDate),
      );
      // A shard's share is not the whole dataset: its table is left as it was.
      if (record?.state === 'written' && catalog && !shard)
        await registerDataset(q, sink, store, record, catalog);
    }
    // A shard's merged files are written by `merge`, from its staged units.
    else if (!shard) {
      const target = { query: query.name, type: sink.type, path };
      await attemptOutput(outputs, target, log, () => writeMergedOutput(q, sink, path));
    }
  }
}
