/** Shapes shared across stages and written to disk. The manifest is a public, versioned format. */

export type UnitState = 'succeeded' | 'failed' | 'cancelled' | 'timed_out';
export type RunStatus = 'succeeded' | 'partial' | 'failed' | 'interrupted';

export interface UnitError {
  message: string;
  stage?: string;
  chain?: string;
  hopIndex?: number;
  roleArn?: string;
  callerArn?: string;
  awsCode?: string;
  awsMessage?: string;
  queryExecutionId?: string;
  retryable?: boolean;
}

/** An execution's statistics as Athena reports them, kept in each unit's record. */
export interface QueryStats {
  dataScannedInBytes?: number;
  engineExecutionTimeInMillis?: number;
  queryQueueTimeInMillis?: number;
  queryPlanningTimeInMillis?: number;
  serviceProcessingTimeInMillis?: number;
  totalExecutionTimeInMillis?: number;
}

export interface UnitRecord extends QueryStats {
  accountId: string;
  accountName?: string;
  /** The region the query ran in: (account, region) is the unit of work. */
  region?: string;
  query: string;
  state: UnitState;
  attempts: number;
  queryExecutionIds: string[];
  rows: number;
  /** How the results were read (the query's `fetch`; `auto` resolves to s3 or api). */
  fetch?: 'api' | 's3' | 'unload';
  /** Why `fetch: auto` read through the API rather than S3 (e.g. the whole result fit the first page). */
  fetchFallback?: string;
  /** fetch: unload: the Parquet parts that could not be deleted after reading. */
  unloadCleanup?: string;
  /** Athena answered from a previous query's results (result reuse): nothing scanned or billed. */
  reused?: boolean;
  /**
   * The run id was run before (a resumed run) and this unit took over an execution an earlier attempt
   * started: `reused`, it had SUCCEEDED and its results were read again (no new query; cost 0 here,
   * its statistics are the execution's own); `attached`, it was still running and was waited for.
   */
  resumed?: 'reused' | 'attached';
  /** Scanned bytes at `pricePerTB`, each billed query at least 10 MB; 0 when reused (or resumed: reused) or FAILED. */
  estimatedCostUSD?: number;
  /** Starts refused by the account's concurrent query quota before one was accepted. */
  quotaRefusals?: number;
  /** The account's OU path (`Root/Prod/Web`) when it was found in the organization's OU tree. */
  ouPath?: string;
  /** An incremental query: the window this unit read (`since` inclusive, `until` exclusive, UTC). */
  window?: { since: string; until: string };
  /** When the unit's task began (its role chain, then a query slot, came next). */
  startedAt?: string;
  /** When the last attempt's StartQueryExecution was answered: the query was queued in Athena. */
  submittedAt?: string;
  /** When the last attempt's execution was seen to end (its terminal state, as polled). */
  completedAt?: string;
  /** When reading the results began (a read slot taken); reading ended at `endedAt`. */
  readStartedAt?: string;
  endedAt?: string;
  error?: UnitError;
}

export interface SkippedAccountRecord {
  accountId: string;
  accountName?: string;
  state?: string;
  /** `Root/Prod/Web` when the account was found in the organization's OU tree. */
  ouPath?: string;
  reason: string;
}

/** written: the output is in place; failed: it could not be written (rows and bytes 0; see `error`). */
export type OutputState = 'written' | 'failed';

export interface OutputRecord {
  query: string;
  type: string;
  path: string;
  rows: number;
  bytes: number;
  /** Absent in manifests written before outputs could fail alone: those were written. */
  state?: OutputState;
  /** Why a failed output could not be written; the run's other outputs were still written. */
  error?: UnitError;
  /** A dataset with `register:`: its Glue table after the run (absent for other outputs). */
  registered?: TableRegistration;
}

/**
 * created / updated (columns added, location changed) / unchanged: the table, then any new partitions.
 * failed: `error` says why; a refused check (e.g. a column's type changed) changes nothing, as every
 * check runs before the first catalog write. The dataset itself was written; the run is partial.
 */
export interface TableRegistration {
  database: string;
  table: string;
  state: 'created' | 'updated' | 'unchanged' | 'failed';
  columnsAdded?: string[];
  partitionsAdded?: number;
  error?: string;
}

/** sent: delivered; failed: every attempt failed (the run's status is unchanged); skipped: not sent. */
export type NotificationState = 'sent' | 'failed' | 'skipped';

/** The outcome of one `notify:` target, in config order. Never holds a webhook URL (a secret). */
export interface NotificationRecord {
  type: 'webhook' | 'sns';
  /** The webhook's host, or the SNS topic ARN. */
  target: string;
  state: NotificationState;
  attempts: number;
  /** Why it was skipped (the run's status is not in its `on:`; a shard, whose alerts `merge` sends). */
  reason?: string;
  /** The webhook's last HTTP status. */
  httpStatus?: number;
  /** SNS: AWS's error code of the last attempt. */
  awsCode?: string;
  /** The last attempt's failure, in the words of the server or AWS. */
  error?: string;
  /** SNS: the id of the published message. */
  messageId?: string;
}

export interface GroupTotals {
  units: number;
  succeeded: number;
  rows: number;
  dataScannedInBytes: number;
  estimatedCostUSD: number;
}

export interface Manifest {
  manifestVersion: 1;
  runId: string;
  status: RunStatus;
  exitCode: number;
  interrupted: boolean;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  configFile?: string;
  region: string;
  /** Set when this manifest covers one shard of a sharded run (`run --shard I/N`). */
  shard?: { index: number; count: number };
  /**
   * Set by `merge`: the shards combined, those whose manifest was missing, and those that failed
   * (status failed or interrupted, or a run-level error).
   */
  shards?: { count: number; merged: number[]; missing: number[]; failed: number[] };
  accounts: {
    discovered: number;
    selected: number;
    managementAccountId?: string;
    skipped: SkippedAccountRecord[];
  };
  units: UnitRecord[];
  outputs: OutputRecord[];
  totals: {
    units: number;
    succeeded: number;
    failed: number;
    cancelled: number;
    rows: number;
    dataScannedInBytes: number;
    timedOut?: number;
    estimatedCostUSD?: number;
  };
  /** USD per TB scanned used for the estimates. */
  pricePerTB?: number;
  /** The same totals per account id and per query name. */
  byAccount?: Record<string, GroupTotals>;
  byQuery?: Record<string, GroupTotals>;
  warnings: string[];
  /** HTTP requests to AWS and throttling answers among them (SDK retries included); summed by `merge`. */
  awsCalls?: { requests: number; throttled: number };
  /** The alerts (`notify:`) and what became of each; the manifest is rewritten once they are sent. */
  notifications?: NotificationRecord[];
  /** A failure that stopped the run before any unit could run (e.g. the master chain or account listing). */
  error?: UnitError;
}

export const EXIT = { ok: 0, partial: 1, usage: 2, nothing: 3, sigint: 130, sigterm: 143 } as const;
