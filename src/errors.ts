/**
 * The one error type every stage throws. `context` carries what a user needs to act (account, query,
 * role hop, AWS's own code and words); `retryable` tells the scheduler whether another attempt can help.
 */

import type { UnitError } from './manifest.js';

export type Stage = 'config' | 'credentials' | 'accounts' | 'query' | 'results' | 'sink' | 'manifest';

export interface ErrorContext {
  stage?: Stage;
  accountId?: string;
  queryName?: string;
  region?: string;
  /** 0-based index of the role hop within its chain. */
  hopIndex?: number;
  /** Which chain the hop belongs to. */
  chain?: 'master' | 'account';
  roleArn?: string;
  callerArn?: string;
  queryExecutionId?: string;
  /** AWS's error code (e.g. AccessDenied) when the failure came from an AWS API. */
  awsCode?: string;
  /** AWS's error message, verbatim. */
  awsMessage?: string;
  requestId?: string;
  [key: string]: unknown;
}

export interface FanoutErrorOptions {
  cause?: unknown;
  context?: ErrorContext;
  retryable?: boolean;
}

export class FanoutError extends Error {
  readonly context: ErrorContext;
  readonly retryable: boolean;

  constructor(message: string, options: FanoutErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.context = options.context ?? {};
    this.retryable = options.retryable ?? false;
  }

  /** A plain object for manifests and JSON logs; never includes credentials. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, message: this.message, retryable: this.retryable, ...this.context };
  }
}

export interface ConfigIssue {
  /** Dotted path of the offending field, e.g. `auth.masterRoleChain.1`. Empty for the whole file. */
  path: string;
  message: string;
  file?: string;
  line?: number;
  column?: number;
}

/** Invalid configuration or usage: reported before any AWS call, exit code 2. */
export class ConfigError extends FanoutError {
  readonly issues: ConfigIssue[];

  constructor(issues: ConfigIssue[], options: FanoutErrorOptions = {}) {
    super(formatIssues(issues), { ...options, context: { stage: 'config', ...options.context } });
    this.issues = issues;
  }
}

function formatIssues(issues: ConfigIssue[]): string {
  return issues
    .map((i) => {
      const where = i.file ? `${i.file}${i.line ? `:${i.line}${i.column ? `:${i.column}` : ''}` : ''}: ` : '';
      return `${where}${i.path ? `${i.path}: ` : ''}${i.message}`;
    })
    .join('\n');
}

/** AWS SDK v3 errors carry `name`, `message`, `$metadata` and sometimes `Code`/`$retryable`. */
export interface AwsErrorInfo {
  code: string;
  message: string;
  requestId?: string;
  httpStatus?: number;
  throttling: boolean;
  retryable: boolean;
}

const THROTTLING_CODES = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'SlowDown',
  'ProvisionedThroughputExceededException',
]);

export function awsErrorInfo(err: unknown): AwsErrorInfo {
  if (!(err instanceof Error)) {
    return { code: 'Unknown', message: String(err), throttling: false, retryable: false };
  }
  const e = err as Error & {
    Code?: string;
    $metadata?: { requestId?: string; httpStatusCode?: number };
    $retryable?: unknown;
    $fault?: string;
  };
  const code = e.Code ?? e.name;
  const httpStatus = e.$metadata?.httpStatusCode;
  const throttling = THROTTLING_CODES.has(code);
  return {
    code,
    message: e.message,
    ...(e.$metadata?.requestId ? { requestId: e.$metadata.requestId } : {}),
    ...(httpStatus === undefined ? {} : { httpStatus }),
    throttling,
    retryable: throttling || e.$retryable !== undefined || e.$fault === 'server',
  };
}

/** The message and context of any error, flattened for manifests and logs. */
export function describeError(err: unknown): Record<string, unknown> {
  if (err instanceof FanoutError) return err.toJSON();
  const info = awsErrorInfo(err);
  return { name: info.code, message: info.message, retryable: info.retryable };
}

/** The manifest's record of an error: the message and whichever context fields it carries. */
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

/** Worth another attempt: AWS called it transient, and the run did not cancel it. */
export function isRetryable(err: unknown): boolean {
  return err instanceof FanoutError && err.retryable && err.context.cancelled !== true;
}
