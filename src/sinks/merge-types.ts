import { DataType, Decimal, Float64, Int64, Precision, TimeUnit, util, type Int } from 'apache-arrow';

/** Arrow JS and Parquet readers (arrow-rs) both cap Decimal128 at 38 digits. */
export const MAX_DECIMAL_PRECISION = 38;

export interface MergedType {
  type: DataType;
  /** Set when the merge is allowed but can lose information for some values. */
  caveat?: string;
}

/** Type equality; apache-arrow's compareTypes ignores decimal precision and scale. */
export function sameType(a: DataType, b: DataType): boolean {
  if (!util.compareTypes(a, b)) return false;
  if (DataType.isDecimal(a) && DataType.isDecimal(b)) {
    return a.precision === b.precision && a.scale === b.scale && a.bitWidth === b.bitWidth;
  }
  return true;
}

/** Digits needed to hold any value of an integer type as a decimal with scale 0. */
function integerDigits(t: Int): number {
  switch (t.bitWidth) {
    case 8:
      return 3;
    case 16:
      return 5;
    case 32:
      return 10;
    default:
      return t.isSigned ? 19 : 20;
  }
}

function isUint64(t: DataType): boolean {
  return DataType.isInt(t) && t.bitWidth === 64 && !t.isSigned;
}

function isFloat3264(t: DataType): boolean {
  return DataType.isFloat(t) && t.precision !== Precision.HALF;
}

function mergeDecimals(intDigitsA: number, scaleA: number, intDigitsB: number, scaleB: number): MergedType {
  const intDigits = Math.max(intDigitsA, intDigitsB);
  const scale = Math.max(scaleA, scaleB);
  if (intDigits + scale <= MAX_DECIMAL_PRECISION) return { type: new Decimal(scale, intDigits + scale, 128) };
  return {
    type: new Decimal(scale, MAX_DECIMAL_PRECISION, 128),
    caveat: `needs ${intDigits + scale} digits, capped at ${MAX_DECIMAL_PRECISION}; a value with more than ${MAX_DECIMAL_PRECISION - scale} integer digits fails the write`,
  };
}

/**
 * The narrowest type both inputs convert to without changing a value, or null when the only common
 * representation is text. Only widenings that readers expect are made: integers to Int64, floats to
 * Float64, integers with floats to Float64, decimals (and integers with decimals) to a wide decimal,
 * timestamps of one zone to the finer unit.
 */
export function mergeTypes(a: DataType, b: DataType): MergedType | null {
  if (sameType(a, b)) return { type: a };
  if (DataType.isNull(a)) return { type: b };
  if (DataType.isNull(b)) return { type: a };

  const aInt = DataType.isInt(a);
  const bInt = DataType.isInt(b);
  if (aInt && bInt) return isUint64(a) || isUint64(b) ? null : { type: new Int64() };

  const aFloat = isFloat3264(a);
  const bFloat = isFloat3264(b);
  if ((aFloat || aInt) && (bFloat || bInt)) {
    const bigInt = (aInt && a.bitWidth === 64) || (bInt && b.bitWidth === 64);
    return bigInt
      ? { type: new Float64(), caveat: 'int64 values beyond ±2^53 are rounded to the nearest double' }
      : { type: new Float64() };
  }

  // Timestamps at different units (timestamp(3) here, timestamp(6) there): the finer unit keeps every
  // digit. Zoned and zone-less timestamps mean different things and do not merge.
  if (DataType.isTimestamp(a) && DataType.isTimestamp(b) && a.timezone === b.timezone) {
    const fine = a.unit > b.unit ? a : b;
    return fine.unit === TimeUnit.NANOSECOND
      ? {
          type: fine,
          caveat: 'nanoseconds hold only 1677-09-21 to 2262-04-11; a value outside fails the write',
        }
      : { type: fine };
  }

  const aDec = DataType.isDecimal(a);
  const bDec = DataType.isDecimal(b);
  if ((aDec || aInt) && (bDec || bInt)) {
    const [ai, as] = aDec ? [a.precision - a.scale, a.scale] : [integerDigits(a), 0];
    const [bi, bs] = bDec ? [b.precision - b.scale, b.scale] : [integerDigits(b), 0];
    return mergeDecimals(ai, as, bi, bs);
  }
  return null;
}
