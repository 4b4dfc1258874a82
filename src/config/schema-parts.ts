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
export function text(check: (value: string) => string | undefined, base = z.string()) {
  return base.superRefine((value, ctx) => {
    const problem = check(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });
}

export function wholeNumber(min: number, max: number, message: string) {
  return z
    .number({ error: message })
    .int({ error: message })
    .min(min, { error: message })
    .max(max, { error: message });
}

/**
 * Node's timers hold at most 2^31-1 ms (about 24.8 days); a longer or fractional delay throws a
 * RangeError or fires at once. Every duration the tool turns into a timer stays well inside it.
 */
export const MAX_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

const DAY = 86_400;

/** Whole seconds from `min` to `max` (at most a timer's limit), e.g. "from 1 to 604800 (7 days)". */
export function seconds(min: number, max: number, span: string) {
  if (max > MAX_TIMER_SECONDS) throw new Error(`internal: ${max} s exceeds a timer's limit`);
  return wholeNumber(min, max, `expected whole seconds from ${min} to ${max} (${span})`);
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
/** A query's time limit: Athena's own DML limit is far lower, so 7 days is never the binding one. */
export const queryTimeoutSeconds = seconds(1, 7 * DAY, '7 days');
/** How long a draining scheduler waits for the run before cancelling it. */
export const shutdownSeconds = seconds(1, DAY, '1 day');

export const MAX_CONCURRENCY = 10_000;
export const MAX_RETRIES = 100;
export const MAX_ROW_GROUP_SIZE = 100_000_000;

/** A count: at least 1, at most `max` (sane, and far below where the number would lose precision). */
export function count(max: number) {
  return wholeNumber(1, max, `expected a positive whole number, at most ${max}`);
}

export const externalId = z
  .string()
  .regex(EXTERNAL_ID, { error: 'expected 2 to 1224 characters of letters, digits and _+=,.@:/-' });

/** `scheme://…` (or `scheme:/…`): a URL, never a local path. Two letters at least, so `C:/dir` stays a path. */
const URL_LIKE = /^([A-Za-z][A-Za-z0-9+.-]+):\//;
export const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** Placeholders a sink path may hold, filled with samples before checking an s3:// URL. */
const SINK_PLACEHOLDER = /\{(query|runId|runDate|region)\}/g;

/** What is wrong with `value` as a local file path; `what` says which file it is ("the manifest is written to a local file"). */
export function localPathProblem(value: string, what: string): string | undefined {
  const scheme = URL_LIKE.exec(value)?.[1];
  if (scheme === undefined) return undefined;
  return `${scheme.toLowerCase()}:// is not supported here: ${what}; give a local path`;
}

/** A local file path: a value that looks like a URL is refused, never taken as a folder named `s3:`. */
export function localPath(what: string) {
  return text((value) => localPathProblem(value, what), z.string().min(1, { error: 'expected a file path' }));
}

/** What is wrong with an `s3://bucket/key` URL (placeholders such as `{query}` allowed in it). */
export function s3UrlProblem(url: string): string | undefined {
  const filled = url.replace(SINK_PLACEHOLDER, (_m, name: string) => (name === 'region' ? 'eu-west-1' : 'x'));
  const [bucket = '', ...rest] = filled.slice('s3://'.length).split('/');
  if (!S3_BUCKET.test(bucket)) {
    return `"${bucket}" is not a valid S3 bucket name (3-63 characters of lowercase letters, digits, "." and "-")`;
  }
  if (rest.join('/') === '') return 'expected s3://bucket/key: the URL names no object key';
  return undefined;
}

/** A sink destination: a local path, or an s3:// URL with a valid bucket and a key. */
export const sinkPath = text(
  (value) => {
    const scheme = URL_LIKE.exec(value)?.[1];
    if (scheme === undefined) return undefined;
    if (value.startsWith('s3://')) return s3UrlProblem(value);
    if (scheme.toLowerCase() === 's3') return 'expected s3://bucket/key (lowercase "s3://", two slashes)';
    return `${scheme}:// is not supported: a sink writes to a local path or an s3:// URL`;
  },
  z.string().min(1, { error: 'expected a file path, e.g. out/{query}.parquet' }),
);
