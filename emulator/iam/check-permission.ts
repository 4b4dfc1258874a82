import { runUnsafeSimulation } from '@cloud-copilot/iam-simulate';
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

const ALLOWED: PermissionDecision = Object.freeze({ allowed: true, explicitDeny: false });
const IMPLICIT_DENY: PermissionDecision = Object.freeze({ allowed: false, explicitDeny: false });
const EXPLICIT_DENY: PermissionDecision = Object.freeze({ allowed: false, explicitDeny: true });

/** Decisions are pure functions of (policy set, principal, action, resource, context): cache them. */
const MAX_CACHED = 200_000;
const cache = new Map<string, PermissionDecision>();
let simulations = 0;

/** How many decisions needed a simulation (cache misses), for tests and benchmarks. */
export function simulationCount(): number {
  return simulations;
}

function contextKey(context: Record<string, string | string[]> | undefined): string {
  if (context === undefined) return '';
  const keys = Object.keys(context);
  if (keys.length === 0) return '';
  return JSON.stringify(keys.sort().map((k) => [k, context[k]]));
}

/**
 * The role ARN a session's policies belong to (aws:PrincipalArn names the role, not the session).
 */
const principalArn = (caller: Principal): string => caller.roleArn ?? caller.arn;

/**
 * KMS honours IAM policies only where the key policy delegates to the account: every emulated key has
 * the default key policy, which does, for the caller's own account.
 */
function defaultKeyPolicy(accountId: string, partition: string): unknown {
  const policyDocument = {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Enable IAM User Permissions',
        Effect: 'Allow',
        Principal: { AWS: `arn:${partition}:iam::${accountId}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
    ],
  };
  // iam-simulate's unvalidated entry point loads a resource policy without a name unless it comes
  // in its pre-validated shape.
  return { __validated: true, policyDocument, metadata: { name: 'DefaultKeyPolicy' }, errors: [] };
}

function simulate(caller: Principal, request: PermissionRequest): PermissionDecision {
  simulations++;
  const partition = caller.arn.split(':')[1] ?? 'aws';
  const kmsKey = request.action.toLowerCase().startsWith('kms:') && /:key\//.test(request.resource);
  const result = runUnsafeSimulation(
    {
      request: {
        principal: caller.arn,
        action: request.action,
        // Resource-based policies are not modelled: every resource is judged as if it were in the
        // caller's account, so identity policies alone decide (KMS keys with the default key policy).
        resource: { resource: request.resource, accountId: caller.accountId },
        contextVariables: {
          'aws:PrincipalArn': principalArn(caller),
          'aws:PrincipalAccount': caller.accountId,
          'aws:userid': caller.userId,
          ...request.context,
        },
      },
      identityPolicies: caller.policies!.policies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(kmsKey ? { resourcePolicy: defaultKeyPolicy(caller.accountId, partition) } : {}),
    },
    {},
  );
  if (result === 'Allowed') return ALLOWED;
  return result === 'ExplicitlyDenied' ? EXPLICIT_DENY : IMPLICIT_DENY;
}

/**
 * Whether `caller` may make `request`: the role's coarse `permissions` service list first, then its IAM
 * identity policies evaluated by iam-simulate (explicit deny wins; no matching Allow is an implicit
 * deny). A principal without `policies` may do anything the coarse list allows.
 */
export function checkPermission(caller: Principal, request: PermissionRequest): PermissionDecision {
  const service = request.action.slice(0, request.action.indexOf(':')).toLowerCase();
  if (caller.permissions !== undefined && service !== 'sts' && !caller.permissions.includes(service)) {
    return IMPLICIT_DENY;
  }
  const set = caller.policies;
  if (set === undefined) return ALLOWED;
  const key = `${set.id}\n${caller.arn}\n${request.action}\n${request.resource}\n${contextKey(request.context)}`;
  let decision = cache.get(key);
  if (decision === undefined) {
    decision = simulate(caller, request);
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(key, decision);
  }
  return decision;
}

/** SNS spells its actions with a capitalised service prefix in refusals. */
const spelled = (action: string): string => (action.startsWith('sns:') ? `SNS:${action.slice(4)}` : action);

/**
 * AWS's words for a refused request. S3 quotes the resource ARN (`on resource: "arn:aws:s3:::b"`);
 * the other services print it bare.
 */
export function deniedMessage(
  caller: Principal,
  request: PermissionRequest,
  decision: PermissionDecision,
): string {
  const action = spelled(request.action);
  const why = decision.explicitDeny
    ? 'with an explicit deny in an identity-based policy'
    : `because no identity-based policy allows the ${action} action`;
  const resource = request.action.startsWith('s3:') ? `"${request.resource}"` : request.resource;
  return `User: ${caller.arn} is not authorized to perform: ${action} on resource: ${resource} ${why}`;
}
