import { RecordBatch, Struct, makeData, type Data, type DataType, type Schema } from 'apache-arrow';
import { FanoutError } from '../errors.js';
import { castData } from './cast-data.js';
import { sameType } from './merge-types.js';
import { nullData } from './null-data.js';

/**
 * Reorder, add all-null columns and cast so that `batch` has exactly `schema`: the same names, order,
 * types and nullability (the Arrow IPC writer silently ends the file on a batch whose schema differs).
 * Casts follow unionSchemas; a column of `batch` that `schema` does not have is an error rather than
 * silently dropped data. A batch that already conforms is returned as is.
 */
export function conformBatch(batch: RecordBatch, schema: Schema): RecordBatch {
  if (schema.fields.length === 0) {
    throw new FanoutError('cannot write a table without columns', { context: { stage: 'sink' } });
  }
  const byName = new Map<string, number>();
  batch.schema.fields.forEach((f, i) => {
    if (!byName.has(f.name)) byName.set(f.name, i);
  });
  const wanted = new Set(schema.fields.map((f) => f.name));
  const extra = batch.schema.fields.filter((f) => !wanted.has(f.name)).map((f) => f.name);
  if (extra.length > 0) {
    throw new FanoutError(`batch has columns not in the output schema: ${extra.join(', ')}`, {
      context: { stage: 'sink', columns: extra },
    });
  }

  const length = batch.numRows;
  const children: Data[] = schema.fields.map((field) => {
    const type = field.type as DataType;
    const index = byName.get(field.name);
    if (index === undefined) {
      if (!field.nullable && length > 0) {
        throw new FanoutError(`column "${field.name}" is missing from a batch but is not nullable`, {
          context: { stage: 'sink', column: field.name },
        });
      }
      return nullData(type, length);
    }
    const data = batch.data.children[index] as Data;
    const same = sameType(data.type, type);
    const cast = same ? data : castData(data, type, field.name);
    if (!field.nullable && cast.nullCount > 0) {
      throw new FanoutError(`column "${field.name}" has nulls but is not nullable in the output schema`, {
        context: { stage: 'sink', column: field.name },
      });
    }
    return cast;
  });
  const unchanged =
    batch.schema.fields.length === schema.fields.length &&
    children.every((c, i) => c === batch.data.children[i]) &&
    batch.schema.fields.every((f, i) => f.nullable === schema.fields[i]!.nullable);
  if (unchanged) return batch;
  return new RecordBatch(
    schema,
    makeData({ type: new Struct(schema.fields), length, nullCount: 0, children }),
  );
}
