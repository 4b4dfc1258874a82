import type { Account } from '../accounts/index.js';
import {
  type AccountMatch,
  type AccountOverride,
  type PipelineConfig,
  type QueryConfig,
  renderSetting,
  settingProblem,
} from '../config/index.js';

// The one place a unit's effective settings are decided: the query's own (with the `athena:` defaults),
// then every matching `overrides:` entry in config order, a later one winning field by field.

/** A query's settings for one account. */
export interface AccountSettings {
  /** The query with the overrides applied (same name: its rows still go to the one output). */
  query: QueryConfig;
  /** `vars:` with the overrides' vars merged over them. */
  vars: Record<string, string>;
  /** The overrides that matched, by field (`overrides.1`), in the order applied. */
  applied: string[];
  /** A template this account cannot fill (a tag it lacks, no default): each of its units fails with it. */
  error?: string;
}

/** `Root/Prod` covers `Root/Prod` and everything under it, not `Root/Production`. */
function underOu(ouPath: string | undefined, ou: string): boolean {
  return ouPath !== undefined && (ouPath === ou || ouPath.startsWith(`${ou}/`));
}

/** Whether every key of `match` holds for `account` (an account without tags matches no tag). */
export function accountMatches(match: AccountMatch, account: Account): boolean {
  if (match.accounts && !match.accounts.includes(account.id)) return false;
  if (match.ou && !match.ou.some((ou) => underOu(account.ouPath, ou))) return false;
  if (match.tags) {
    for (const [key, values] of Object.entries(match.tags)) {
      const value = account.tags?.[key];
      if (value === undefined || !values.includes(value)) return false;
    }
  }
  return true;
}

function appliesTo(o: AccountOverride, account: Account, query: QueryConfig): boolean {
  return (!o.queries || o.queries.includes(query.name)) && accountMatches(o.match, account);
}

const TEXT_FIELDS = ['workgroup', 'catalog', 'database', 'outputLocation'] as const;

/** The effective settings of `query` (as in `config.queries`) for `account`. */
export function querySettingsFor(
  config: PipelineConfig,
  account: Account,
  query: QueryConfig,
): AccountSettings {
  const effective: QueryConfig = { ...query };
  const vars = { ...config.vars };
  const applied: string[] = [];
  const errors: string[] = [];
  const values = {
    accountId: account.id,
    ...(account.name === undefined ? {} : { accountName: account.name }),
    ...(account.tags === undefined ? {} : { tags: account.tags }),
  };
  /** `kind`: the setting whose rule the filled value must meet (none for vars). */
  const fill = (template: string, field: string, kind?: string): string | undefined => {
    const out = renderSetting(template, values);
    if (out.missing) {
      const { name, text } = out.missing;
      const tag = name.startsWith('tags.');
      const what = tag ? `has no tag ${name.slice('tags.'.length)}` : `has no ${name}`;
      const fix = `${tag ? 'tag the account, or ' : ''}write {{${name} | default}}`;
      errors.push(`${field}: account ${account.id} ${what} (${text} declares no default: ${fix})`);
      return undefined;
    }
    const problem = out.value === template || !kind ? undefined : settingProblem(kind, out.value);
    if (problem !== undefined) {
      errors.push(`${field}: for account ${account.id} "${template}" is "${out.value}": ${problem}`);
      return undefined;
    }
    return out.value;
  };
  for (const o of config.overrides) {
    if (!appliesTo(o, account, query)) continue;
    applied.push(o.field);
    for (const key of TEXT_FIELDS) {
      const template = o.set[key];
      if (template === undefined) continue;
      const value = fill(template, `${o.field}.set.${key}`, key);
      if (value !== undefined) effective[key] = value;
    }
    if (o.set.regions) effective.regions = [...o.set.regions];
    for (const [name, template] of Object.entries(o.set.vars ?? {})) {
      const value = fill(template, `${o.field}.set.vars.${name}`);
      if (value !== undefined) vars[name] = value;
    }
  }
  return {
    query: effective,
    vars,
    applied,
    ...(errors.length > 0 ? { error: `Query ${query.name}: ${errors.join('; ')}` } : {}),
  };
}
