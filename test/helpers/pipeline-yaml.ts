import { EXCLUDED, MANAGEMENT } from './org-scenario.js';

/** The e2e org config (account chain from the master chain), with extra top-level YAML appended. */
export function pipelineYaml(extra = ''): string {
  return `version: 1
region: eu-west-1
auth:
  externalId: \${FANOUT_EXTERNAL_ID}
  sessionName: fanout-ops
  masterRoleChain:
    - arn:aws:iam::${MANAGEMENT}:role/OrgHub
    - arn:aws:iam::${MANAGEMENT}:role/OrgReader
  accountRoleChain:
    - arn:aws:iam::<accountId>:role/AthenaReader
  accountChainFrom: master
accounts:
  source: organization
  exclude: ["${EXCLUDED}"]
athena:
  workgroup: primary
  database: inventory
  outputLocation: s3://athena-results-<accountId>/fanout/
concurrency:
  queries: 6
  perAccount: 2
queries:
  - name: inventory
    sql: SELECT * FROM inventory
sinks:
  - { type: parquet, path: out/{query}.parquet }
  - { type: arrow, path: out/{query}.arrow }
manifest: out/manifest.json
${extra}`;
}
