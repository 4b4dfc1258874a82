import { Semaphore } from './semaphore.js';

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
export class AimdLimit extends Semaphore {
  private successes = 0;
  private readonly min: number;

  constructor(private readonly opts: AimdLimitOptions) {
    if (!(opts.max >= 1)) throw new RangeError(`AimdLimit: max must be >= 1, got ${opts.max}`);
    super(opts.max);
    this.min = Math.max(1, Math.min(opts.min ?? 1, opts.max));
  }

  /** The quota refused a start: halve the limit (not below min). */
  decrease(): void {
    this.capacity = Math.max(this.min, Math.floor(this.capacity / 2));
    this.successes = 0;
  }

  /** A start was accepted: one more slot after `limit` of these, up to max. */
  increase(): void {
    if (this.capacity >= this.opts.max) return;
    this.successes++;
    // Slower than one per success: a quota of 1 would otherwise be probed (and refused) every other start.
    if (this.successes >= (this.opts.increaseEvery ?? Math.max(4, 2 * this.capacity))) {
      this.successes = 0;
      this.capacity++;
      this.drain();
    }
  }
}
