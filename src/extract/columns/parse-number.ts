import { ValueError } from './value-error.js';

const INTEGER = /^[+-]?\d+$/;
// Java's Double.toString forms (1.0E20, 1.5E-7) and plain decimals. Number() alone is too lenient: it
// reads "" and " " as 0 and accepts "0x10", which would turn garbage into plausible values.
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** tinyint / smallint / integer: the text must be a plain integer inside [min, max]. */
export function parseSmallInt(text: string, min: number, max: number): number {
  if (!INTEGER.test(text) || text.length > 12) throw new ValueError('not an integer');
  const n = Number(text);
  if (n < min || n > max) throw new ValueError(`out of range ${min}..${max}`);
  return n;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** bigint: exact through BigInt; Number would round everything above 2^53. */
export function parseInt64(text: string): bigint {
  if (!INTEGER.test(text) || text.length > 21) throw new ValueError('not an integer');
  const n = BigInt(text);
  if (n < INT64_MIN || n > INT64_MAX) throw new ValueError('out of the int64 range');
  return n;
}

/** real / double, including Java's NaN and Infinity spellings. */
export function parseFloatText(text: string): number {
  if (FLOAT.test(text)) return Number(text);
  switch (text) {
    case 'NaN':
      return NaN;
    case 'Infinity':
    case '+Infinity':
      return Infinity;
    case '-Infinity':
      return -Infinity;
    default:
      throw new ValueError('not a number');
  }
}

export function parseBoolean(text: string): boolean {
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw new ValueError('not true or false');
}
