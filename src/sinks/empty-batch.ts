import { RecordBatch, Struct, makeData, type Data, type DataType, type Schema } from 'apache-arrow';
import { nullData } from './null-data.js';

/** A zero-row batch, written when a source yields nothing so the file still carries the schema. */
export function emptyBatch(schema: Schema): RecordBatch {
  const children: Data[] = schema.fields.map((f) => nullData(f.type as DataType, 0));
  return new RecordBatch(
    schema,
    makeData({ type: new Struct(schema.fields), length: 0, nullCount: 0, children }),
  );
}
