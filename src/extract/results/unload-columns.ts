import type { ColumnInfo } from '@aws-sdk/client-athena';
import {
  type Data,
  DataType,
  DateUnit,
  Field,
  makeData,
  Precision,
  RecordBatch,
  Schema,
  Struct,
  TimeUnit,
  Timestamp,
  Type,
} from 'apache-arrow';
import { type BatchContext, resultError } from '../columns/build-record-batch.js';
import { buildConstant } from '../columns/build-column.js';
import { type ExtraColumn, schemaForColumns } from '../columns/schema-for-columns.js';

/**
 * The Athena type a Parquet column (as arrow-rs reads it) was written from by UNLOAD, as ColumnInfo:
 * UNLOAD's GetQueryResults has no column metadata, so the Parquet schema is all there is. Athena
 * writes timestamp(3) (as INT96, read as nanoseconds), so every timestamp is declared with
 * precision 3, as the API reports it.
 */
function columnInfo(field: Field<DataType>): ColumnInfo {
  const t = field.type;
  const info = (Type: string, Precision?: number, Scale?: number): ColumnInfo => ({
    Name: field.name,
    Type,
    ...(Precision === undefined ? {} : { Precision, Scale: Scale ?? 0 }),
  });
  if (DataType.isBool(t)) return info('boolean');
  if (DataType.isInt(t) && t.isSigned) {
    const names: Record<number, string> = { 8: 'tinyint', 16: 'smallint', 32: 'integer', 64: 'bigint' };
    return info(names[t.bitWidth]!);
  }
  if (DataType.isFloat(t)) return info(t.precision === Precision.SINGLE ? 'real' : 'double');
  if (DataType.isDecimal(t)) return info('decimal', t.precision, t.scale);
  if (DataType.isDate(t)) return info('date');
  if (DataType.isTimestamp(t)) return info(t.timezone ? 'timestamp with time zone' : 'timestamp', 3);
  if (DataType.isUtf8(t) || DataType.isLargeUtf8(t)) return info('varchar');
  if (DataType.isBinary(t) || DataType.isLargeBinary(t)) return info('varbinary');
  if (DataType.isList(t)) return info('array');
  if (DataType.isMap(t)) return info('map');
  if (DataType.isStruct(t)) return info('row');
  return info(`unsupported:${Type[t.typeId]}`);
}

const NESTED = new Set(['array', 'map', 'row']);

/**
 * The stream's schema from a Parquet part's: the extra columns first, then what schemaForColumns
 * gives the API and S3 paths for the same Athena types (field metadata included); arrays, maps and
 * rows keep their native Arrow types here.
 */
export function unloadSchema(parquet: Schema, extra: readonly ExtraColumn[], ctx: BatchContext): Schema {
  const columns = parquet.fields.map(columnInfo);
  const bad = columns.find((c) => c.Type!.startsWith('unsupported:'));
  if (bad) {
    throw resultError(
      ctx,
      undefined,
      bad.Name,
      `UNLOAD wrote a Parquet type the reader does not map: ${bad.Type!.slice(12)}`,
    );
  }
  const base = schemaForColumns(columns, [...extra]);
  const fields = base.fields.map((f, i) => {
    const c = i - extra.length;
    if (c < 0 || !NESTED.has(columns[c]!.Type!)) return f;
    return new Field(f.name, parquet.fields[c]!.type, true, f.metadata);
  });
  return new Schema(fields);
}

const PER_SECOND: Record<TimeUnit, bigint> = {
  [TimeUnit.SECOND]: 1n,
  [TimeUnit.MILLISECOND]: 1_000n,
  [TimeUnit.MICROSECOND]: 1_000_000n,
  [TimeUnit.NANOSECOND]: 1_000_000_000n,
};

/**
 * `to` widened to the unit the column's values need: Athena's Hive writer stores milliseconds, but a
 * part may carry finer values (Iceberg sources, INT96 read as nanoseconds), and the rule on every
 * path is that the values, not the metadata, decide the unit; nothing is ever truncated.
 */
function timestampTypeFor(data: Data, to: Timestamp): Timestamp {
  const fromType: DataType = data.type;
  if (!DataType.isTimestamp(fromType)) return to;
  const from = PER_SECOND[fromType.unit];
  const src = data.values as BigInt64Array;
  const holdsAll = (unit: TimeUnit): boolean => {
    if (PER_SECOND[unit] >= from) return true;
    const step = from / PER_SECOND[unit];
    for (let i = 0; i < data.length; i++) if (src[i]! % step !== 0n && data.getValid(i)) return false;
    return true;
  };
  const needed = [TimeUnit.MILLISECOND, TimeUnit.MICROSECOND].find(holdsAll) ?? TimeUnit.NANOSECOND;
  return needed > to.unit ? new Timestamp(needed, to.timezone) : to;
}

/** Timestamps to `to`'s unit (at least as fine as the values need, see timestampTypeFor). */
function convertTimestamps(data: Data, to: Timestamp): Data {
  const fromType: DataType = data.type;
  if (!DataType.isTimestamp(fromType)) return data.clone(to);
  const from = PER_SECOND[fromType.unit];
  const target = PER_SECOND[to.unit];
  const src = data.values as BigInt64Array;
  const out = new BigInt64Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = src[i]!;
    out[i] = from === target ? v : from < target ? v * (target / from) : v / (from / target);
  }
  const { offset, length, nullCount, nullBitmap } = data;
  return makeData({ type: to, offset, length, nullCount, nullBitmap, data: out });
}

/** One column of a Parquet batch as the stream's field type. */
function conformColumn(data: Data, field: Field<DataType>): Data {
  const to = field.type;
  const from: DataType = data.type;
  if (DataType.isTimestamp(to)) return convertTimestamps(data, timestampTypeFor(data, to));
  if (DataType.isDate(to) && DataType.isDate(from) && from.unit === DateUnit.MILLISECOND) {
    const days = Int32Array.from(data.values as unknown as BigInt64Array, (ms) => Number(ms / 86_400_000n));
    return makeData({
      type: to,
      offset: data.offset,
      length: data.length,
      nullCount: data.nullCount,
      nullBitmap: data.nullBitmap,
      data: days,
    });
  }
  return data.clone(to);
}

/**
 * A batch read from a Parquet part (arrow-rs → IPC → apache-arrow) as a batch of `schema`: the extra
 * columns as constants, then the part's columns converted where the types differ (timestamp units,
 * never coarser than the values need).
 */
export function conformUnloadBatch(
  batch: RecordBatch,
  schema: Schema,
  extra: readonly ExtraColumn[],
  firstRow: number,
  ctx: BatchContext,
): RecordBatch {
  const length = batch.numRows;
  const children: Data[] = extra.map((e, i) =>
    buildConstant(schema.fields[i]!.type as DataType, e.value, length),
  );
  const columns = schema.fields.length - extra.length;
  if (batch.schema.fields.length !== columns) {
    throw resultError(
      ctx,
      firstRow,
      undefined,
      `an UNLOAD part has ${batch.schema.fields.length} columns, the first had ${columns}`,
    );
  }
  for (let c = 0; c < columns; c++) {
    const field = schema.fields[extra.length + c] as Field<DataType>;
    children.push(conformColumn(batch.data.children[c]!, field));
  }
  // A timestamp column may come out finer than declared, as on the other paths: the batch says so.
  const fields = schema.fields.map((f, i) =>
    children[i]!.type === f.type ? f : new Field(f.name, children[i]!.type, f.nullable, f.metadata),
  );
  const batchSchema = fields.some((f, i) => f !== schema.fields[i])
    ? new Schema(fields, schema.metadata)
    : schema;
  return new RecordBatch(
    batchSchema,
    makeData({ type: new Struct(batchSchema.fields), length, nullCount: 0, children }),
  );
}
