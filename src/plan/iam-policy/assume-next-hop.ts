import { fillPlaceholders, type RoleHop } from '../../config/index.js';
import type { PolicyStatement } from './policy-document.js';

/** The actions the caller needs to assume `hop` (and that `hop`'s trust policy must allow). */
export function assumeActions(hop: RoleHop): string[] {
  return [
    'sts:AssumeRole',
    ...(hop.tags && Object.keys(hop.tags).length > 0 ? ['sts:TagSession'] : []),
    ...(hop.sourceIdentity ? ['sts:SetSourceIdentity'] : []),
  ];
}

/** Permission to assume the next hop; `anyAccount` for a template role of the account chain. */
export function assumeNextHop(next: RoleHop, anyAccount: boolean): PolicyStatement {
  // A per-account template role is reached in every member account.
  const arn = anyAccount ? fillPlaceholders(next.arn, { accountId: '*' }) : next.arn;
  return { Sid: 'AssumeNextHop', Effect: 'Allow', Action: assumeActions(next), Resource: [arn] };
}
