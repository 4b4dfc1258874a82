import { createHash } from 'node:crypto';
import { runSimulation } from '@cloud-copilot/iam-simulate';

/** A policy as a scenario writes it: an optional name and an IAM policy document. */
export interface ScenarioPolicy {
  name?: string | undefined;
  document: Record<string, unknown>;
}

/**
 * The identity policies of one principal, with `<accountId>` instantiated. `id` identifies the set's
 * content, so decisions can be cached per set rather than per session.
 */
export interface PolicySet {
  id: string;
  policies: { name: string; policy: unknown }[];
}

function substitute(value: unknown, accountId: string): unknown {
  if (typeof value === 'string') return value.replaceAll('<accountId>', accountId);
  if (Array.isArray(value)) return value.map((v) => substitute(v, accountId));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, accountId)]));
  }
  return value;
}

export function policySet(policies: readonly ScenarioPolicy[], accountId: string): PolicySet {
  const instantiated = policies.map((p, i) => ({
    name: p.name ?? `policy-${i}`,
    policy: substitute(p.document, accountId),
  }));
  const id = createHash('sha256').update(JSON.stringify(instantiated)).digest('base64url').slice(0, 22);
  return { id, policies: instantiated };
}

/** One policy set per (role template, account): 10,000 accounts share one template without copies per session. */
export class PolicySets {
  private readonly byOwner = new WeakMap<object, Map<string, PolicySet>>();

  for(owner: { policies?: ScenarioPolicy[] | undefined }, accountId: string): PolicySet | undefined {
    if (owner.policies === undefined) return undefined;
    let sets = this.byOwner.get(owner);
    if (!sets) this.byOwner.set(owner, (sets = new Map<string, PolicySet>()));
    let set = sets.get(accountId);
    if (!set) sets.set(accountId, (set = policySet(owner.policies, accountId)));
    return set;
  }
}

/**
 * iam-simulate's validation of identity policy documents (the same checks it applies before a
 * simulation), as `path: problem` lines; empty when every document is valid.
 */
export async function policyProblems(
  owners: { path: string; policies: readonly ScenarioPolicy[] }[],
): Promise<string[]> {
  const problems: string[] = [];
  for (const { path, policies } of owners) {
    if (policies.length === 0) continue;
    const set = policySet(policies, '123456789012');
    const result = await runSimulation(
      {
        request: {
          principal: 'arn:aws:iam::123456789012:user/validate',
          action: 'sts:GetCallerIdentity',
          resource: { resource: '*', accountId: '123456789012' },
          contextVariables: {},
        },
        identityPolicies: set.policies.map((p, i) => ({ name: String(i), policy: p.policy })),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
      },
      {},
    );
    if (result.resultType !== 'error') continue;
    for (const [index, errors] of Object.entries(result.errors.identityPolicyErrors ?? {})) {
      for (const e of errors) problems.push(`${path}.${index}.document: ${e.path}: ${e.message}`);
    }
  }
  return problems;
}
