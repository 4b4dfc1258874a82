import { DataType, DateUnit, Precision, TimeUnit, makeVector, util, type Data } from 'apache-arrow';
import { formatDecimal, readUnscaled } from './decimal.js';
import { copyValidity } from './null-data.js';

const MS_PER_DAY = 86_400_000n;
const MAX_DATE_SECONDS = 8_640_000_000_000n;
const MAX_DATE_DAYS = 100_000_000n;
const FRACTION_DIGITS: Record<TimeUnit, number> = {
  [TimeUnit.SECOND]: 0,
  [TimeUnit.MILLISECOND]: 3,
  [TimeUnit.MICROSECOND]: 6,
  [TimeUnit.NANOSECOND]: 9,
};

function perSecond(unit: TimeUnit): bigint {
  return 10n ** BigInt(FRACTION_DIGITS[unit]);
}

/** `YYYY-MM-DD HH:MM:SS[.fff…]` in UTC, as Athena prints timestamps, exact to the unit. */
function formatInstant(value: bigint, unit: TimeUnit): string {
  const scale = perSecond(unit);
  let seconds = value / scale;
  let fraction = value % scale;
  if (fraction < 0n) {
    fraction += scale;
    seconds -= 1n;
  }
  // Beyond the range of Date (±275,760 years) the raw count is still exact, if unreadable.
  if (seconds > MAX_DATE_SECONDS || seconds < -MAX_DATE_SECONDS) return value.toString();
  const iso = new Date(Number(seconds) * 1000).toISOString();
  const base = `${iso.slice(0, -14)} ${iso.slice(-13, -5)}`;
  const digits = FRACTION_DIGITS[unit];
  return digits === 0 ? base : `${base}.${fraction.toString().padStart(digits, '0')}`;
}

function formatDays(days: bigint): string {
  if (days > MAX_DATE_DAYS || days < -MAX_DATE_DAYS) return days.toString();
  return new Date(Number(days * MS_PER_DAY)).toISOString().slice(0, -14);
}

/** Shortest text that reads back as the same float32 (String() would print the widened double). */
function formatFloat32(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  for (let p = 1; p < 9; p++) {
    const s = String(Number(v.toPrecision(p)));
    if (Math.fround(Number(s)) === v) return s;
  }
  return String(v);
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

function bigAt(values: ArrayLike<number | bigint>, i: number): bigint {
  return BigInt(values[i]!);
}

/** A function rendering row `i` of `data` as text; only called for valid (non-null) rows. */
export function renderer(data: Data): (i: number) => string {
  const type: DataType = data.type;
  const values = data.values as ArrayLike<number | bigint>;
  if (DataType.isUtf8(type) || DataType.isLargeUtf8(type) || DataType.isUtf8View(type)) {
    const vector = makeVector(data);
    return (i) => String(vector.get(i));
  }
  if (DataType.isBool(type)) {
    const vector = makeVector(data);
    return (i) => (vector.get(i) ? 'true' : 'false');
  }
  if (DataType.isInt(type)) return (i) => values[i]!.toString();
  if (DataType.isFloat(type)) {
    const vector = makeVector(data);
    return type.precision === Precision.SINGLE
      ? (i) => formatFloat32(Number(vector.get(i)))
      : (i) => String(vector.get(i));
  }
  if (DataType.isDecimal(type)) {
    const d = type;
    const words = data.values as Uint32Array;
    const stride = d.bitWidth / 32;
    return (i) => formatDecimal(readUnscaled(words, i, stride), d.scale);
  }
  if (DataType.isDate(type)) {
    return type.unit === DateUnit.DAY
      ? (i) => formatDays(bigAt(values, i))
      : (i) => formatDays(bigAt(values, i) / MS_PER_DAY);
  }
  if (DataType.isTimestamp(type)) {
    const t = type;
    const zone = t.timezone ? ` ${t.timezone}` : '';
    return (i) => formatInstant(bigAt(values, i), t.unit) + zone;
  }
  if (DataType.isTime(type)) {
    const t = type;
    return (i) => formatInstant(bigAt(values, i), t.unit).slice(11);
  }
  if (DataType.isBinary(type) || DataType.isLargeBinary(type) || DataType.isFixedSizeBinary(type)) {
    const vector = makeVector(data);
    return (i) => hex(vector.get(i) as Uint8Array);
  }
  const vector = makeVector(data);
  return (i) => util.valueToString(vector.get(i));
}

/** Values of any column as Utf8 buffers (offsets + UTF-8 bytes), nulls kept as nulls. */
export function renderText(data: Data): {
  valueOffsets: Int32Array;
  data: Uint8Array;
  nullBitmap?: Uint8Array;
  nullCount: number;
} {
  const render = renderer(data);
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [];
  const valueOffsets = new Int32Array(data.length + 1);
  let total = 0;
  for (let i = 0; i < data.length; i++) {
    if (data.getValid(i)) {
      const bytes = encoder.encode(render(i));
      parts.push(bytes);
      total += bytes.length;
    }
    valueOffsets[i + 1] = total;
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  return { valueOffsets, data: bytes, ...copyValidity(data) };
}
