/** The file `athena-fanout init` writes: every section present, the optional ones commented out. */
export function starterConfig(schemaRef: string): string {
  return `# yaml-language-server: $schema=${schemaRef}
# athena-fanout pipeline. Check it with: athena-fanout validate
# Every string may use \${ENV_VAR}; an unset variable stops the run before any AWS call.
version: 1

# Athena and STS region (AWS_REGION when absent).
region: us-east-1

auth:
  # Base credentials come from the AWS SDK default chain (env, AWS_PROFILE, SSO, web identity, ECS, IMDS).
  # A shared secret with the roles' trust policies: keep it out of the file.
  externalId: \${FANOUT_EXTERNAL_ID}
  sessionName: athena-fanout
  # Assumed in order; the last role may call organizations:ListAccounts (management or delegated admin).
  masterRoleChain:
    - arn:aws:iam::111111111111:role/OrgReader
  # Assumed in every member account; <accountId> is substituted.
  accountRoleChain:
    - arn:aws:iam::<accountId>:role/AthenaReader
  # master: member roles are assumed from the master chain's last role; base: from the base credentials.
  accountChainFrom: master

accounts:
  source: organization # or: list, with ids: ["123456789012"]
  exclude: [] # account ids in quotes

athena:
  workgroup: primary
  database: default
  # Where Athena writes results in each account (omit when the workgroup sets it); <accountId> substituted.
  outputLocation: s3://athena-results-<accountId>/athena-fanout/

concurrency:
  queries: 16 # Athena queries in flight, all accounts together
  perAccount: 2 # per account (Athena's own quota counts queued + running)
  accounts: 8 # role chains being assumed at once

queries:
  - name: example
    sql: SELECT 1 AS one

# One merged file per query and sink; paths are relative to this file.
sinks:
  - type: parquet
    path: out/{query}.parquet
    compression: zstd

manifest: out/manifest.json

# Prometheus text file after each run (node_exporter textfile collector), and/or a Pushgateway.
# metrics:
#   file: /var/lib/node_exporter/textfile/athena_fanout.prom
#   pushgateway: http://pushgateway:9091

# For \`athena-fanout schedule\` (a long-running process); \`run\` ignores it.
# schedule:
#   cron: '0 2 * * *'
#   timezone: UTC
#   shutdown: drain # or cancel: what SIGTERM does to a run in progress
#   shutdownDeadlineSeconds: 300
`;
}
