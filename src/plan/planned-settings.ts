import type { Account } from '../accounts/index.js';
import type { PipelineConfig, QueryConfig } from '../config/index.js';
import { querySettingsFor } from './account-settings.js';

/** One account's settings for a query where `overrides:` changed them, as plan shows them. */
export interface PlannedSettings {
  accountId: string;
  /** The overrides that matched (`overrides.0`), in the order applied. */
  applied: string[];
  regions: string[];
  workgroup: string;
  catalog?: string;
  database?: string;
  outputLocation?: string;
  /** The vars the overrides set (merged over `vars:`). */
  vars?: Record<string, string>;
  /** The account cannot fill a template: its units would fail with this. */
  error?: string;
}

/** The accounts whose settings for `query` an override changed, each resolved. */
export function plannedSettings(
  config: PipelineConfig,
  query: QueryConfig,
  accounts: Account[],
): PlannedSettings[] {
  return accounts.flatMap((account) => {
    const s = querySettingsFor(config, account, query);
    if (s.applied.length === 0) return [];
    const q = s.query;
    const setVars = Object.fromEntries(Object.entries(s.vars).filter(([k, v]) => config.vars[k] !== v));
    return [
      {
        accountId: account.id,
        applied: s.applied,
        regions: q.regions,
        workgroup: q.workgroup,
        ...(q.catalog ? { catalog: q.catalog } : {}),
        ...(q.database ? { database: q.database } : {}),
        ...(q.outputLocation ? { outputLocation: q.outputLocation } : {}),
        ...(Object.keys(setVars).length > 0 ? { vars: setVars } : {}),
        ...(s.error === undefined ? {} : { error: s.error }),
      },
    ];
  });
}

/** `Where` a query runs, as one line: workgroup, catalog, database, output location. */
export function whereText(q: {
  workgroup: string;
  catalog?: string;
  database?: string;
  outputLocation?: string;
}): string {
  return [
    `workgroup ${q.workgroup}`,
    q.catalog ? `catalog ${q.catalog}` : '',
    q.database ? `database ${q.database}` : '',
    q.outputLocation ? `output ${q.outputLocation}` : '',
  ]
    .filter(Boolean)
    .join(', ');
}

/** The plan's lines for the accounts an override changed. */
export function settingsLines(settings: PlannedSettings[]): string[] {
  return settings.map((s) => {
    if (s.error) return `    ${s.accountId}: cannot resolve: ${s.error}`;
    const vars = s.vars
      ? `, vars ${Object.entries(s.vars)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}`
      : '';
    return `    ${s.accountId} (${s.applied.join(', ')}): in ${s.regions.join(', ')}; ${whereText(s)}${vars}`;
  });
}
