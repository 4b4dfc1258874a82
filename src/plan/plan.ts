import type { PipelineConfig } from '../config/index.js';
import type { RoleHop } from '../config/role-hop.js';
import type { Account } from '../accounts/index.js';
import { renderSql } from '../extract/index.js';
import { describeError } from '../errors.js';
import type { ResolvedAccounts } from './resolve-accounts.js';
import { querySettingsFor } from './account-settings.js';
import { type PlannedSettings, plannedSettings, settingsLines, whereText } from './planned-settings.js';
import { planUnits } from './units.js';
import { formatWindows, type PlannedWindow } from './plan-windows.js';
import { unitVariables } from './unit-variables.js';

/** A hop as plan shows it: the ExternalId is a shared secret, so only whether one is sent. */
export interface PlannedHop {
  arn: string;
  sessionName: string;
  durationSeconds: number;
  externalId: boolean;
  tags?: Record<string, string>;
  sourceIdentity?: string;
}

export interface PlannedAccount {
  id: string;
  name?: string;
  email?: string;
  ouPath?: string;
  state: string;
  tags?: Record<string, string>;
}

export interface Plan {
  configFile?: string;
  region: string;
  regions: string[];
  masterChain: PlannedHop[];
  accounts: {
    discovered: number;
    selected: (PlannedAccount & { chain: 'master' | 'account'; hops: PlannedHop[] })[];
    skipped: (PlannedAccount & { reason: string })[];
  };
  queries: {
    name: string;
    regions: string[];
    workgroup: string;
    database?: string;
    catalog?: string;
    outputLocation?: string;
    /** As written, `{{...}}` templates included. */
    sql: string;
    /** The SQL as the first account running it would send it (templates filled in). */
    rendered?: { accountId: string; region: string; sql: string };
    /** A template that cannot be rendered: the run would fail this query everywhere. */
    renderError?: string;
    /** Accounts running it (a query's own `accounts` narrows the selected ones). */
    accounts: number;
    /** The accounts whose settings `overrides:` changed, resolved (the rest use the ones above). */
    overridden?: PlannedSettings[];
  }[];
  /** (account, region, query) units a run would start. */
  units: number;
  /** Each incremental unit's window, from the state beside the outputs. */
  windows?: PlannedWindow[];
  warnings: string[];
}

function plannedHop(hop: RoleHop): PlannedHop {
  return {
    arn: hop.arn,
    sessionName: hop.sessionName,
    durationSeconds: hop.durationSeconds,
    externalId: hop.externalId !== undefined,
    ...(hop.tags ? { tags: hop.tags } : {}),
    ...(hop.sourceIdentity ? { sourceIdentity: hop.sourceIdentity } : {}),
  };
}

function plannedAccount(a: Account): PlannedAccount {
  return {
    id: a.id,
    ...(a.name ? { name: a.name } : {}),
    ...(a.email ? { email: a.email } : {}),
    ...(a.ouPath ? { ouPath: a.ouPath } : {}),
    state: a.state,
    ...(a.tags ? { tags: a.tags } : {}),
  };
}

type QueryConfig = PipelineConfig['queries'][number];

function renderFor(
  config: PipelineConfig,
  q: QueryConfig,
  account: Account | undefined,
  runId: string,
  windows: PlannedWindow[] | undefined,
) {
  if (!account) return {};
  const { query, vars } = querySettingsFor(config, account, q);
  const region = query.regions[0] ?? config.region;
  const window = windows?.find(
    (w) => w.query === q.name && w.accountId === account.id && w.region === region,
  );
  try {
    const sql = renderSql(
      q.sql,
      unitVariables(account, region, { runId, vars, ...(window ? { window } : {}) }),
      q.name,
    );
    return { rendered: { accountId: account.id, region, sql } };
  } catch (err) {
    return { renderError: String(describeError(err).message) };
  }
}

/** What a run would do with this config and these accounts; nothing in it calls AWS. */
export function buildPlan(
  config: PipelineConfig,
  resolved: ResolvedAccounts,
  warnings: string[],
  runId = 'plan',
  windows?: PlannedWindow[],
): Plan {
  const units = planUnits(config, resolved.selected);
  const runs = (q: QueryConfig) =>
    q.accounts ? resolved.selected.filter((a) => q.accounts!.includes(a.id)) : resolved.selected;
  return {
    ...(config.configFile ? { configFile: config.configFile } : {}),
    region: config.region,
    regions: [...new Set([...config.queries.flatMap((q) => q.regions), ...units.map((u) => u.region)])],
    masterChain: config.auth.masterRoleChain.map(plannedHop),
    accounts: {
      discovered: resolved.all.length,
      selected: resolved.selected.map((a) => {
        const { chain, hops } = resolved.chainFor(a.id);
        return { ...plannedAccount(a), chain, hops: hops.map(plannedHop) };
      }),
      skipped: resolved.skipped.map((s) => ({ ...plannedAccount(s.account), reason: s.reason })),
    },
    queries: config.queries.map((q) => ({
      name: q.name,
      regions: q.regions,
      workgroup: q.workgroup,
      ...(q.database ? { database: q.database } : {}),
      ...(q.catalog ? { catalog: q.catalog } : {}),
      ...(q.outputLocation ? { outputLocation: q.outputLocation } : {}),
      sql: q.sql,
      ...renderFor(config, q, runs(q)[0], runId, windows),
      accounts: runs(q).length,
      ...overriddenFor(config, q, runs(q)),
    })),
    units: units.length,
    ...(windows ? { windows } : {}),
    warnings: [...warnings, ...resolved.warnings],
  };
}

function overriddenFor(config: PipelineConfig, q: QueryConfig, accounts: Account[]) {
  const overridden = plannedSettings(config, q, accounts);
  return overridden.length > 0 ? { overridden } : {};
}

const chainText = (hops: PlannedHop[]) =>
  hops.length === 0 ? '(base credentials)' : hops.map((h) => h.arn).join(' -> ');

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => r[i]!.length))) ?? [];
  return rows.map((r) => `  ${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}`);
}

/** The plan for a terminal: one line per account, the SQL indented under each query. */
export function formatPlan(plan: Plan): string {
  const out: string[] = [];
  if (plan.configFile) out.push(`Config: ${plan.configFile}`);
  out.push(`Home region: ${plan.region}; query regions: ${plan.regions.join(', ')}`);
  out.push(`Master chain: ${chainText(plan.masterChain)}`);
  const { selected, skipped } = plan.accounts;
  out.push(
    '',
    `Accounts: ${plan.accounts.discovered} discovered, ${selected.length} selected, ${skipped.length} skipped`,
  );
  if (selected.length > 0) {
    out.push(
      ...table(
        selected.map((a) => [
          a.id,
          a.name ?? '',
          a.ouPath ?? '',
          a.state,
          `${a.chain === 'master' ? 'master chain: ' : ''}${chainText(a.hops)}`,
        ]),
      ),
    );
  }
  if (skipped.length > 0) {
    out.push('', 'Skipped:');
    out.push(
      ...table(skipped.map((a) => [a.id, a.name ?? '', a.ouPath ?? '', a.state, `skipped: ${a.reason}`])),
    );
  }
  out.push('', `Queries (${plan.units} units: accounts x regions x queries):`);
  for (const q of plan.queries) {
    out.push(`  ${q.name} in ${q.regions.join(', ')} for ${q.accounts} accounts; ${whereText(q)}`);
    if (q.overridden) out.push('    overridden for:', ...settingsLines(q.overridden).map((l) => `  ${l}`));
    if (q.renderError) out.push(`    cannot render: ${q.renderError}`);
    out.push(...formatWindows(plan.windows, q.name));
    const sql = q.rendered?.sql ?? q.sql;
    if (q.rendered && q.rendered.sql !== q.sql) {
      out.push(`    as sent for ${q.rendered.accountId} in ${q.rendered.region}:`);
    }
    out.push(
      ...sql
        .trimEnd()
        .split('\n')
        .map((line) => `      ${line}`),
    );
  }
  if (plan.warnings.length > 0) out.push('', 'Warnings:', ...plan.warnings.map((w) => `  ${w}`));
  return `${out.join('\n')}\n`;
}
