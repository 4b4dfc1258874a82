import { FanoutError } from '../errors.js';

export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** Errors from the batch source pass through unchanged; anything else names the file being written. */
export function sinkError(err: unknown, what: string, path: string): FanoutError {
  if (err instanceof FanoutError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new FanoutError(`writing ${what} ${path} failed: ${message}`, {
    cause: err,
    context: { stage: 'sink', path },
  });
}
