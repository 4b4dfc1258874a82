import { civilDays, isValidCivilDate } from './civil-days.js';
import { ValueError } from './value-error.js';
import { zoneOffsetSeconds } from './zone-offset.js';

/** Fractional-second digits kept: 3 → milliseconds, 6 → microseconds, 9 → nanoseconds. */
export type FractionDigits = 3 | 6 | 9;

const DATE = /^([+-]?\d{4,6})-(\d{2})-(\d{2})$/;
const TIMESTAMP = /^([+-]?\d{4,6})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,12}))?/;
const NUMERIC_ZONE = /^(?:UTC|GMT|UT)?([+-])(\d{1,2})(?::?(\d{2}))?$/;
const UTC_NAMES = new Set(['UTC', 'Z', 'GMT', 'UT']);
const SCALE: Record<FractionDigits, bigint> = { 3: 1000n, 6: 1_000_000n, 9: 1_000_000_000n };

/** `YYYY-MM-DD` → days since the epoch (negative before 1970). */
export function parseDateDays(text: string): number {
  const m = DATE.exec(text);
  if (!m) throw new ValueError('not a date (YYYY-MM-DD)');
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (!isValidCivilDate(y, mo, d)) throw new ValueError('not a calendar date');
  return civilDays(y, mo, d);
}

/** `YYYY-MM-DD HH:MM:SS[.f…]` read as UTC → units of 10^-digits seconds since the epoch. */
export function parseTimestamp(text: string, digits: FractionDigits): bigint {
  const m = TIMESTAMP.exec(text);
  if (!m || m[0].length !== text.length) throw new ValueError('not a timestamp (YYYY-MM-DD HH:MM:SS[.fff])');
  return toUnits(wallSeconds(m), fraction(m[7], digits), digits);
}

/**
 * `YYYY-MM-DD HH:MM:SS[.f…] ZONE` → UTC instant, where ZONE is UTC/Z/GMT, a numeric offset
 * (+05:30, -0800, +01) or an IANA name (Europe/Berlin, resolved through the runtime's ICU data).
 */
export function parseZonedTimestamp(text: string, digits: FractionDigits): bigint {
  const m = TIMESTAMP.exec(text);
  if (!m) throw new ValueError('not a timestamp with time zone (YYYY-MM-DD HH:MM:SS[.fff] ZONE)');
  const zone = text.slice(m[0].length).trim();
  if (zone === '') throw new ValueError('timestamp without a time zone');
  const local = wallSeconds(m);
  return toUnits(local - offsetFor(zone, local), fraction(m[7], digits), digits);
}

function offsetFor(zone: string, localSeconds: number): number {
  if (UTC_NAMES.has(zone)) return 0;
  const n = NUMERIC_ZONE.exec(zone);
  if (n) {
    const h = Number(n[2]);
    const min = Number(n[3] ?? '0');
    if (h > 18 || min > 59) throw new ValueError(`bad zone offset ${zone}`);
    return (n[1] === '-' ? -1 : 1) * (h * 3600 + min * 60);
  }
  // The offset depends on the instant, which depends on the offset: one refinement settles it except
  // inside a DST gap/overlap, where the text itself is ambiguous.
  const first = zoneOffsetSeconds(zone, localSeconds);
  return zoneOffsetSeconds(zone, localSeconds - first);
}

function wallSeconds(m: RegExpExecArray): number {
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const h = Number(m[4]);
  const mi = Number(m[5]);
  const s = Number(m[6]);
  if (!isValidCivilDate(y, mo, d) || h > 23 || mi > 59 || s > 59)
    throw new ValueError('not a valid date/time');
  return civilDays(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

function fraction(text: string | undefined, digits: FractionDigits): number {
  if (text === undefined) return 0;
  if (text.length > digits) {
    if (!/^0*$/.test(text.slice(digits))) {
      throw new ValueError(`more than ${digits} fractional second digits`);
    }
    return Number(text.slice(0, digits));
  }
  return Number(text.padEnd(digits, '0'));
}

function toUnits(seconds: number, frac: number, digits: FractionDigits): bigint {
  // Milliseconds stay exact in a double for ±285,000 years, so the common case avoids BigInt arithmetic.
  if (digits === 3) return BigInt(seconds * 1000 + frac);
  return BigInt(seconds) * SCALE[digits] + BigInt(frac);
}
