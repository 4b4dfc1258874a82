import { checkPermission, deniedMessage } from '../iam/check-permission.js';
import type { Principal } from '../identity.js';
import { ApiError } from '../protocol.js';

/** Where a request happens: the SigV4 region and the caller's partition (aws, aws-cn, aws-us-gov). */
export interface Place {
  region: string;
  partition: string;
  account: string;
}

export const placeOf = (caller: Principal, region: string | undefined, account?: string): Place => ({
  region: region ?? 'us-east-1',
  partition: caller.arn.split(':')[1] ?? 'aws',
  account: account ?? caller.accountId,
});

/** The resources IAM checks a Glue action on: the catalog, then the database, then the table. */
export function glueArns(p: Place, database?: string, table?: string): string[] {
  const base = `arn:${p.partition}:glue:${p.region}:${p.account}`;
  const arns = [`${base}:catalog`];
  if (database !== undefined) arns.push(`${base}:database/${database}`);
  if (database !== undefined && table !== undefined) arns.push(`${base}:table/${database}/${table}`);
  return arns;
}

/** The first of `resources` the caller may not perform `action` on, with AWS's words for it. */
export function firstDenied(
  caller: Principal,
  action: string,
  resources: readonly string[],
  context?: Record<string, string | string[]>,
): string | undefined {
  for (const resource of resources) {
    const request = { action, resource, ...(context === undefined ? {} : { context }) };
    const decision = checkPermission(caller, request);
    if (!decision.allowed) return deniedMessage(caller, request, decision);
  }
  return undefined;
}

/** Glue's refusal: AccessDeniedException (HTTP 400, as the JSON services answer it). */
export function requireGlue(caller: Principal, action: string, resources: readonly string[]): void {
  const denied = firstDenied(caller, action, resources);
  if (denied !== undefined) throw new ApiError('AccessDeniedException', denied, 400);
}
