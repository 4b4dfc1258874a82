import type { RoleHop } from '../../config/index.js';
import { assumeActions } from './assume-next-hop.js';
import { policyDocument, type PolicyDocument } from './policy-document.js';

/** `hop` trusts the previous hop (`principal`) with what that hop sends: ExternalId, MFA, tags. */
export function trustPolicy(hop: RoleHop, principal: string, mfa: boolean): PolicyDocument {
  const condition: Record<string, Record<string, string>> = {};
  if (hop.externalId !== undefined) condition.StringEquals = { 'sts:ExternalId': hop.externalId };
  if (mfa) condition.Bool = { 'aws:MultiFactorAuthPresent': 'true' };
  return policyDocument([
    {
      Sid: 'TrustPreviousHop',
      Effect: 'Allow',
      Principal: { AWS: principal },
      Action: assumeActions(hop),
      ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
    },
  ]);
}
