import {
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBListValue,
  DuckDBArrayValue,
  DuckDBMapValue,
  DuckDBStructValue,
  DuckDBTimestampValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimeValue,
  DuckDBTypeId,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';

/** Athena's ColumnInfo for one result column. */
export interface AthenaColumn {
  name: string;
  type: string;
  precision: number;
  scale: number;
  caseSensitive: boolean;
}

/** Maps a DuckDB result type to the lowercase Trino name Athena reports. */
export function athenaType(t: DuckDBType): { type: string; precision: number; scale: number } {
  if (t.alias?.toUpperCase() === 'JSON') return { type: 'json', precision: 0, scale: 0 };
  switch (t.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return { type: 'boolean', precision: 0, scale: 0 };
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.UTINYINT:
      return { type: 'tinyint', precision: 3, scale: 0 };
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.USMALLINT:
      return { type: 'smallint', precision: 5, scale: 0 };
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UINTEGER:
      return { type: 'integer', precision: 10, scale: 0 };
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
      return { type: 'bigint', precision: 19, scale: 0 };
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return { type: 'decimal', precision: 38, scale: 0 };
    case DuckDBTypeId.FLOAT:
      return { type: 'real', precision: 24, scale: 0 };
    case DuckDBTypeId.DOUBLE:
      return { type: 'double', precision: 53, scale: 0 };
    case DuckDBTypeId.DECIMAL:
      return { type: 'decimal', precision: t.width, scale: t.scale };
    case DuckDBTypeId.DATE:
      return { type: 'date', precision: 0, scale: 0 };
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
      return { type: 'timestamp', precision: 3, scale: 0 };
    case DuckDBTypeId.TIMESTAMP_TZ:
      return { type: 'timestamp with time zone', precision: 3, scale: 0 };
    case DuckDBTypeId.TIME:
    case DuckDBTypeId.TIME_TZ:
      return { type: 'time', precision: 3, scale: 0 };
    case DuckDBTypeId.BLOB:
      return { type: 'varbinary', precision: 1073741824, scale: 0 };
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
      return { type: 'array', precision: 0, scale: 0 };
    case DuckDBTypeId.MAP:
      return { type: 'map', precision: 0, scale: 0 };
    case DuckDBTypeId.STRUCT:
      return { type: 'row', precision: 0, scale: 0 };
    case DuckDBTypeId.UUID:
      return { type: 'uuid', precision: 0, scale: 0 };
    case DuckDBTypeId.INTERVAL:
      return { type: 'interval day to second', precision: 0, scale: 0 };
    default:
      return { type: 'varchar', precision: 2147483647, scale: 0 };
  }
}

/** Java's Double.toString: plain between 1e-3 and 1e7, else `d.dddE±n`; always a fractional digit. */
export function javaDouble(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(x);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(x);
    return s.includes('.') ? s : `${s}.0`;
  }
  const [mantissa, exp] = x.toExponential().split('e') as [string, string];
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exp)}`;
}

/** Java's Float.toString: the shortest decimal that reads back as the same float32. */
export function javaFloat(x: number): string {
  if (!Number.isFinite(x) || x === 0) return javaDouble(x);
  for (let p = 1; p <= 9; p++) {
    const candidate = Number(x.toPrecision(p));
    if (Math.fround(candidate) === x) return javaDouble(candidate);
  }
  return javaDouble(x);
}

const pad = (n: number | bigint, width: number): string => String(n).padStart(width, '0');

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

/**
 * `2024-06-24 09:30:51.000` from epoch nanoseconds with `digits` fractional digits, as Athena prints
 * `timestamp(digits)` (0 digits: no dot).
 */
function timestampText(nanos: bigint, digits: number): string {
  const millis = floorDiv(nanos, 1_000_000n);
  const iso = new Date(Number(millis)).toISOString();
  const fraction = `${iso.slice(20, 23)}${pad(nanos - millis * 1_000_000n, 6)}`.slice(0, digits);
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${digits > 0 ? `.${fraction}` : ''}`;
}

export function decimalText(value: bigint, scale: number): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, digits.length - scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

/**
 * A value as Athena's GetQueryResults and CSV print it; null stays null (nested nulls print `null`).
 * `timestampDigits`: the fractional digits of DuckDB's microsecond TIMESTAMP / TIMESTAMPTZ (Athena's
 * default timestamp(3), or 6 for Iceberg's timestamp(6)); TIMESTAMP_S prints 0, _MS 3, _NS 9.
 */
export function formatValue(v: DuckDBValue, t: DuckDBType, timestampDigits = 3): string | null {
  if (v === null) return null;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') {
    if (t.typeId === DuckDBTypeId.DOUBLE) return javaDouble(v);
    if (t.typeId === DuckDBTypeId.FLOAT) return javaFloat(v);
    return String(v);
  }
  if (typeof v === 'string') return v;
  if (v instanceof DuckDBDecimalValue) return decimalText(v.value, v.scale);
  if (v instanceof DuckDBDateValue) {
    return new Date(v.days * 86_400_000).toISOString().slice(0, 10);
  }
  if (v instanceof DuckDBTimestampTZValue) return `${timestampText(v.micros * 1000n, timestampDigits)} UTC`;
  if (v instanceof DuckDBTimestampValue) return timestampText(v.micros * 1000n, timestampDigits);
  if (v instanceof DuckDBTimestampMillisecondsValue) return timestampText(v.millis * 1_000_000n, 3);
  if (v instanceof DuckDBTimestampSecondsValue) return timestampText(v.seconds * 1_000_000_000n, 0);
  if (v instanceof DuckDBTimestampNanosecondsValue) return timestampText(v.nanos, 9);
  if (v instanceof DuckDBTimeValue) {
    const ms = v.micros / 1000n;
    return `${pad(ms / 3_600_000n, 2)}:${pad((ms / 60_000n) % 60n, 2)}:${pad((ms / 1000n) % 60n, 2)}.${pad(ms % 1000n, 3)}`;
  }
  if (v instanceof DuckDBBlobValue) return [...v.bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  const nested = (value: DuckDBValue, type: DuckDBType): string =>
    formatValue(value, type, timestampDigits) ?? 'null';
  if (v instanceof DuckDBListValue || v instanceof DuckDBArrayValue) {
    const itemType = t.typeId === DuckDBTypeId.LIST || t.typeId === DuckDBTypeId.ARRAY ? t.valueType : t;
    return `[${v.items.map((i) => nested(i, itemType)).join(', ')}]`;
  }
  if (v instanceof DuckDBMapValue) {
    const [kt, vt] = t.typeId === DuckDBTypeId.MAP ? [t.keyType, t.valueType] : [t, t];
    return `{${v.entries.map((e) => `${nested(e.key, kt)}=${nested(e.value, vt)}`).join(', ')}}`;
  }
  if (v instanceof DuckDBStructValue) {
    const entries = Object.entries(v.entries).map(([name, value]) => {
      const ft = t.typeId === DuckDBTypeId.STRUCT ? t.typeForEntry(name) : t;
      return `${name}=${nested(value, ft)}`;
    });
    return `{${entries.join(', ')}}`;
  }
  return v.toString();
}

/** Athena's CSV: every non-null value double-quoted with `"` doubled, NULL as an empty unquoted field. */
export function csvLine(values: readonly (string | null)[]): string {
  return `${values.map((v) => (v === null ? '' : `"${v.replaceAll('"', '""')}"`)).join(',')}\n`;
}
