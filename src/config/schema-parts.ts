import * as z from 'zod';
import { ACCOUNT_ID } from './role-hop.js';
import { KEY_MESSAGE_SEPARATOR, unknownKeyMessage } from './messages.js';

/** Stands in for a member account when checking values that may contain `<accountId>`. */
export const SAMPLE_ACCOUNT_ID = '123456789012';

const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

/** An error map for a field that must be present: says what to add when it is missing. */
export function whenMissing(what: string) {
  return (iss: { input?: unknown }) => (iss.input === undefined ? `required: ${what}` : undefined);
}

/** A strict mapping whose unknown keys are each reported with the keys allowed there. */
export function strict<T extends z.core.$ZodLooseShape>(shape: T, missing?: string) {
  const allowed = Object.keys(shape);
  const missingMessage = missing === undefined ? undefined : whenMissing(missing);
  return z.strictObject(shape, {
    error: (iss) =>
      iss.code === 'unrecognized_keys'
        ? iss.keys.map((key) => unknownKeyMessage(key, allowed)).join(KEY_MESSAGE_SEPARATOR)
        : missingMessage?.(iss),
  });
}

/** Text that must pass `check`, which returns what is wrong or undefined. */
export function text(check: (value: string) => string | undefined) {
  return z.string().superRefine((value, ctx) => {
    const problem = check(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });
}

function wholeNumber(min: number, max: number | undefined, message: string) {
  const base = z.number({ error: message }).int({ error: message }).min(min, { error: message });
  return max === undefined ? base : base.max(max, { error: message });
}

export const accountId = z
  .string({
    error: (iss) =>
      typeof iss.input === 'number'
        ? 'expected a 12-digit account id in quotes, e.g. "012345678901": YAML reads an unquoted id as a number and drops its leading zeros'
        : 'expected a 12-digit account id in quotes, e.g. "012345678901"',
  })
  .regex(ACCOUNT_ID, { error: 'expected a 12-digit account id in quotes, e.g. "012345678901"' });

export const durationSeconds = wholeNumber(
  900,
  43_200,
  'expected whole seconds from 900 (15 minutes) to 43200 (12 hours)',
);
export const positive = wholeNumber(1, undefined, 'expected a positive whole number');

export const externalId = z
  .string()
  .regex(EXTERNAL_ID, { error: 'expected 2 to 1224 characters of letters, digits and _+=,.@:/-' });
