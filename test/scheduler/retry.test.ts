import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay, retry } from '../../src/scheduler/index.js';

class Transient extends Error {}

describe('retry', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('retries retryable failures with exponential full-jitter backoff until success', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.999);
    const delays: number[] = [];
    const fn = vi.fn((attempt: number) =>
      attempt < 4 ? Promise.reject(new Transient(`try ${attempt}`)) : Promise.resolve(`ok on ${attempt}`),
    );
    const p = retry(fn, {
      attempts: 5,
      baseDelayMs: 100,
      maxDelayMs: 300,
      isRetryable: (e) => e instanceof Transient,
      onRetry: (_e, _a, d) => delays.push(d),
    });
    await vi.runAllTimersAsync();
    await expect(p).resolves.toBe('ok on 4');
    expect(fn.mock.calls.map((c) => c[0])).toEqual([1, 2, 3, 4]);
    // ceilings 100, 200, then capped at 300
    expect(delays).toEqual([99, 199, 299]);
  });

  it('waits the backoff before the next attempt', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const fn = vi.fn((attempt: number) =>
      attempt === 1 ? Promise.reject(new Transient()) : Promise.resolve(1),
    );
    const p = retry(fn, { attempts: 2, baseDelayMs: 1000, isRetryable: () => true });
    await vi.advanceTimersByTimeAsync(499);
    expect(fn).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(fn).toHaveBeenCalledTimes(2);
    await expect(p).resolves.toBe(1);
  });

  it('throws a non-retryable error at once, and the last error when attempts run out', async () => {
    const fatal = vi.fn(() => Promise.reject(new Error('fatal')));
    await expect(retry(fatal, { attempts: 5, isRetryable: (e) => e instanceof Transient })).rejects.toThrow(
      'fatal',
    );
    expect(fatal).toHaveBeenCalledTimes(1);

    const always = vi.fn((a: number) => Promise.reject(new Transient(`attempt ${a}`)));
    const p = retry(always, { attempts: 3, isRetryable: () => true });
    const settled = expect(p).rejects.toThrow('attempt 3');
    await vi.runAllTimersAsync();
    await settled;
    expect(always).toHaveBeenCalledTimes(3);
  });

  it('abort during a backoff ends at once with the last error and makes no further attempt', async () => {
    const controller = new AbortController();
    const fn = vi.fn(() => Promise.reject(new Transient('throttled')));
    const p = retry(fn, {
      attempts: 10,
      baseDelayMs: 60_000,
      isRetryable: () => true,
      signal: controller.signal,
    });
    const settled = expect(p).rejects.toThrow('throttled');
    await vi.advanceTimersByTimeAsync(0);
    controller.abort();
    await settled;
    await vi.runAllTimersAsync();
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('backoffDelay stays below the capped exponential ceiling', () => {
    for (let attempt = 1; attempt <= 12; attempt++) {
      const ceiling = Math.min(5000, 100 * 2 ** (attempt - 1));
      for (let i = 0; i < 50; i++) {
        const d = backoffDelay(attempt, 100, 5000);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(ceiling);
      }
    }
  });
});
