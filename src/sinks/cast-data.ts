import {
  DataType,
  Decimal,
  Float64,
  Int64,
  Precision,
  TimeUnit,
  Utf8,
  makeData,
  type Data,
  type Timestamp,
} from 'apache-arrow';
import { FanoutError } from '../errors.js';
import { maxUnscaled, readUnscaled, writeUnscaled } from './decimal.js';
import { copyValidity, nullData } from './null-data.js';
import { renderText } from './render-text.js';
import { typeName } from './type-name.js';

function castError(column: string, message: string): FanoutError {
  return new FanoutError(`column "${column}": ${message}`, { context: { stage: 'sink', column } });
}

function unscaledAt(data: Data, i: number, toScale: number): bigint {
  const from = data.type;
  if (DataType.isDecimal(from)) {
    const words = data.values as Uint32Array;
    const v = readUnscaled(words, i, from.bitWidth / 32);
    const shift = toScale - from.scale;
    // Only ever widened to a larger scale by unionSchemas; a smaller one would need rounding.
    return shift >= 0 ? v * 10n ** BigInt(shift) : v / 10n ** BigInt(-shift);
  }
  return BigInt((data.values as ArrayLike<number | bigint>)[i]!) * 10n ** BigInt(toScale);
}

function toDecimal(data: Data, to: Decimal, column: string): Data {
  const from = data.type;
  if (DataType.isDecimal(from) && from.scale > to.scale) {
    throw castError(column, `cannot convert ${typeName(from)} to ${typeName(to)} without rounding`);
  }
  const stride = to.bitWidth / 32;
  const words = new Uint32Array(data.length * stride);
  const limit = maxUnscaled(to.precision);
  for (let i = 0; i < data.length; i++) {
    if (!data.getValid(i)) continue;
    const v = unscaledAt(data, i, to.scale);
    if (v > limit || v < -limit) {
      throw castError(column, `value at row ${i} does not fit ${typeName(to)} (from ${typeName(from)})`);
    }
    writeUnscaled(words, i, stride, v);
  }
  return makeData({ type: to, length: data.length, data: words, ...copyValidity(data) });
}

function toInt64(data: Data): Data {
  const src = data.values as ArrayLike<number | bigint>;
  const out = new BigInt64Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = BigInt(src[i]!);
  return makeData({ type: new Int64(), length: data.length, data: out, ...copyValidity(data) });
}

function toFloat64(data: Data): Data {
  const src = data.values as ArrayLike<number | bigint>;
  const out = new Float64Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = Number(src[i]!);
  return makeData({ type: new Float64(), length: data.length, data: out, ...copyValidity(data) });
}

const PER_SECOND: Record<TimeUnit, bigint> = {
  [TimeUnit.SECOND]: 1n,
  [TimeUnit.MILLISECOND]: 1000n,
  [TimeUnit.MICROSECOND]: 1_000_000n,
  [TimeUnit.NANOSECOND]: 1_000_000_000n,
};
const INT64_MAX = 2n ** 63n - 1n;

/** A timestamp at a finer unit: exact, or an error when the value does not fit int64 there. */
function toFinerTimestamp(data: Data, from: Timestamp, to: Timestamp, column: string): Data {
  const factor = PER_SECOND[to.unit] / PER_SECOND[from.unit];
  const src = data.values as BigInt64Array;
  const out = new BigInt64Array(data.length);
  const limit = INT64_MAX / factor;
  for (let i = 0; i < data.length; i++) {
    const v = src[i]!;
    if (data.getValid(i) && (v > limit || v < -limit)) {
      throw castError(column, `value at row ${i} does not fit ${typeName(to)} (from ${typeName(from)})`);
    }
    out[i] = v * factor;
  }
  return makeData({ type: to, length: data.length, data: out, ...copyValidity(data) });
}

/**
 * Convert one column to the type unionSchemas chose for it. Conversions that cannot keep a value
 * exactly throw instead of writing something else.
 */
export function castData(data: Data, to: DataType, column: string): Data {
  const from = data.type;
  if (DataType.isNull(from)) return nullData(to, data.length);
  if (DataType.isUtf8(to)) return makeData({ type: new Utf8(), length: data.length, ...renderText(data) });
  if (DataType.isInt(to) && to.bitWidth === 64 && to.isSigned && DataType.isInt(from)) {
    if (from.bitWidth === 64) {
      throw castError(column, `cannot convert ${typeName(from)} to ${typeName(to)} exactly`);
    }
    return toInt64(data);
  }
  const fromNumber = DataType.isInt(from) || (DataType.isFloat(from) && from.precision !== Precision.HALF);
  if (DataType.isFloat(to) && to.precision === Precision.DOUBLE && fromNumber) return toFloat64(data);
  if (DataType.isDecimal(to) && (DataType.isDecimal(from) || DataType.isInt(from))) {
    return toDecimal(data, to, column);
  }
  if (
    DataType.isTimestamp(to) &&
    DataType.isTimestamp(from) &&
    from.timezone === to.timezone &&
    from.unit < to.unit
  ) {
    return toFinerTimestamp(data, from, to, column);
  }
  throw castError(column, `no conversion from ${typeName(from)} to ${typeName(to)}`);
}
