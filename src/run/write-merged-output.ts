import { stat } from 'node:fs/promises';
import { s3ObjectExists } from '../aws/index.js';
import type { SinkConfig } from '../config/index.js';
import { readSpilled, writeSink } from '../sinks/index.js';
import type { Written } from './attempt-output.js';
import { mayWrite } from './if-exists.js';
import type { QueryOutputs } from './query-outputs.js';

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * A merged sink: one file at `path` (local or s3://) from every unit's spilled results, streamed back
 * batch by batch in account order (the writer conforms each batch to the merged schema). Undefined when
 * ifExists kept the file there.
 */
export async function writeMergedOutput(q: QueryOutputs, sink: SinkConfig, path: string): Promise<Written> {
  const { query } = q;
  const present = path.startsWith('s3://') ? () => s3ObjectExists(q.s3(), path) : () => exists(path);
  if (!(await mayWrite(sink, query.name, path, present, { warnings: q.warnings, kept: 'kept as it was' }))) {
    return undefined;
  }
  const batches = async function* () {
    for (const u of q.units) yield* readSpilled(u.data!);
  };
  const written = await writeSink(sink, path, q.schema, batches(), q.s3);
  q.log.info({ query: query.name, path, rows: written.rows }, 'output written');
  return { rows: written.rows, bytes: written.bytes };
}
