import pLimit from 'p-limit';
import type { PipelineConfig } from '../config/index.js';
import type { Account } from '../accounts/index.js';
import { describeError, unitError } from '../errors.js';
import type { UnitError } from '../manifest.js';
import { runAccountChecks } from './access-checks/check-account.js';
import type { AccessCheck, CheckKind } from './access-checks/check-result.js';
import type { ResolvedAccounts } from './resolve-accounts.js';

export type { AccessCheck, CheckKind, CheckResult } from './access-checks/check-result.js';
export type { WorkgroupFacts } from './access-checks/workgroup-check.js';
export {
  type AccessSummary,
  accessSummary,
  formatAccessCheck,
  formatAccessSummary,
} from './access-checks/format-access-check.js';

export interface CheckAccessOptions {
  signal?: AbortSignal;
  onCheck?: (check: AccessCheck) => void;
  /** Names the probe object the results check writes. */
  runId?: string;
  /** Write and remove a probe object under each results location (default true). */
  writeCheck?: boolean;
  /** EXPLAIN each rendered query (no data scanned). */
  explain?: boolean;
}

const ORDER: CheckKind[] = ['chain', 'sql', 'workgroup', 'table', 'location', 'results', 'explain'];

function chainFailure(e: UnitError): UnitError & { operation: string } {
  // A refused hop surfaces through the call that needed the credentials: name the hop, not the call.
  return { ...e, operation: e.hopIndex === undefined ? 'GetCallerIdentity' : 'AssumeRole' };
}

async function checkAccount(
  config: PipelineConfig,
  resolved: ResolvedAccounts,
  account: Account,
  opts: Parameters<typeof runAccountChecks>[3],
): Promise<AccessCheck> {
  const found = await runAccountChecks(config, account, resolved.providerFor(account.id), opts);
  const checks = [...found.results].sort((a, b) => ORDER.indexOf(a.check) - ORDER.indexOf(b.check));
  const first = checks.find((c) => !c.ok);
  const error = found.chainError
    ? chainFailure(found.chainError)
    : first && {
        message: `${first.action} ${first.resource}: ${first.error!.code}: ${first.error!.message}`,
        awsCode: first.error!.code,
        awsMessage: first.error!.message,
        operation: first.action,
      };
  return {
    accountId: account.id,
    ...(account.name ? { accountName: account.name } : {}),
    ok: error === undefined,
    ...(found.callerArn ? { callerArn: found.callerArn } : {}),
    workgroups: found.workgroups,
    checks,
    ...(error ? { error } : {}),
    hops: resolved.chainFor(account.id).hops.length,
  };
}

/**
 * Per selected account (at most `concurrency.accounts` at once; one's failure never stops the others):
 * its chain; each workgroup exists, is enabled, and what it enforces; each table each query reads
 * exists in Glue and its data location may be listed; each results location may be written; and, with
 * `explain`, each query plans. Nothing reads data, and the probe object is removed again.
 */
export async function checkAccess(
  config: PipelineConfig,
  resolved: ResolvedAccounts,
  opts: CheckAccessOptions = {},
): Promise<AccessCheck[]> {
  const limit = pLimit(config.concurrency.accounts);
  const accountOpts = {
    runId: opts.runId ?? 'plan',
    runStarted: new Date(),
    writeCheck: opts.writeCheck ?? true,
    explain: opts.explain ?? false,
    ...(opts.signal ? { signal: opts.signal } : {}),
    explainSlots: pLimit(config.concurrency.queries),
  };
  return Promise.all(
    resolved.selected.map((account) =>
      limit(async () => {
        const check = await checkAccount(config, resolved, account, accountOpts);
        opts.onCheck?.(check);
        return check;
      }),
    ),
  );
}

/** For a failure before any account could be checked (the master chain, listing accounts). */
export function formatStopped(err: unknown): string {
  const d = describeError(err);
  const e = unitError(err);
  const where =
    e.hopIndex !== undefined ? `${e.chain ?? ''} chain hop ${e.hopIndex + 1} ${e.roleArn ?? ''}: ` : '';
  const aws = e.awsCode ? `${e.awsCode}: ${e.awsMessage ?? e.message}` : String(d.message);
  return `FAIL  accounts could not be listed: ${where}${aws}`;
}
