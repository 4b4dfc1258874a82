import { writeFile } from 'node:fs/promises';
import { FanoutError } from '../errors.js';
import { writeFileAtomic } from './write-file-atomic.js';

function jsonReplacer(_key: string, value: unknown): unknown {
  // Exact integers beyond 2^53 (e.g. from Int64 columns) would otherwise make JSON.stringify throw.
  return typeof value === 'bigint' ? value.toString() : value;
}

/** Pretty-printed JSON with a trailing newline, bigints as their digits. */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, jsonReplacer, 2)}\n`;
}

/** Pretty-printed JSON with a trailing newline, written atomically (see writeFileAtomic). */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const text = jsonText(value);
  try {
    await writeFileAtomic(path, (temp) => writeFile(temp, text, { flag: 'wx' }));
  } catch (err) {
    if (err instanceof FanoutError) throw err;
    throw new FanoutError(`could not write ${path}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
      context: { stage: 'manifest', path },
    });
  }
}
