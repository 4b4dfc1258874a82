import { isMarkedAsUntransferable } from 'node:worker_threads';
import { Data, type DataType, type Field, RecordBatch, type Schema, Struct } from 'apache-arrow';

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
  const message = { length: batch.numRows, columns: batch.data.children.map(column) };
  return { message, transfer: [...transfer] };
}

/** The batch again, typed by `schema` (the one it was built with): no bytes are copied. */
export function batchFromTransfer(schema: Schema, message: BatchTransfer): RecordBatch {
  const column = (type: DataType, t: ColumnTransfer): Data => {
    const children = t.children.map((c, i) => column((type.children[i] as Field<DataType>).type, c));
    return new Data(type, t.offset, t.length, t.nullCount, t.buffers as never, children);
  };
  const children = schema.fields.map((f: Field<DataType>, i) => column(f.type, message.columns[i]!));
  const data = new Data(new Struct(schema.fields), 0, message.length, 0, undefined, children);
  return new RecordBatch(schema, data);
}
