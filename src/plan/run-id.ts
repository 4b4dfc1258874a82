import { randomBytes } from 'node:crypto';

/** A new run's id: its start time to the second, then a random part (`20260102T030405Z-a1b2c3`). */
export function makeRunId(now: Date): string {
  return `${now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
}
