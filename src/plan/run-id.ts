import { randomBytes } from 'node:crypto';
import { ConfigError } from '../errors.js';

/** A new run's id: its start time to the second, then a random part (`20260102T030405Z-a1b2c3`). */
export function makeRunId(now: Date): string {
  return `${now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
}

const RUN_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * A run id given by the user (`--run-id`, `merge --run`, ATHENA_FANOUT_RUN_ID): it becomes a directory
 * name (`shards/<runId>/`) and fills `{runId}` in sink paths, so it must be one plain path segment.
 * Returns it unchanged, or throws a ConfigError naming `source` (the flag or variable it came from).
 */
export function validateRunId(id: string, source: string): string {
  const problem = !RUN_ID.test(id)
    ? 'a run id is 1 to 128 characters of letters, digits and ._- (it names a directory)'
    : id === '.' || id === '..'
      ? 'a run id must not be "." or "..": it names a directory under the manifest\'s folder'
      : undefined;
  if (problem === undefined) return id;
  throw new ConfigError([{ path: '', message: `${source} ${JSON.stringify(id)}: ${problem}` }]);
}
