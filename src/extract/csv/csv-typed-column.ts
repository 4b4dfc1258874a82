import { type Data, DataType, DateUnit, makeData, Precision, TimeUnit } from 'apache-arrow';
import { type CsvRows, FIELD_NULL, FIELD_QUOTED, fieldText } from './athena-csv-parser.js';
import type { ValueFailure } from '../columns/build-column.js';
import { civilDays, isValidCivilDate } from '../columns/civil-days.js';
import { parseDecimal } from '../columns/parse-decimal.js';
import { parseBoolean, parseFloatText, parseInt64, parseSmallInt } from '../columns/parse-number.js';
import { parseDateDays, parseTimestamp } from '../columns/parse-date-time.js';
import { ValueError } from '../columns/value-error.js';

const D0 = 0x30;
const MINUS = 0x2d;
const DOT = 0x2e;
const TWO32 = 4294967296;

/**
 * Typed columns straight from CSV bytes, without a JS string per value. Only the canonical forms Athena
 * prints are read here (plain digits, `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS.fff`, decimals with exactly
 * `scale` digits, up to 15 significant digits); anything else goes through the same text parsers as the
 * API path, so both give the same value or the same error. Undefined: no fast path for this type.
 */
export function csvTypedColumn(
  type: DataType,
  rows: CsvRows,
  column: number,
  skip: number,
  fail: ValueFailure,
): Data | undefined {
  const n = rows.rows - skip;
  const { buf, starts, ends, kinds, columns } = rows;
  const first = skip * columns + column;
  const bitmap = new Uint8Array((n + 7) >> 3);
  let nulls = 0;

  const validity = () => (nulls === 0 ? { nullCount: 0 } : { nullCount: nulls, nullBitmap: bitmap });
  const loop = (
    fast: (i: number, s: number, e: number) => boolean,
    slow: (i: number, text: string) => void,
  ) => {
    for (let i = 0, k = first; i < n; i++, k += columns) {
      const kind = kinds[k]!;
      if (kind === FIELD_NULL) {
        nulls++;
        continue;
      }
      bitmap[i >> 3]! |= 1 << (i & 7);
      if (kind === FIELD_QUOTED && fast(i, starts[k]!, ends[k]!)) continue;
      const text = fieldText(rows, k)!;
      try {
        slow(i, text);
      } catch (err) {
        if (err instanceof ValueError) fail(i, text, err.message);
        throw err;
      }
    }
  };

  if (DataType.isInt(type)) {
    if (type.bitWidth === 64) {
      const values = new BigInt64Array(n);
      const words = new Int32Array(values.buffer);
      loop(
        (i, s, e) => {
          const v = smallInteger(buf, s, e);
          if (Number.isNaN(v)) return false;
          const hi = Math.floor(v / TWO32);
          words[2 * i] = (v - hi * TWO32) | 0;
          words[2 * i + 1] = hi;
          return true;
        },
        (i, t) => (values[i] = parseInt64(t)),
      );
      return makeData({ type, length: n, data: values, ...validity() });
    }
    const values =
      type.bitWidth === 8 ? new Int8Array(n) : type.bitWidth === 16 ? new Int16Array(n) : new Int32Array(n);
    const max = 2 ** (type.bitWidth - 1) - 1;
    loop(
      (i, s, e) => {
        const v = smallInteger(buf, s, e);
        if (Number.isNaN(v) || v < -max - 1 || v > max) return false;
        values[i] = v;
        return true;
      },
      (i, t) => (values[i] = parseSmallInt(t, -max - 1, max)),
    );
    return makeData({ type, length: n, data: values, ...validity() });
  }
  if (DataType.isBool(type)) {
    const bits = new Uint8Array((n + 7) >> 3);
    loop(
      (i, s, e) => {
        if (
          e - s === 4 &&
          buf[s] === 0x74 &&
          buf[s + 1] === 0x72 &&
          buf[s + 2] === 0x75 &&
          buf[s + 3] === 0x65
        ) {
          bits[i >> 3]! |= 1 << (i & 7);
          return true;
        }
        return e - s === 5 && buf[s] === 0x66 && buf.toString('latin1', s, e) === 'false';
      },
      (i, t) => {
        if (parseBoolean(t)) bits[i >> 3]! |= 1 << (i & 7);
      },
    );
    return makeData({ type, length: n, data: bits, ...validity() });
  }
  if (DataType.isFloat(type) && type.precision === Precision.DOUBLE) {
    const values = new Float64Array(n);
    loop(
      (i, s, e) => {
        const v = smallFloat(buf, s, e);
        if (Number.isNaN(v)) return false;
        values[i] = v;
        return true;
      },
      (i, t) => (values[i] = parseFloatText(t)),
    );
    return makeData({ type, length: n, data: values, ...validity() });
  }
  if (DataType.isDate(type) && type.unit === DateUnit.DAY) {
    const days = new Int32Array(n);
    loop(
      (i, s, e) => {
        if (e - s !== 10) return false;
        const d = dateDays(buf, s);
        if (Number.isNaN(d)) return false;
        days[i] = d;
        return true;
      },
      (i, t) => (days[i] = parseDateDays(t)),
    );
    return makeData({ type, length: n, data: days, ...validity() });
  }
  if (DataType.isTimestamp(type) && !type.timezone && type.unit === TimeUnit.MILLISECOND) {
    const values = new BigInt64Array(n);
    const words = new Int32Array(values.buffer);
    loop(
      (i, s, e) => {
        const ms = timestampMillis(buf, s, e);
        if (Number.isNaN(ms)) return false;
        const hi = Math.floor(ms / TWO32);
        words[2 * i] = (ms - hi * TWO32) | 0;
        words[2 * i + 1] = hi;
        return true;
      },
      (i, t) => (values[i] = parseTimestamp(t, 3)),
    );
    return makeData({ type, length: n, data: values, ...validity() });
  }
  if (DataType.isDecimal(type)) {
    const { precision, scale } = type;
    const words = new Uint32Array(n * 4);
    const halves = new BigInt64Array(words.buffer, words.byteOffset, n * 2);
    loop(
      (i, s, e) => {
        const v = smallDecimal(buf, s, e, scale);
        if (Number.isNaN(v) || Math.abs(v) >= 10 ** precision) return false;
        const hi = Math.floor(v / TWO32);
        words[4 * i] = v - hi * TWO32;
        words[4 * i + 1] = hi >>> 0;
        const ext = v < 0 ? 0xffffffff : 0;
        words[4 * i + 2] = ext;
        words[4 * i + 3] = ext;
        return true;
      },
      (i, t) => {
        const unscaled = parseDecimal(t, precision, scale);
        halves[2 * i] = BigInt.asIntN(64, unscaled);
        halves[2 * i + 1] = unscaled >> 64n;
      },
    );
    return makeData({ type, length: n, data: words, ...validity() });
  }
  return undefined;
}

/** `-?\d{1,15}` as a number, else NaN (longer or other forms take the exact text path). */
function smallInteger(buf: Buffer, s: number, e: number): number {
  let p = s;
  const negative = buf[p] === MINUS;
  if (negative) p++;
  if (p === e || e - p > 15) return NaN;
  let v = 0;
  for (; p < e; p++) {
    const d = buf[p]! - D0;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return negative ? -v : v;
}

/** `-?\d+\.\d{scale}` with at most 15 digits → the unscaled value, else NaN. */
function smallDecimal(buf: Buffer, s: number, e: number, scale: number): number {
  let p = s;
  const negative = buf[p] === MINUS;
  if (negative) p++;
  const dot = scale === 0 ? e : e - scale - 1;
  if (dot <= p || (scale > 0 && buf[dot] !== DOT)) return NaN;
  let v = 0;
  let digits = 0;
  for (; p < e; p++) {
    if (p === dot) continue;
    const d = buf[p]! - D0;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
    if (v !== 0) digits++;
  }
  if (digits > 15) return NaN;
  return negative ? -v : v;
}

const POWERS = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * `-?\d+(\.\d+)?` with at most 15 significant digits, else NaN. Both the digits and the power of ten
 * are exact doubles, so the one division rounds correctly: the same double as Number(text).
 */
function smallFloat(buf: Buffer, s: number, e: number): number {
  let p = s;
  const negative = buf[p] === MINUS;
  if (negative) p++;
  if (p === e) return NaN;
  let v = 0;
  let digitsSeen = 0;
  let fraction = -1;
  for (; p < e; p++) {
    const c = buf[p]!;
    if (c === DOT) {
      if (fraction >= 0) return NaN;
      fraction = 0;
      continue;
    }
    const d = c - D0;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
    if (v !== 0) digitsSeen++;
    if (fraction >= 0) fraction++;
  }
  if (digitsSeen > 15 || fraction === 0 || fraction > 22) return NaN;
  const x = fraction > 0 ? v / POWERS[fraction]! : v;
  return negative ? -x : x;
}

function digits(buf: Buffer, s: number, count: number): number {
  let v = 0;
  for (let p = s; p < s + count; p++) {
    const d = buf[p]! - D0;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return v;
}

/** `YYYY-MM-DD` at `s` → days since the epoch, else NaN. */
function dateDays(buf: Buffer, s: number): number {
  if (buf[s + 4] !== MINUS || buf[s + 7] !== MINUS) return NaN;
  const y = digits(buf, s, 4);
  const m = digits(buf, s + 5, 2);
  const d = digits(buf, s + 8, 2);
  if (Number.isNaN(y + m + d) || !isValidCivilDate(y, m, d)) return NaN;
  return civilDays(y, m, d);
}

/** `YYYY-MM-DD HH:MM:SS` or `…SS.fff` → milliseconds since the epoch, else NaN. */
function timestampMillis(buf: Buffer, s: number, e: number): number {
  const len = e - s;
  if (len !== 19 && len !== 23) return NaN;
  if (buf[s + 10] !== 0x20 || buf[s + 13] !== 0x3a || buf[s + 16] !== 0x3a) return NaN;
  const days = dateDays(buf, s);
  const h = digits(buf, s + 11, 2);
  const mi = digits(buf, s + 14, 2);
  const sec = digits(buf, s + 17, 2);
  let ms = 0;
  if (len === 23) {
    if (buf[s + 19] !== DOT) return NaN;
    ms = digits(buf, s + 20, 3);
  }
  if (Number.isNaN(days + h + mi + sec + ms) || h > 23 || mi > 59 || sec > 59) return NaN;
  return (days * 86400 + h * 3600 + mi * 60 + sec) * 1000 + ms;
}
