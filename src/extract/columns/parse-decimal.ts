import { ValueError } from './value-error.js';

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;

/**
 * The unscaled value of a decimal(precision, scale) text, exactly: "-1.5" in decimal(10,3) → -1500n.
 * Fewer fractional digits than the scale are padded; more are accepted only when the extra ones are
 * zeros, since anything else would silently round.
 */
export function parseDecimal(text: string, precision: number, scale: number): bigint {
  const m = DECIMAL.exec(text);
  if (!m) throw new ValueError('not a decimal number');
  const sign = m[1] ?? '';
  const intPart = m[2] ?? '';
  let frac = m[3] ?? '';
  if (intPart === '' && frac === '') throw new ValueError('not a decimal number');
  if (frac.length > scale) {
    const extra = frac.slice(scale);
    if (!/^0*$/.test(extra)) throw new ValueError(`more than ${scale} fractional digits`);
    frac = frac.slice(0, scale);
  } else if (frac.length < scale) {
    frac = frac.padEnd(scale, '0');
  }
  const digits = (intPart + frac).replace(/^0+/, '');
  if (digits.length > precision) throw new ValueError(`more than ${precision} digits`);
  if (digits === '') return 0n;
  const unscaled = BigInt(digits);
  return sign === '-' ? -unscaled : unscaled;
}
