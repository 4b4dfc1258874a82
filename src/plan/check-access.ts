import { AthenaClient, GetWorkGroupCommand } from '@aws-sdk/client-athena';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import pLimit from 'p-limit';
import type { PipelineConfig } from '../config/index.js';
import { awsClientConfig } from '../aws/index.js';
import type { Account } from '../accounts/index.js';
import { describeError, unitError } from '../errors.js';
import type { UnitError } from '../manifest.js';
import type { ResolvedAccounts } from './resolve-accounts.js';
import { planUnits } from './units.js';

export interface AccessCheck {
  accountId: string;
  accountName?: string;
  ok: boolean;
  /** Who the account's chain ends as (GetCallerIdentity). */
  callerArn?: string;
  /** Every (region, workgroup) the account's queries use, checked with GetWorkGroup. */
  workgroups: { region: string; workgroup: string; ok: boolean }[];
  /** The first failure: a hop of the chain, GetCallerIdentity or GetWorkGroup. */
  error?: UnitError & { operation: string };
  /** Hops in the account's chain, to say "hop 2/3". */
  hops: number;
}

function failure(operation: string, err: unknown): UnitError & { operation: string } {
  const e = unitError(err);
  // A refused hop surfaces through whichever call needed the credentials: name the hop, not the call.
  return { ...e, operation: e.hopIndex === undefined ? operation : 'AssumeRole' };
}

async function checkAccount(
  config: PipelineConfig,
  resolved: ResolvedAccounts,
  account: Account,
  signal: AbortSignal | undefined,
): Promise<AccessCheck> {
  const credentials = resolved.providerFor(account.id);
  const check: AccessCheck = {
    accountId: account.id,
    ...(account.name ? { accountName: account.name } : {}),
    ok: false,
    workgroups: [],
    hops: resolved.chainFor(account.id).hops.length,
  };
  const abort = signal ? { abortSignal: signal } : {};
  try {
    const sts = new STSClient(awsClientConfig('sts', { region: config.region, credentials }));
    const me = await sts.send(new GetCallerIdentityCommand({}), abort);
    if (me.Arn) check.callerArn = me.Arn;
  } catch (err) {
    check.error = failure('GetCallerIdentity', err);
    return check;
  }
  const pairs = new Map<string, { region: string; workgroup: string }>();
  // Each account's own workgroups and regions, its overrides applied.
  for (const { region, query } of planUnits(config, [account])) {
    pairs.set(`${region}/${query.workgroup}`, { region, workgroup: query.workgroup });
  }
  for (const { region, workgroup } of pairs.values()) {
    try {
      const athena = new AthenaClient(awsClientConfig('athena', { region, credentials }));
      await athena.send(new GetWorkGroupCommand({ WorkGroup: workgroup }), abort);
      check.workgroups.push({ region, workgroup, ok: true });
    } catch (err) {
      check.workgroups.push({ region, workgroup, ok: false });
      check.error ??= failure(`GetWorkGroup ${workgroup} in ${region}`, err);
    }
  }
  check.ok = check.error === undefined;
  return check;
}

/**
 * Assumes every selected account's chain (at most `concurrency.accounts` at once) and asks
 * GetCallerIdentity and Athena GetWorkGroup for each region and workgroup its queries use.
 * One account's failure never stops the others.
 */
export async function checkAccess(
  config: PipelineConfig,
  resolved: ResolvedAccounts,
  opts: { signal?: AbortSignal; onCheck?: (check: AccessCheck) => void } = {},
): Promise<AccessCheck[]> {
  const limit = pLimit(config.concurrency.accounts);
  return Promise.all(
    resolved.selected.map((account) =>
      limit(async () => {
        const check = await checkAccount(config, resolved, account, opts.signal);
        opts.onCheck?.(check);
        return check;
      }),
    ),
  );
}

/** One line: `OK` with the caller and workgroups, or `FAIL` with the failing hop and AWS's words. */
export function formatAccessCheck(check: AccessCheck): string {
  const who = `${check.accountId}${check.accountName ? ` ${check.accountName}` : ''}`;
  if (check.ok) {
    const wgs = check.workgroups.map((w) => `${w.workgroup}@${w.region}`).join(', ');
    return `OK    ${who}  as ${check.callerArn ?? '?'}  workgroups: ${wgs}`;
  }
  const e = check.error!;
  const aws = e.awsCode ? `${e.awsCode}: ${e.awsMessage ?? e.message}` : e.message;
  if (e.hopIndex !== undefined) {
    const caller = e.callerArn ? ` (caller ${e.callerArn})` : '';
    return `FAIL  ${who}  hop ${e.hopIndex + 1}/${check.hops} ${e.roleArn ?? ''}${caller}: ${aws}`;
  }
  return `FAIL  ${who}  ${e.operation}${check.callerArn ? ` as ${check.callerArn}` : ''}: ${aws}`;
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
