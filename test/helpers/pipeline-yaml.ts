import { EXCLUDED, orgAuthYaml } from './org-scenario.js';

export interface OrgConfigOptions {
  /** The `auth:` block's options (orgAuthYaml). */
  auth?: Parameters<typeof orgAuthYaml>[0];
  /** `athena.workgroup`, when the config names one. */
  workgroup?: string;
  /** `athena.outputLocation`; defaults to a per-account bucket. */
  outputLocation?: string;
}

/**
 * A run config for orgScenario(): version, region, the org's `auth:` block and `athena:` on its
 * inventory database, then `body` (the test's own top-level YAML: accounts, queries, sinks, ...), then
 * `manifest: out/manifest.json`.
 */
export function orgConfigYaml(body: string, opts: OrgConfigOptions = {}): string {
  return `version: 1
region: eu-west-1
${orgAuthYaml(opts.auth)}athena:
${opts.workgroup ? `  workgroup: ${opts.workgroup}\n` : ''}  database: inventory
  outputLocation: ${opts.outputLocation ?? 's3://athena-results-<accountId>/fanout/'}
${body}manifest: out/manifest.json
`;
}

/**
 * The e2e org config (account chain from the master chain unless `auth` says otherwise): every account
 * but the excluded one, one query, Parquet and Arrow sinks; with extra top-level YAML appended.
 */
export function pipelineYaml(extra = '', auth: OrgConfigOptions['auth'] = {}): string {
  return `${orgConfigYaml(
    `accounts:
  source: organization
  exclude: ["${EXCLUDED}"]
concurrency:
  queries: 6
  perAccount: 2
queries:
  - name: inventory
    sql: SELECT * FROM inventory
sinks:
  - { type: parquet, path: out/{query}.parquet }
  - { type: arrow, path: out/{query}.arrow }
`,
    { auth: { sessionName: 'fanout-ops', ...auth }, workgroup: 'primary' },
  )}${extra}`;
}
