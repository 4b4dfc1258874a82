import type { Logger } from 'pino';
import { unitError } from '../errors.js';
import type { OutputRecord } from '../manifest.js';

/** What an output writer wrote, or undefined when it wrote nothing on purpose (ifExists: skip). */
export type Written = { path?: string; rows: number; bytes: number } | undefined;

/**
 * One output, attempted alone: what `write` returns is recorded as a written output; what it throws
 * (an existing file with ifExists: error, a full disk, a refused upload) is recorded as a failed output
 * with its error and logged, never thrown, so every other output of the run is still written.
 * `target` names the output when `write` fails before it can say where it wrote.
 */
export async function attemptOutput(
  outputs: OutputRecord[],
  target: { query: string; type: string; path: string },
  log: Logger,
  write: () => Promise<Written>,
): Promise<OutputRecord | undefined> {
  let record: OutputRecord | undefined;
  try {
    const written = await write();
    if (written) record = { ...target, ...written, state: 'written' };
  } catch (err) {
    const error = unitError(err);
    record = { ...target, rows: 0, bytes: 0, state: 'failed', error };
    log.error({ query: target.query, path: target.path, error }, 'output failed');
  }
  if (record) outputs.push(record);
  return record;
}

/** Outputs that exist: written ones, and those of manifests older than output states. */
export const isWritten = (o: OutputRecord): boolean => o.state === undefined || o.state === 'written';
