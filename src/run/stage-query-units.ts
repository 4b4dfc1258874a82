import { stageUnits } from '../datasets/index.js';
import { stagingSink } from '../plan/index.js';
import { s3Options } from '../sinks/index.js';
import type { Written } from './attempt-output.js';
import { type QueryOutputs, unitParts } from './query-outputs.js';

/**
 * A shard's units of one query staged under its staging root, whatever the sinks: `merge` needs every
 * unit's exact schema (and data) to write merged files and to conform each shard's dataset parts to
 * the run's schema.
 */
export async function stageQueryUnits(q: QueryOutputs, stagingRoot: string): Promise<Written> {
  const sink = stagingSink(q.config);
  const upload = sink ? s3Options(sink) : {};
  const staged = await stageUnits(stagingRoot, q.query.name, unitParts(q), q.s3, upload);
  q.log.info({ query: q.query.name, path: staged.path, rows: staged.rows }, 'units staged for merge');
  return staged;
}
