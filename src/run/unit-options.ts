import type { Logger } from 'pino';
import type { CsvDecodePool, QueryGate, StatusPoller } from '../extract/index.js';

/** What the run shares with each unit; every field has a default so a bare call still works. */
export interface UnitOptions {
  runId?: string;
  /** The run's start; gives {{runDate}}. */
  runStarted?: Date;
  vars?: Record<string, string>;
  /** Resubmissions of a query that FAILED retryably (retries.query, default 2). */
  retries?: number;
  pricePerTB?: number;
  /** Shared by the (account, region)'s units: batched status checks. */
  poller?: StatusPoller;
  /** Slots for the query while it runs in Athena (the account's adaptive limit and the run's). */
  gate?: QueryGate;
  /** Slots for reading results, taken once the query is over and its query slot given back. */
  fetchSlots?: Pick<QueryGate, 'acquire' | 'release'>;
  /** Backoff between resubmissions (default 1 s doubling to 20 s, full jitter). */
  retryBaseDelayMs?: number;
  quotaBackoff?: { baseMs: number; maxMs: number };
  /** Decodes S3 result files on worker threads (else this thread does). */
  csvPool?: CsvDecodePool;
  /** The query was accepted by Athena (a new attempt included). */
  onQueryStarted?: (queryExecutionId: string) => void;
  /**
   * Drawn once per process attempt at the run: goes into every ClientRequestToken and UNLOAD prefix,
   * so that a resumed run never gets an earlier process's executions back by accident.
   */
  nonce?: string;
  /** A resumed run: the executions earlier attempts started for this unit (see resumeUnit). */
  priorExecutionIds?: readonly string[];
  /** Every execution the unit relies on, as soon as it is known (the run's journal). */
  onExecution?: (queryExecutionId: string, attempt: number, how: 'started' | 'reused' | 'attached') => void;
  log?: Pick<Logger, 'warn'>;
  /** An incremental query: the unit's `{{since}}` / `{{until}}` (ISO 8601, UTC). */
  window?: { since: string; until: string };
}
