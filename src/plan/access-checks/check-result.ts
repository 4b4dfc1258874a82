import { awsErrorInfo, FanoutError } from '../../errors.js';
import type { UnitError } from '../../manifest.js';

/** What a check proves; the `action` of its result names the AWS call that proved it. */
export type CheckKind = 'chain' | 'sql' | 'workgroup' | 'table' | 'location' | 'results' | 'explain';

/** One check of one account: the AWS call, what it was made on, and AWS's answer when it failed. */
export interface CheckResult {
  check: CheckKind;
  /** The AWS call as `service:Operation` (`s3:ListObjectsV2`), or `EXPLAIN`. */
  action: string;
  /** What was checked: `primary@eu-west-1`, `awsdatacatalog.sales.orders@eu-west-1`, an `s3://` URL. */
  resource: string;
  region?: string;
  /** The queries that need it. */
  queries: string[];
  ok: boolean;
  /** AWS's code and words (or, when AWS answered but the answer fails the check, ours). */
  error?: { code: string; message: string };
  /** What was learnt beyond pass or fail: what a workgroup enforces, a cap reached, a check left out. */
  notes?: string[];
}

export type Encryption = { option: string; kmsKey?: string };

/** What a workgroup is and enforces, as GetWorkGroup answers (absent fields: it did not answer). */
export interface WorkgroupFacts {
  region: string;
  workgroup: string;
  ok: boolean;
  state?: string;
  /** EnforceWorkGroupConfiguration: its result settings override the query's. */
  enforced?: boolean;
  outputLocation?: string;
  encryption?: Encryption;
  bytesScannedCutoffPerQuery?: number;
}

/** One account's checks. */
export interface AccessCheck {
  accountId: string;
  accountName?: string;
  ok: boolean;
  /** Who the account's chain ends as (GetCallerIdentity). */
  callerArn?: string;
  /** Every (region, workgroup) the account's queries use: whether it may run them, what it enforces. */
  workgroups: WorkgroupFacts[];
  /** Every check made, failed or not, in the order workgroup, tables, locations, results, EXPLAIN. */
  checks: CheckResult[];
  /** The first failure: a hop of the chain, or the first failed check. */
  error?: UnitError & { operation: string };
  /** Hops in the account's chain, to say "hop 2/3". */
  hops: number;
}

type Base = Omit<CheckResult, 'ok' | 'error'>;

export function passed(base: Base, notes: string[] = []): CheckResult {
  const all = [...(base.notes ?? []), ...notes];
  return { ...base, ok: true, ...(all.length > 0 ? { notes: all } : {}) };
}

export function failed(base: Base, code: string, message: string): CheckResult {
  return { ...base, ok: false, error: { code, message } };
}

/** AWS's code and verbatim words from an SDK error or a FanoutError that carries them. */
export function awsWords(err: unknown): { code: string; message: string } {
  if (err instanceof FanoutError) {
    const c = err.context;
    const code = typeof c.awsCode === 'string' ? c.awsCode : typeof c.state === 'string' ? c.state : 'Error';
    return { code, message: typeof c.awsMessage === 'string' ? c.awsMessage : err.message };
  }
  const info = awsErrorInfo(err);
  return { code: info.code, message: info.message };
}

export function failedWith(base: Base, err: unknown): CheckResult {
  const { code, message } = awsWords(err);
  return failed(base, code, message);
}

/** `s3://bucket/prefix` split; the prefix as S3 lists it (a "folder" ends with `/`). */
export function s3Location(url: string): { bucket: string; prefix: string } | undefined {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m) return undefined;
  const prefix = m[2]!;
  return { bucket: m[1]!, prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/` };
}
