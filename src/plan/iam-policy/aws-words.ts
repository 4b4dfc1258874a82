import { unitError } from '../../errors.js';

/** AWS's code and words for a failed call (or our message when AWS said nothing). */
export function awsWords(err: unknown): string {
  const e = unitError(err);
  return e.awsCode ? `${e.awsCode}: ${e.awsMessage ?? e.message}` : e.message;
}

/** The AWS error code of a failed call, if AWS gave one. */
export const awsCode = (err: unknown): string | undefined => unitError(err).awsCode;
