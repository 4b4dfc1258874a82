/**
 * Decimal values in Arrow are little-endian two's-complement integers spread over 32-bit words
 * (4 words for Decimal128). BigInt keeps every digit of a 38-digit value.
 */

const WORD = 32n;
const WORD_MASK = 0xffffffffn;

export function readUnscaled(values: Uint32Array, index: number, stride: number): bigint {
  let v = 0n;
  for (let w = stride - 1; w >= 0; w--) v = (v << WORD) | BigInt(values[index * stride + w]!);
  return BigInt.asIntN(stride * 32, v);
}

export function writeUnscaled(values: Uint32Array, index: number, stride: number, value: bigint): void {
  let v = BigInt.asUintN(stride * 32, value);
  for (let w = 0; w < stride; w++) {
    values[index * stride + w] = Number(v & WORD_MASK);
    v >>= WORD;
  }
}

export function formatDecimal(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString();
  if (scale <= 0) return (negative ? '-' : '') + digits + '0'.repeat(-scale);
  const padded = digits.padStart(scale + 1, '0');
  const text = `${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

export function maxUnscaled(precision: number): bigint {
  return 10n ** BigInt(precision) - 1n;
}
