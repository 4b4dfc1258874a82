import { Binary, type Data, DataType, DateUnit, type Int, makeData, Precision, Utf8 } from 'apache-arrow';
import { parseHexBytes } from './parse-hex-bytes.js';
import { parseDecimal } from './parse-decimal.js';
import { parseBoolean, parseFloatText, parseInt64, parseSmallInt } from './parse-number.js';
import { parseDateDays, parseTimestamp, parseZonedTimestamp } from './parse-date-time.js';
import { fractionDigitsOf, timestampTypeForDigits, unitDigits } from './timestamp-unit.js';
import { ValueError } from './value-error.js';

/**
 * One column of a batch as text, whatever it was read from (GetQueryResults rows, CSV fields).
 * `text(i)` is undefined for SQL NULL and "" for the empty string.
 */
export interface TextColumn {
  readonly length: number;
  text(i: number): string | undefined;
  /** Fast path for text columns: the Arrow data straight from the source bytes. */
  utf8?(): Data<Utf8>;
  /** Fast path for other types; undefined when it has none for `type`. */
  typed?(type: DataType, fail: ValueFailure): Data | undefined;
  /** Fast path: the most fractional-second digits any value prints (see fractionDigitsOf). */
  fractionDigits?(): number;
}

/** Called with the 0-based index within the batch; must throw. */
export type ValueFailure = (index: number, text: string, reason: string) => never;

interface Validity {
  bitmap: Uint8Array;
  nulls: number;
}

/**
 * One column of a batch, parsed straight into a typed array plus a validity bitmap.
 * NULL is NULL; "" is a value (and only valid for text columns).
 */
export function buildColumn(declared: DataType, rows: TextColumn, fail: ValueFailure): Data {
  const n = rows.length;
  // A timestamp column's unit follows the digits its values print; the batch's field takes the type.
  const type = DataType.isTimestamp(declared)
    ? timestampTypeForDigits(declared, maxFractionDigits(rows))
    : declared;
  if (DataType.isUtf8(type)) return rows.utf8 ? rows.utf8() : buildUtf8(type, rows);
  if (DataType.isBinary(type)) return buildBinary(type, rows, fail);
  const fast = rows.typed?.(type, fail);
  if (fast) return fast;
  if (DataType.isBool(type)) {
    const bits = new Uint8Array((n + 7) >> 3);
    const v = fill(rows, fail, (i, t) => {
      if (parseBoolean(t)) bits[i >> 3]! |= 1 << (i & 7);
    });
    return makeData({ type, length: n, data: bits, ...nullProps(v) });
  }
  if (DataType.isInt(type)) return buildInt(type, rows, fail);
  if (DataType.isFloat(type)) {
    const ft = type;
    const values = ft.precision === Precision.SINGLE ? new Float32Array(n) : new Float64Array(n);
    const v = fill(rows, fail, (i, t) => (values[i] = parseFloatText(t)));
    return makeData({ type: ft, length: n, data: values, ...nullProps(v) });
  }
  if (DataType.isDecimal(type)) {
    const dt = type;
    const words = new Uint32Array(n * 4);
    // Two 64-bit halves per value: little-endian two's complement, which is Arrow's Decimal128 layout.
    const halves = new BigInt64Array(words.buffer, words.byteOffset, n * 2);
    const v = fill(rows, fail, (i, t) => {
      const unscaled = parseDecimal(t, dt.precision, dt.scale);
      halves[2 * i] = BigInt.asIntN(64, unscaled);
      halves[2 * i + 1] = unscaled >> 64n;
    });
    return makeData({ type: dt, length: n, data: words, ...nullProps(v) });
  }
  if (DataType.isDate(type) && type.unit === DateUnit.DAY) {
    const days = new Int32Array(n);
    const v = fill(rows, fail, (i, t) => (days[i] = parseDateDays(t)));
    return makeData({ type, length: n, data: days, ...nullProps(v) });
  }
  if (DataType.isTimestamp(type)) {
    const tt = type;
    const digits = unitDigits(tt.unit);
    const parse = tt.timezone ? parseZonedTimestamp : parseTimestamp;
    const values = new BigInt64Array(n);
    const v = fill(rows, fail, (i, t) => (values[i] = parse(t, digits)));
    return makeData({ type: tt, length: n, data: values, ...nullProps(v) });
  }
  throw new Error(`buildColumn: unsupported Arrow type id ${type.typeId}`);
}

function buildInt(type: Int, rows: TextColumn, fail: ValueFailure): Data {
  const n = rows.length;
  if (type.bitWidth === 64) {
    const values = new BigInt64Array(n);
    const v = fill(rows, fail, (i, t) => (values[i] = parseInt64(t)));
    return makeData({ type, length: n, data: values, ...nullProps(v) });
  }
  const values =
    type.bitWidth === 8 ? new Int8Array(n) : type.bitWidth === 16 ? new Int16Array(n) : new Int32Array(n);
  const max = 2 ** (type.bitWidth - 1) - 1;
  const v = fill(rows, fail, (i, t) => (values[i] = parseSmallInt(t, -max - 1, max)));
  return makeData({ type, length: n, data: values, ...nullProps(v) });
}

function buildUtf8(type: Utf8, rows: TextColumn): Data {
  const n = rows.length;
  const offsets = new Int32Array(n + 1);
  const bitmap = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const text = rows.text(i);
    if (text === undefined) nulls++;
    else {
      bitmap[i >> 3]! |= 1 << (i & 7);
      total += Buffer.byteLength(text, 'utf8');
    }
    offsets[i + 1] = total;
  }
  if (total > 0x7fffffff)
    throw new Error('A text column exceeds 2 GiB in one batch; use a smaller batchRows');
  // One buffer for the whole column, written in place; no per-value Uint8Array.
  const bytes = Buffer.allocUnsafeSlow(total);
  for (let i = 0; i < n; i++) {
    const text = rows.text(i);
    if (text !== undefined && text !== '') bytes.write(text, offsets[i]!, 'utf8');
  }
  return makeData({ type, length: n, valueOffsets: offsets, data: bytes, ...nullProps({ bitmap, nulls }) });
}

/** varbinary: Athena prints bytes as space-separated hex pairs. */
function buildBinary(type: Binary, rows: TextColumn, fail: ValueFailure): Data {
  const n = rows.length;
  const parts: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(n);
  const offsets = new Int32Array(n + 1);
  let total = 0;
  const v = fill(rows, fail, (i, t) => {
    const bytes = parseHexBytes(t);
    parts[i] = bytes;
    total += bytes.length;
  });
  const data = new Uint8Array(total);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const part = parts[i];
    if (part) {
      data.set(part, at);
      at += part.length;
    }
    offsets[i + 1] = at;
  }
  return makeData({ type, length: n, valueOffsets: offsets, data, ...nullProps(v) });
}

/** An extra column: the same value (or NULL) in every row. */
export function buildConstant(type: DataType, value: string | undefined, n: number): Data {
  if (value === undefined) {
    const valueOffsets = DataType.isUtf8(type) ? new Int32Array(n + 1) : undefined;
    return makeData({
      type,
      length: n,
      nullCount: n,
      nullBitmap: new Uint8Array((n + 7) >> 3),
      ...(valueOffsets ? { valueOffsets, data: new Uint8Array(0) } : { data: new BigInt64Array(n) }),
    } as Parameters<typeof makeData>[0]);
  }
  if (DataType.isTimestamp(type)) {
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) throw new Error(`not an ISO 8601 instant: ${value}`);
    return makeData({ type, length: n, nullCount: 0, data: new BigInt64Array(n).fill(BigInt(ms)) });
  }
  return buildConstantUtf8(value, n);
}

/** The same text in every row (the extra columns such as account_id). */
export function buildConstantUtf8(value: string, n: number): Data<Utf8> {
  const one = Buffer.from(value, 'utf8');
  const bytes = new Uint8Array(one.length * n);
  const offsets = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    bytes.set(one, i * one.length);
    offsets[i + 1] = (i + 1) * one.length;
  }
  return makeData({ type: new Utf8(), length: n, valueOffsets: offsets, data: bytes, nullCount: 0 });
}

function fill(rows: TextColumn, fail: ValueFailure, set: (i: number, text: string) => void): Validity {
  const n = rows.length;
  const bitmap = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    const text = rows.text(i);
    if (text === undefined) {
      nulls++;
      continue;
    }
    bitmap[i >> 3]! |= 1 << (i & 7);
    try {
      set(i, text);
    } catch (err) {
      if (err instanceof ValueError) fail(i, text, err.message);
      throw err;
    }
  }
  return { bitmap, nulls };
}

function nullProps(v: Validity): { nullCount: number; nullBitmap?: Uint8Array } {
  return v.nulls === 0 ? { nullCount: 0 } : { nullCount: v.nulls, nullBitmap: v.bitmap };
}

function maxFractionDigits(rows: TextColumn): number {
  if (rows.fractionDigits) return rows.fractionDigits();
  let max = 0;
  for (let i = 0; i < rows.length; i++) {
    const text = rows.text(i);
    if (text !== undefined) max = Math.max(max, fractionDigitsOf(text));
  }
  return max;
}
