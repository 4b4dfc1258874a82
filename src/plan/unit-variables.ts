import type { Account } from '../accounts/index.js';
import type { SqlVariables } from '../extract/index.js';

/**
 * What a unit's SQL templates may use: the account, its region, the run, and the config's `vars`. The
 * run renders each unit's SQL with it, and `plan --check-access` renders the SQL it checks the same way.
 */
export function unitVariables(
  account: Account,
  region: string,
  run: {
    runId: string;
    runStarted?: Date;
    vars?: Record<string, string>;
    window?: { since: string; until: string };
  },
): SqlVariables {
  return {
    accountId: account.id,
    region,
    // The UTC date, as the sink paths' {runDate} (run/render-path.ts).
    runDate: (run.runStarted ?? new Date()).toISOString().slice(0, 10),
    runId: run.runId,
    ...(account.name === undefined ? {} : { accountName: account.name }),
    ...(account.email === undefined ? {} : { accountEmail: account.email }),
    ...(account.ouPath === undefined ? {} : { ouPath: account.ouPath }),
    ...(account.tags === undefined ? {} : { tags: account.tags }),
    vars: run.vars ?? {},
    ...(run.window ? { window: { since: run.window.since, until: run.window.until } } : {}),
  };
}
