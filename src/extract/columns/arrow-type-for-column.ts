import type { ColumnInfo } from '@aws-sdk/client-athena';
import {
  Binary,
  Bool,
  DataType,
  DateDay,
  Decimal,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  TimeUnit,
  Timestamp,
  Utf8,
} from 'apache-arrow';
import { FanoutError } from '../../errors.js';

const TYPE_NAME = /^([a-z ]+?)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?(\s+with time zone)?$/;

/**
 * The Arrow type a column's values are read into. Exact where Arrow has the type (integers, floats,
 * decimal, date, timestamp); everything else (varchar, json, array, map, row, time, interval, …) is
 * kept as the text Athena returned. varbinary becomes Binary. See docs/types.md.
 */
export function arrowTypeForColumn(col: ColumnInfo): DataType {
  const raw = (col.Type ?? '').trim().toLowerCase();
  const m = TYPE_NAME.exec(raw);
  const base = m?.[1] ?? raw;
  const zoned = m?.[4] !== undefined || base === 'timestamp with time zone';
  switch (base) {
    case 'boolean':
      return new Bool();
    case 'tinyint':
      return new Int8();
    case 'smallint':
      return new Int16();
    case 'integer':
    case 'int':
      return new Int32();
    case 'bigint':
      return new Int64();
    case 'real':
    case 'float':
      return new Float32();
    case 'double':
      return new Float64();
    case 'decimal':
      return decimalType(col, m?.[2], m?.[3]);
    case 'date':
      return new DateDay();
    case 'timestamp':
    case 'timestamp with time zone':
      return new Timestamp(timestampUnit(col, m?.[2]), zoned ? 'UTC' : null);
    case 'varbinary':
      return new Binary();
    default:
      return new Utf8();
  }
}

function decimalType(col: ColumnInfo, typePrecision?: string, typeScale?: string): Decimal {
  // ColumnInfo carries precision and scale for decimals; the type string is only a fallback.
  const precision =
    positive(col.Precision) ?? (typePrecision === undefined ? undefined : Number(typePrecision));
  const scale = col.Precision ? (col.Scale ?? 0) : Number(typeScale ?? '0');
  if (precision === undefined || precision > 38 || scale < 0 || scale > precision) {
    throw new FanoutError(
      `Column ${col.Name ?? '?'}: decimal precision/scale ${precision ?? '?'}/${scale} is not usable (1..38)`,
      { context: { stage: 'results', column: col.Name } },
    );
  }
  // Arrow's constructor takes the scale FIRST.
  return new Decimal(scale, precision, 128);
}

function timestampUnit(col: ColumnInfo, typePrecision?: string): TimeUnit {
  const p = typePrecision === undefined ? positive(col.Precision) : Number(typePrecision);
  if (p !== undefined && p > 6 && p <= 9) return TimeUnit.NANOSECOND;
  if (p !== undefined && p > 3 && p <= 6) return TimeUnit.MICROSECOND;
  return TimeUnit.MILLISECOND;
}

function positive(n: number | undefined): number | undefined {
  return n !== undefined && n > 0 ? n : undefined;
}
