import type { AppendMode, SinkConfig } from '../config/index.js';
import {
  type DatasetStore,
  isRunPart,
  SUCCESS_MARKER,
  writeAppendPartition,
  writePartitioned,
} from '../datasets/index.js';
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
  runDate: string,
): Promise<Written> {
  const { query } = q;
  if (sink.append) return appendDatasetOutput(q, { ...sink, append: sink.append }, store, runDate);
  const marker = `${store.location}/${SUCCESS_MARKER}`;
  const present = () => store.exists(SUCCESS_MARKER);
  if (!(await mayWrite(sink, query.name, marker, present, { warnings: q.warnings, kept: 'dataset kept' }))) {
    return undefined;
  }
  const accountKey = accountKeyOf(q);
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

const accountKeyOf = ({ query }: QueryOutputs) =>
  query.provenance.find((p) => p.field === 'account_id')?.name ?? 'account_id';

/**
 * `mode: append`: this run's partition added, the oldest beyond `retention` deleted after. `ifExists`
 * is about this run id's own parts (a re-run of the same run id), never another run's.
 */
async function appendDatasetOutput(
  q: QueryOutputs,
  sink: SinkConfig & { append: AppendMode },
  store: DatasetStore,
  runDate: string,
): Promise<Written> {
  const present = async () => (await store.list()).some((f) => isRunPart(f.path, q.runId));
  const what = `${store.location} (run ${q.runId})`;
  if (
    !(await mayWrite(sink, q.query.name, what, present, { warnings: q.warnings, kept: 'its parts kept' }))
  ) {
    return undefined;
  }
  const written = await writeAppendPartition({
    sink,
    store,
    query: q.query.name,
    runId: q.runId,
    runDate,
    schema: q.schema,
    parts: unitParts(q),
    accountKey: accountKeyOf(q),
  });
  q.log.info({ query: q.query.name, path: written.path, rows: written.rows }, 'dataset partition appended');
  return written;
}
