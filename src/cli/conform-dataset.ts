import { Schema, type DataType, type RecordBatch } from 'apache-arrow';
import type { SinkConfig } from '../config/index.js';
import { sameType, unionSchemas } from '../sinks/index.js';
import { readStaged } from './shard-staging.js';
import { withoutColumn } from './write-partitioned.js';
import { writeSink } from './write-sink.js';

/** Same columns, in the same order, of the same types and nullability. */
function sameColumns(a: Schema, b: Schema): boolean {
  return (
    a.fields.length === b.fields.length &&
    a.fields.every((f, i) => {
      const g = b.fields[i]!;
      return (
        f.name === g.name && f.nullable === g.nullable && sameType(f.type as DataType, g.type as DataType)
      );
    })
  );
}

function withoutField(schema: Schema, name: string): Schema {
  return new Schema(
    schema.fields.filter((f) => f.name !== name),
    schema.metadata,
  );
}

export interface StagedPart {
  /** The dataset part the shard wrote. */
  part: string;
  /** The same unit's results as staged, exact types, every column. */
  staged: string;
  schema: Schema;
}

/**
 * Each shard wrote its dataset parts under the union of its own units' schemas; readers that take one
 * schema for the whole dataset (DuckDB's read_parquet without union_by_name, Athena) need the run's.
 * The parts of a shard whose union differs are rewritten from the staged units, conformed one batch at
 * a time, atomically. NDJSON parts carry no schema and stay. Returns the parts rewritten.
 */
export async function conformShardParts(
  sink: SinkConfig,
  runSchema: Schema,
  accountKey: string,
  shards: StagedPart[][],
): Promise<number> {
  if (sink.type === 'ndjson') return 0;
  const fileSchema = withoutField(runSchema, accountKey);
  let rewritten = 0;
  for (const parts of shards) {
    if (parts.length === 0) continue;
    const own = withoutField(unionSchemas(parts.map((p) => p.schema)).schema, accountKey);
    if (sameColumns(own, fileSchema)) continue;
    for (const p of parts) {
      const batches = async function* (): AsyncGenerator<RecordBatch> {
        for await (const b of readStaged(p.staged)) yield withoutColumn(b, accountKey);
      };
      await writeSink(sink, p.part, fileSchema, batches());
      rewritten++;
    }
  }
  return rewritten;
}
