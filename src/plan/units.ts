import type { Account } from '../accounts/index.js';
import type { PipelineConfig, QueryConfig } from '../config/index.js';

export interface UnitSpec {
  account: Account;
  region: string;
  query: QueryConfig;
}

/** Every (account, region) × query the run owes: each query in each of its regions, if its `accounts` allow. */
export function planUnits(config: PipelineConfig, accounts: Account[]): UnitSpec[] {
  return accounts.flatMap((account) =>
    config.queries
      .filter((q) => !q.accounts || q.accounts.includes(account.id))
      .flatMap((query) => query.regions.map((region) => ({ account, region, query }))),
  );
}
