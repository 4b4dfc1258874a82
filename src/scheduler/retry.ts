export interface RetryOptions {
  /** Attempts in total, the first included. */
  attempts: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  isRetryable(err: unknown): boolean;
  /** Abort: no further attempt; a pending backoff ends at once with the last error. */
  signal?: AbortSignal;
  onRetry?(err: unknown, attempt: number, delayMs: number): void;
}

const DEFAULT_BASE_DELAY_MS = 500;
const DEFAULT_MAX_DELAY_MS = 20_000;

/** Full-jitter backoff: a uniform delay in [0, min(max, base * 2^(attempt-1))). */
export function backoffDelay(attempt: number, baseDelayMs: number, maxDelayMs: number): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(Math.random() * ceiling);
}

function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve(false);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Calls `fn` (with the 1-based attempt number) until it succeeds, fails non-retryably or attempts run out. */
export async function retry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  if (!(opts.attempts >= 1)) throw new RangeError(`retry: attempts must be >= 1, got ${opts.attempts}`);
  const base = opts.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
  const max = opts.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
  if (opts.signal?.aborted) throw opts.signal.reason;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= opts.attempts || opts.signal?.aborted || !opts.isRetryable(err)) throw err;
      const delay = backoffDelay(attempt, base, max);
      opts.onRetry?.(err, attempt, delay);
      // The last error explains the failure better than the abort reason does.
      if (!(await sleep(delay, opts.signal))) throw err;
    }
  }
}
