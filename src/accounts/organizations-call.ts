import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import { awsErrorInfo, FanoutError } from '../errors.js';
import { retry } from '../scheduler/index.js';

/** The Organizations calls we make, so tests and callers can pass anything that sends them. */
export type OrganizationsSender = Pick<OrganizationsClient, 'send'>;

/** Our backoff on top of the SDK's: a few hundred accounts' worth of calls throttles Organizations. */
export interface OrganizationsRetry {
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Told about every retried failure (throttling counts for logs and tests). */
  onRetry?: (operation: string, err: unknown, attempt: number) => void;
}

export function accountsError(operation: string, err: unknown): FanoutError {
  // A credential provider's failure (a refused role hop) surfaces through the SDK call; it already
  // names the hop, role and AWS's words, which a wrapper would only bury.
  if (err instanceof FanoutError) return err;
  const info = awsErrorInfo(err);
  return new FanoutError(`Organizations ${operation} failed: ${info.code}: ${info.message}`, {
    cause: err,
    retryable: info.retryable || (info.httpStatus ?? 0) >= 500,
    context: {
      stage: 'accounts',
      awsCode: info.code,
      awsMessage: info.message,
      ...(info.requestId ? { requestId: info.requestId } : {}),
    },
  });
}

/**
 * One Organizations call, retried with full-jitter backoff while it fails retryably (throttling,
 * 5xx), after the SDK's own attempts gave up.
 */
export function callOrganizations<T>(
  operation: string,
  send: () => Promise<T>,
  opts: { retry?: OrganizationsRetry; signal?: AbortSignal } = {},
): Promise<T> {
  const r = opts.retry ?? {};
  return retry(
    async () => {
      try {
        return await send();
      } catch (err) {
        throw accountsError(operation, err);
      }
    },
    {
      attempts: r.attempts ?? 8,
      baseDelayMs: r.baseDelayMs ?? 250,
      maxDelayMs: r.maxDelayMs ?? 10_000,
      isRetryable: (err) => err instanceof FanoutError && err.retryable,
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(r.onRetry
        ? { onRetry: (err: unknown, attempt: number) => r.onRetry?.(operation, err, attempt) }
        : {}),
    },
  );
}

/** Every page of a NextToken-paged Organizations list (pages may be empty while NextToken is set). */
export async function listAllPages<P extends { NextToken?: string | undefined }, I>(
  operation: string,
  fetchPage: (nextToken: string | undefined) => Promise<P>,
  items: (page: P) => I[] | undefined,
  opts: { retry?: OrganizationsRetry; signal?: AbortSignal } = {},
): Promise<I[]> {
  const all: I[] = [];
  let nextToken: string | undefined;
  do {
    const token = nextToken;
    const page = await callOrganizations(operation, () => fetchPage(token), opts);
    all.push(...(items(page) ?? []));
    nextToken = page.NextToken || undefined;
  } while (nextToken);
  return all;
}
