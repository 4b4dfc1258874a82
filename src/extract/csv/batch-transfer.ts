import { isMarkedAsUntransferable } from 'node:worker_threads';
import { Data, DataType, Field, RecordBatch, Schema, Struct, Timestamp, type TimeUnit } from 'apache-arrow';

/** One column's Arrow buffers as plain typed arrays, which postMessage can move without copying. */
export interface ColumnTransfer {
  offset: number;
  length: number;
  nullCount: number;
  /** Arrow's buffer order: value offsets, values, validity bitmap, type ids. */
  buffers: (ArrayBufferView | undefined)[];
  children: ColumnTransfer[];
}

export interface BatchTransfer {
  length: number;
  columns: ColumnTransfer[];
  /** Each top-level timestamp column's unit: the values may need a finer one than the schema's. */
  units: (TimeUnit | undefined)[];
}

/**
 * A batch as its buffers, and the ArrayBuffers to transfer with them. The receiver must own nothing
 * else in those ArrayBuffers: the column builders allocate one per buffer.
 */
export function batchToTransfer(batch: RecordBatch): { message: BatchTransfer; transfer: ArrayBuffer[] } {
  const transfer = new Set<ArrayBuffer>();
  const column = (data: Data): ColumnTransfer => {
    const buffers = [data.valueOffsets, data.values, data.nullBitmap, data.typeIds].map((b) => {
      const view = (b ?? undefined) as ArrayBufferView | undefined;
      const buffer = view?.buffer as ArrayBuffer | undefined;
      // Node's shared pool of small Buffers cannot move; such a buffer is copied instead.
      if (buffer && buffer.byteLength > 0 && !isMarkedAsUntransferable(buffer)) transfer.add(buffer);
      return view;
    });
    return {
      offset: data.offset,
      length: data.length,
      nullCount: data.nullCount,
      buffers,
      children: data.children.map(column),
    };
  };
  const units = batch.schema.fields.map((f: Field<DataType>) =>
    DataType.isTimestamp(f.type) ? f.type.unit : undefined,
  );
  const message = { length: batch.numRows, columns: batch.data.children.map(column), units };
  return { message, transfer: [...transfer] };
}

/**
 * The batch again, typed by `schema` (the one it was built with, timestamp columns at the unit the
 * sender's batch had): no bytes are copied.
 */
export function batchFromTransfer(declared: Schema, message: BatchTransfer): RecordBatch {
  const asSent = (f: Field<DataType>, i: number): Field<DataType> => {
    const type = f.type;
    const unit = message.units[i];
    if (!DataType.isTimestamp(type) || unit === undefined || unit === type.unit) return f;
    return new Field(f.name, new Timestamp(unit, type.timezone), f.nullable, f.metadata);
  };
  const fields = declared.fields.map(asSent);
  const schema = fields.some((f, i) => f !== declared.fields[i])
    ? new Schema(fields, declared.metadata)
    : declared;
  const column = (type: DataType, t: ColumnTransfer): Data => {
    const children = t.children.map((c, i) => column((type.children[i] as Field<DataType>).type, c));
    return new Data(type, t.offset, t.length, t.nullCount, t.buffers as never, children);
  };
  const children = schema.fields.map((f: Field<DataType>, i) => column(f.type, message.columns[i]!));
  const data = new Data(new Struct(schema.fields), 0, message.length, 0, undefined, children);
  return new RecordBatch(schema, data);
}
