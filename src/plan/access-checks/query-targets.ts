import { fillPlaceholders, type PipelineConfig, type QueryConfig } from '../../config/index.js';
import type { Account } from '../../accounts/index.js';
import { describeError } from '../../errors.js';
import { renderSql } from '../../extract/index.js';
import { planUnits } from '../units.js';
import { unitVariables } from '../unit-variables.js';
import { unitWindow } from '../unit-windows.js';

/** One (region, query) an account runs, as the run would send it. */
export interface QueryTarget {
  query: QueryConfig;
  region: string;
  /** The SQL rendered for this account and region; absent when its template cannot be rendered. */
  sql?: string;
  parameters?: string[];
  renderError?: string;
  /** The config's output location with `<accountId>` and `<region>` filled in. */
  outputLocation?: string;
  /** `fetch: unload`: `unload.location`, filled in likewise. */
  unloadLocation?: string;
}

/** Every unit the run would start in `account`, with its SQL rendered the way the run renders it. */
export function queryTargets(
  config: PipelineConfig,
  account: Account,
  run: { runId: string; runStarted: Date },
): QueryTarget[] {
  return planUnits(config, [account]).map(({ query, region, vars: unitVars, settingsError }) => {
    const outputLocation =
      query.outputLocation && fillPlaceholders(query.outputLocation, { accountId: account.id, region });
    const unloadLocation =
      query.unload.location && fillPlaceholders(query.unload.location, { accountId: account.id, region });
    const target: QueryTarget = {
      query,
      region,
      ...(outputLocation ? { outputLocation } : {}),
      ...(unloadLocation ? { unloadLocation } : {}),
    };
    if (settingsError !== undefined) return { ...target, renderError: settingsError };
    // An incremental query is checked over its initial window: the widest it may read.
    const window = query.incremental
      ? unitWindow(query.incremental, undefined, {
          until: run.runStarted,
          runId: run.runId,
          fullRefresh: false,
        })
      : undefined;
    const vars = unitVariables(account, region, {
      ...run,
      vars: unitVars ?? config.vars,
      ...(window ? { window: { since: window.since, until: window.until } } : {}),
    });
    try {
      target.sql = renderSql(query.sql, vars, query.name);
      if (query.parameters) target.parameters = query.parameters.map((p) => renderSql(p, vars, query.name));
    } catch (err) {
      delete target.sql;
      target.renderError = String(describeError(err).message);
    }
    return target;
  });
}
