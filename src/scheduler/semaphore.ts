/**
 * Slots held across awaits: `acquire` waits its turn (first come, first served) and gives up, holding
 * nothing, when its signal aborts. The limit may move (see AimdLimit); holders above a lowered limit
 * keep their slots and newcomers wait until enough are released.
 */
export class Semaphore {
  private active = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(protected capacity: number) {
    if (!(capacity >= 1)) throw new RangeError(`Semaphore: limit must be >= 1, got ${capacity}`);
  }

  get limit(): number {
    return this.capacity;
  }

  get inFlight(): number {
    return this.active;
  }

  /** Waits for a slot; resolves false (holding nothing) if `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    if (this.active < this.capacity && this.waiters.length === 0) {
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

  protected drain(): void {
    while (this.active < this.capacity && this.waiters.length > 0) this.waiters.shift()!();
  }
}
