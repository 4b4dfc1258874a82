import type { ProvenanceColumn } from './provenance-schema.js';
import type { CredentialSource } from './credential-source.js';
import type { RoleHop } from './role-hop.js';
import type { ConfigIssue } from '../errors.js';

export type ParquetCompression = 'zstd' | 'snappy' | 'gzip' | 'none';

/** Filters every source shares; `states` defaults to ACTIVE. */
interface AccountFilters {
  include?: string[];
  exclude: string[];
  states: string[];
}

export type AccountsConfig =
  | (AccountFilters & {
      source: 'organization';
      /** OU ids or paths (`Root/Prod/Web`), each a whole subtree; absent = the whole organization. */
      organizationalUnits?: string[];
      excludeOrganizationalUnits: string[];
      /** Every key must match one of its values. */
      tags?: Record<string, string[]>;
    })
  | (AccountFilters & { source: 'list'; ids: string[] });

export interface AthenaDefaults {
  workgroup: string;
  database?: string;
  catalog?: string;
  /** May still contain `<accountId>` and `<region>`. */
  outputLocation?: string;
  /**
   * How results are read (default auto: the result CSV from S3 when readable, else GetQueryResults;
   * unload: the query wrapped in UNLOAD to Parquet, read back from S3).
   */
  fetch: 'auto' | 'api' | 's3' | 'unload';
  /** fetch: unload: the base of the per-unit prefixes (may contain `<accountId>`, `<region>`), keep the parts. */
  unload: { location?: string; keep: boolean };
  /** Incompatible column types across accounts: `union` writes them as text (warning), `strict` fails the query. */
  schema: 'union' | 'strict';
  /** StopQueryExecution after this long; the unit is `timed_out`. */
  timeoutSeconds?: number;
  encryption?: { option: 'SSE_S3' | 'SSE_KMS' | 'CSE_KMS'; kmsKey?: string };
  resultReuseMinutes?: number;
}

export interface QueryConfig extends AthenaDefaults {
  name: string;
  sql: string;
  /** The query's own `regions`, else the top-level ones, else `[region]`. */
  regions: string[];
  /** Only these account ids run this query; absent = every selected account. */
  accounts?: string[];
  /** Templates for the `?` placeholders, rendered per unit into quoted ExecutionParameters. */
  parameters?: string[];
  /** The top-level `provenance:` columns, in output order (account_id first unless switched off). */
  provenance: ProvenanceColumn[];
  /** `{{since}}` / `{{until}}` windows per unit, from the state beside the outputs. */
  incremental?: IncrementalConfig;
}

export interface IncrementalConfig {
  /** The column the window is on (as written; shown by `plan`). */
  column: string;
  /** Where a unit's first window starts: ISO 8601 in UTC (`2026-01-01T00:00:00.000Z`). */
  initial: string;
}

/** A partitioned sink in `mode: append`: a partition per run, the newest `retention` kept (absent: all). */
export interface AppendMode {
  partitionBy: 'runDate' | 'runId';
  retention?: number;
}

/** Which accounts an override applies to: every key given must match (absent keys match anything). */
export interface AccountMatch {
  accounts?: string[];
  /** OU paths, each a whole subtree (`Root/Prod` matches `Root/Prod/Web`). */
  ou?: string[];
  /** Every key must match one of its values. */
  tags?: Record<string, string[]>;
}

/** What an override sets; text values may hold `{{accountId}}`, `{{accountName}}`, `{{tags.KEY | default}}`. */
export interface OverrideSettings {
  workgroup?: string;
  catalog?: string;
  database?: string;
  /** May also hold `<accountId>` and `<region>`. */
  outputLocation?: string;
  regions?: string[];
  vars?: Record<string, string>;
}

export interface AccountOverride {
  /** Where it was written (`overrides.2`), for plan and error messages. */
  field: string;
  match: AccountMatch;
  /** Only these queries; absent: every query. */
  queries?: string[];
  set: OverrideSettings;
}

/** What a run does when the output file exists: replace it atomically, fail that output, or keep it. */
export type IfExists = 'overwrite' | 'error' | 'skip';

/** `merged`: one file per query; `partitioned`: `query=<q>/account_id=<id>/part-NNNN.<ext>` plus `_SUCCESS`. */
export type SinkLayout = 'merged' | 'partitioned';

/** A partitioned S3 Parquet dataset as a Glue table: in the master chain's account or `accountId`'s. */
export interface RegisterTable {
  database: string;
  table: string;
  accountId?: string;
}

/** For `s3://` sink paths: server-side encryption of the uploaded objects. */
export interface SinkS3Options {
  sse?: 'AES256' | 'aws:kms';
  kmsKeyId?: string;
  /** S3 Bucket Key with SSE-KMS (implies aws:kms). */
  bucketKey?: boolean;
}

export type SinkConfig = SinkS3Options &
  (
    | {
        type: 'parquet';
        path: string;
        compression: ParquetCompression;
        rowGroupSize?: number;
        ifExists: IfExists;
        layout: SinkLayout;
        register?: RegisterTable;
      }
    | { type: 'arrow' | 'arrow-stream' | 'ndjson'; path: string; ifExists: IfExists; layout: SinkLayout }
  ) & {
    /** `mode: append` (layout partitioned only); absent: the dataset is replaced each run. */
    append?: AppendMode;
  };

/** The validated, normalised configuration: every default applied, every path absolute. */
export interface PipelineConfig {
  /** Absolute path when loaded from a file. */
  configFile?: string;
  version: 1;
  /** The home region: STS and anything not per-unit. */
  region: string;
  /** Top-level `regions`, else `[region]`; every query's own list is in `queries[].regions`. */
  regions: string[];
  auth: {
    /** `auth.credentials`; absent = the AWS SDK default chain. File paths are absolute. */
    credentials?: CredentialSource;
    /** MFA for the hops assumed straight from the base credentials; no tokenCode = ask on the terminal. */
    mfa?: { serialNumber: string; tokenCode?: string };
    /** Defaults (sessionName, durationSeconds, externalId) applied per hop. */
    masterRoleChain: RoleHop[];
    /** Still containing `<accountId>` (`{accountId}` is normalised to it). */
    accountRoleChain: RoleHop[];
    accountChainFrom: 'base' | 'master';
    managementAccountChain: 'master' | 'account';
  };
  accounts: AccountsConfig;
  athena: AthenaDefaults;
  concurrency: { queries: number; perAccount: number; accounts: number };
  /** USD per TB scanned (`athena.pricePerTB`, default 5). */
  pricePerTB: number;
  retries: { query: number };
  failFast: boolean;
  /** `vars:`, every value as text. */
  vars: Record<string, string>;
  /** Athena defaults merged in; `overrides` are applied per account (plan/account-settings). */
  queries: QueryConfig[];
  /** Per-account settings, in config order: a later match wins. */
  overrides: AccountOverride[];
  /** Absolute path templates, `{query}` still in place. */
  sinks: SinkConfig[];
  /** Absolute. */
  manifest: string;
  /** For `athena-fanout schedule`. */
  schedule?: ScheduleConfig;
  metrics?: MetricsConfig;
  /** Alerts, in config order (empty: none). */
  notify: NotifyTarget[];
  /** `iam:`, for `iam-policy` only; may contain `<accountId>` and `<region>`. */
  iam?: IamSettings;
}

/** What the policies can't learn from the rest of the config. */
export interface IamSettings {
  dataLocations: string[];
  kmsKeys: { data: string[]; results: string[] };
}

/** A run status an alert is sent on; an interrupted run alerts as `failed`. */
export type AlertStatus = 'failed' | 'partial' | 'succeeded';

/** Each attempt is limited to `timeoutSeconds`; `retries` more after a failed one. */
interface NotifyDelivery {
  on: AlertStatus[];
  timeoutSeconds: number;
  retries: number;
}

export type NotifyTarget = NotifyDelivery &
  (
    | { type: 'webhook'; url: string; format: 'json' | 'slack' }
    /** `region` is the topic ARN's: SNS is called there with the base credentials. */
    | { type: 'sns'; topicArn: string; region: string }
  );

export interface ScheduleConfig {
  cron: string;
  timezone: string;
  shutdown: 'drain' | 'cancel';
  shutdownDeadlineSeconds: number;
  runOnStart: boolean;
}

export interface MetricsConfig {
  /** Absolute. */
  file?: string;
  pushgateway?: string;
  job: string;
}

export interface LoadConfigOptions {
  /** `--config FILE`: load exactly this file instead of searching. Relative to `cwd`. */
  configPath?: string;
  cwd?: string;
  env?: Record<string, string | undefined>;
}

export interface LoadedConfig {
  config: PipelineConfig;
  warnings: string[];
}

export interface ParseConfigOptions {
  file?: string;
  env?: Record<string, string | undefined>;
  /** Directory relative paths are resolved against; defaults to the file's directory, else the cwd. */
  baseDir?: string;
  /** The file's text, used only to give issues a line and column. */
  source?: string;
}

export type ParseConfigResult =
  { ok: true; config: PipelineConfig; warnings: string[] } | { ok: false; issues: ConfigIssue[] };
