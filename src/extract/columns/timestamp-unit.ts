import { DataType, Field, Schema, TimeUnit, Timestamp } from 'apache-arrow';
import type { FractionDigits } from './parse-date-time.js';

/** Digits a unit keeps: milliseconds 3, microseconds 6, nanoseconds 9. */
export function unitDigits(unit: TimeUnit): FractionDigits {
  if (unit === TimeUnit.NANOSECOND) return 9;
  if (unit === TimeUnit.MICROSECOND) return 6;
  return 3;
}

/** The narrowest of milliseconds, microseconds and nanoseconds that holds `digits` fractional digits. */
export function unitForDigits(digits: number): TimeUnit {
  if (digits > 6) return TimeUnit.NANOSECOND;
  if (digits > 3) return TimeUnit.MICROSECOND;
  return TimeUnit.MILLISECOND;
}

const FRACTION = /^[+-]?\d{4,6}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}\.(\d+)/;

/** Fractional-second digits as printed (`…:51` 0, `…:51.123000` 6); 0 for text that is no timestamp. */
export function fractionDigitsOf(text: string): number {
  return FRACTION.exec(text)?.[1]?.length ?? 0;
}

/**
 * `type` widened to the unit its values need: Athena prints timestamp(p) with p digits, and its
 * column metadata does not reliably say p, so the text decides (never narrower than `type`). Digits
 * beyond 9 stay for the parser to accept (zeros) or reject.
 */
export function timestampTypeForDigits(type: Timestamp, digits: number): Timestamp {
  const needed = unitForDigits(digits);
  return needed > type.unit ? new Timestamp(needed, type.timezone) : type;
}

/**
 * `a` with each timestamp field widened to the unit of the same field in `b` where that is finer:
 * the schema of a whole result whose batches were read at different units.
 */
export function widenTimestampUnits(a: Schema, b: Schema): Schema {
  const fields = a.fields.map((f, i) => {
    const other = b.fields[i]?.type as DataType | undefined;
    const type = f.type as DataType;
    if (!other || !DataType.isTimestamp(type) || !DataType.isTimestamp(other) || other.unit <= type.unit) {
      return f;
    }
    return new Field(f.name, new Timestamp(other.unit, type.timezone), f.nullable, f.metadata);
  });
  return fields.some((f, i) => f !== a.fields[i]) ? new Schema(fields, a.metadata) : a;
}
