export interface AimdLimitOptions {
  /** The ceiling, and the starting limit. */
  max: number;
  /** The floor a decrease never goes below (default 1). */
  min?: number;
  /** Accepted starts needed, without a refusal, to add one slot (default: twice the limit, at least 4). */
  increaseEvery?: number;
}

/**
 * A concurrency limit that adapts: each refusal halves it (multiplicative decrease), a run of accepted
 * starts adds one (additive increase), so it settles just under a quota nobody tells us.
 */
export class AimdLimit {
  private current: number;
  private active = 0;
  private successes = 0;
  private readonly waiters: (() => void)[] = [];
  private readonly min: number;

  constructor(private readonly opts: AimdLimitOptions) {
    if (!(opts.max >= 1)) throw new RangeError(`AimdLimit: max must be >= 1, got ${opts.max}`);
    this.min = Math.max(1, Math.min(opts.min ?? 1, opts.max));
    this.current = opts.max;
  }

  get limit(): number {
    return this.current;
  }

  get inFlight(): number {
    return this.active;
  }

  /** Waits for a slot; resolves false (holding nothing) if `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    if (this.active < this.current) {
      this.active++;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        this.active++;
        resolve(true);
      };
      const onAbort = () => {
        const i = this.waiters.indexOf(grant);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve(false);
      };
      this.waiters.push(grant);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  release(): void {
    this.active = Math.max(0, this.active - 1);
    this.drain();
  }

  /** The quota refused a start: halve the limit (not below min). */
  decrease(): void {
    this.current = Math.max(this.min, Math.floor(this.current / 2));
    this.successes = 0;
  }

  /** A start was accepted: one more slot after `limit` of these, up to max. */
  increase(): void {
    if (this.current >= this.opts.max) return;
    this.successes++;
    // Slower than one per success: a quota of 1 would otherwise be probed (and refused) every other start.
    if (this.successes >= (this.opts.increaseEvery ?? Math.max(4, 2 * this.current))) {
      this.successes = 0;
      this.current++;
      this.drain();
    }
  }

  private drain(): void {
    while (this.active < this.current && this.waiters.length > 0) this.waiters.shift()!();
  }
}
