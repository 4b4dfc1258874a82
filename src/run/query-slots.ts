import type { QueryGate } from '../extract/index.js';
import type { AimdLimit, Semaphore } from '../scheduler/index.js';

/**
 * One (account, region)'s gate for queries in Athena: its adaptive limit first, then the run's global
 * one, so that a unit waiting on its busy account (or backing off a quota refusal, holding neither)
 * never keeps a global slot from another account.
 */
export function querySlots(account: AimdLimit, global: Semaphore): QueryGate {
  return {
    async acquire(signal) {
      if (!(await account.acquire(signal))) return false;
      if (await global.acquire(signal)) {
        // A slot given back by a query that just failed is handed over at once, before that unit's
        // outcome lands and failFast aborts the run (all within microtasks): let that happen first.
        await new Promise(setImmediate);
        if (!signal?.aborted) return true;
        global.release();
      }
      account.release();
      return false;
    },
    release() {
      global.release();
      account.release();
    },
    decrease: () => {
      account.decrease();
    },
    increase: () => {
      account.increase();
    },
  };
}
