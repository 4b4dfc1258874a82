import type { Principal } from '../identity.js';

/** One IAM authorization question: may this caller perform `action` on `resource`? */
export interface PermissionRequest {
  /** `service:Action`, as IAM names it (`s3:GetObject`, `glue:GetTable`, `kms:Decrypt`). */
  action: string;
  /** The resource ARN the action is on (`*` for actions without resource types). */
  resource: string;
  /** Condition keys the request carries (`s3:prefix`, `aws:SourceIp`, …). */
  context?: Record<string, string | string[]>;
}

export interface PermissionDecision {
  allowed: boolean;
  /** A Deny statement matched (AWS then says "with an explicit deny"). */
  explicitDeny: boolean;
}

/**
 * Whether `caller` may make `request`. Placeholder: only the coarse per-service `permissions`
 * allow-list; the IAM policy evaluator replaces this body.
 */
export function checkPermission(caller: Principal, request: PermissionRequest): PermissionDecision {
  const service = request.action.split(':')[0] ?? '';
  const allowed = caller.permissions === undefined || caller.permissions.includes(service);
  return { allowed, explicitDeny: false };
}

/** AWS's words for a refused request. */
export function deniedMessage(
  caller: Principal,
  request: PermissionRequest,
  decision: PermissionDecision,
): string {
  const why = decision.explicitDeny
    ? 'with an explicit deny in an identity-based policy'
    : `because no identity-based policy allows the ${request.action} action`;
  return `User: ${caller.arn} is not authorized to perform: ${request.action} on resource: ${request.resource} ${why}`;
}
