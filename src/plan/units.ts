import type { Account } from '../accounts/index.js';
import type { PipelineConfig, QueryConfig } from '../config/index.js';
import { querySettingsFor } from './account-settings.js';

export interface UnitSpec {
  account: Account;
  region: string;
  /** The query with this account's overrides applied (plan/account-settings). */
  query: QueryConfig;
  /** The SQL templates' `vars`, this account's overrides merged in; absent: the config's. */
  vars?: Record<string, string>;
  /** This account's settings cannot be filled (a missing tag): the unit fails with this, calling nothing. */
  settingsError?: string;
}

/** Every (account, region) × query the run owes: each query in each of its regions, if its `accounts` allow. */
export function planUnits(config: PipelineConfig, accounts: Account[]): UnitSpec[] {
  return accounts.flatMap((account) =>
    config.queries
      .filter((q) => !q.accounts || q.accounts.includes(account.id))
      .flatMap((base) => {
        const { query, vars, error } = querySettingsFor(config, account, base);
        return query.regions.map((region) => ({
          account,
          region,
          query,
          vars,
          ...(error === undefined ? {} : { settingsError: error }),
        }));
      }),
  );
}
