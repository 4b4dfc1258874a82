import { ValueError } from './value-error.js';

const HEX = /^[0-9a-fA-F]{2}(?: [0-9a-fA-F]{2})*$/;

/** varbinary text as Athena prints it, `68 65 6c` (space-separated hex pairs; "" is zero bytes). */
export function parseHexBytes(text: string): Uint8Array {
  if (text === '') return new Uint8Array(0);
  if (!HEX.test(text)) throw new ValueError('not space-separated hex bytes');
  return Uint8Array.from(Buffer.from(text.replaceAll(' ', ''), 'hex'));
}
