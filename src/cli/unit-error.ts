import { randomBytes } from 'node:crypto';
import { describeError, FanoutError } from '../errors.js';
import type { UnitError } from '../types.js';

export function makeRunId(now: Date): string {
  return `${now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
}

export function unitError(err: unknown): UnitError {
  const d = describeError(err);
  const pick = (k: keyof UnitError) => (d[k] === undefined ? {} : { [k]: d[k] });
  return {
    message: typeof d.message === 'string' ? d.message : String(err),
    ...pick('stage'),
    ...pick('chain'),
    ...pick('hopIndex'),
    ...pick('roleArn'),
    ...pick('callerArn'),
    ...pick('awsCode'),
    ...pick('awsMessage'),
    ...pick('queryExecutionId'),
    ...pick('retryable'),
  };
}

export function isRetryable(err: unknown): boolean {
  return err instanceof FanoutError && err.retryable && err.context.cancelled !== true;
}

/** Discovers accounts and decides, per account, which credentials query it. */
