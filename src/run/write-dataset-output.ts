import type { SinkConfig } from '../config/index.js';
import { type DatasetStore, SUCCESS_MARKER, writePartitioned } from '../datasets/index.js';
import type { Written } from './attempt-output.js';
import { mayWrite } from './if-exists.js';
import { type QueryOutputs, unitParts } from './query-outputs.js';

/**
 * A `layout: partitioned` sink: the query's dataset under `path`, one part per unit; a shard writes
 * its share, and `merge` finishes the dataset. An existing dataset is one with its `_SUCCESS` marker.
 * Undefined when ifExists kept the dataset.
 */
export async function writeDatasetOutput(
  q: QueryOutputs,
  sink: SinkConfig,
  store: DatasetStore,
): Promise<Written> {
  const { query } = q;
  const marker = `${store.location}/${SUCCESS_MARKER}`;
  const present = () => store.exists(SUCCESS_MARKER);
  if (!(await mayWrite(sink, query.name, marker, present, { warnings: q.warnings, kept: 'dataset kept' }))) {
    return undefined;
  }
  const accountKey = query.provenance.find((p) => p.field === 'account_id')?.name ?? 'account_id';
  const written = await writePartitioned(
    sink,
    store,
    query.name,
    q.runId,
    q.schema,
    unitParts(q),
    accountKey,
    q.shard !== undefined,
  );
  q.log.info({ query: query.name, path: written.path, rows: written.rows }, 'dataset written');
  return written;
}
