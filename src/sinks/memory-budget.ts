/**
 * Bytes of results a run may hold in memory rather than in spill files. Each small result takes its
 * share until the outputs are written; once the budget is spent, results spill to disk as large ones do.
 */
export class MemoryBudget {
  #left: number;

  constructor(readonly total: number) {
    this.#left = total;
  }

  get left(): number {
    return this.#left;
  }

  /** Takes `bytes` if that many are left. */
  take(bytes: number): boolean {
    if (bytes > this.#left) return false;
    this.#left -= bytes;
    return true;
  }

  give(bytes: number): void {
    this.#left = Math.min(this.total, this.#left + bytes);
  }
}
