import type { S3Client } from '@aws-sdk/client-s3';
import { Schema, type DataType, type RecordBatch } from 'apache-arrow';
import type { SinkConfig } from '../config/index.js';
import { sameType, unionSchemas, type WrittenFile } from '../sinks/index.js';
import { type DatasetStore, readStaged, withoutColumn } from '../datasets/index.js';

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
  /** The dataset part the shard wrote, relative to the dataset. */
  part: string;
  /** The same unit's results as staged, exact types, every column. */
  staged: string;
  schema: Schema;
}

/**
 * Each shard wrote its dataset parts under the union of its own units' schemas; readers that take one
 * schema for the whole dataset (DuckDB's read_parquet without union_by_name, Athena) need the run's.
 * The parts of a shard whose union differs are rewritten from the staged units, conformed one batch at
 * a time, each replaced whole through the dataset's store (atomic rename locally, one completed upload
 * on S3, with the sink's SSE settings). NDJSON parts carry no schema and stay. Returns the parts
 * rewritten, by relative path.
 */
export async function conformShardParts(
  store: DatasetStore,
  sink: SinkConfig,
  runSchema: Schema,
  accountKey: string,
  shards: StagedPart[][],
  s3: () => S3Client,
): Promise<Map<string, WrittenFile>> {
  const rewritten = new Map<string, WrittenFile>();
  if (sink.type === 'ndjson') return rewritten;
  const fileSchema = withoutField(runSchema, accountKey);
  for (const parts of shards) {
    if (parts.length === 0) continue;
    const own = withoutField(unionSchemas(parts.map((p) => p.schema)).schema, accountKey);
    if (sameColumns(own, fileSchema)) continue;
    for (const p of parts) {
      const batches = async function* (): AsyncGenerator<RecordBatch> {
        for await (const b of readStaged(p.staged, s3)) yield withoutColumn(b, accountKey);
      };
      rewritten.set(p.part, await store.writePart(p.part, fileSchema, batches()));
    }
  }
  return rewritten;
}
