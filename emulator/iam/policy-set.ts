import { createHash } from 'node:crypto';
import { runSimulation } from '@cloud-copilot/iam-simulate';

/** A policy as a scenario writes it: an optional name and an IAM policy document. */
export interface ScenarioPolicy {
  name?: string | undefined;
  document: Record<string, unknown>;
}

/**
 * The identity policies of one principal, with `<accountId>` instantiated (on first use: most sessions
 * only hit the decision cache). `id` identifies the set's content, so decisions are cached per set
 * rather than per session.
 */
export interface PolicySet {
  id: string;
  readonly policies: { name: string; policy: unknown }[];
  /**
   * Set when the decisions of this set may be shared with every other account's copy of the same
   * template: `id` names the template, `accountId` the account substituted (see checkPermission).
   */
  shared?: { id: string; accountId: string };
}

function substitute(value: unknown, accountId: string): unknown {
  if (typeof value === 'string') return value.replaceAll('<accountId>', accountId);
  if (Array.isArray(value)) return value.map((v) => substitute(v, accountId));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, accountId)]));
  }
  return value;
}

const instantiate = (policies: readonly ScenarioPolicy[], accountId: string) =>
  policies.map((p, i) => ({ name: p.name ?? `policy-${i}`, policy: substitute(p.document, accountId) }));

/** A template's policies, serialized and hashed once however many accounts it is instantiated in. */
interface Template {
  policies: readonly ScenarioPolicy[];
  raw: string;
  hash: string;
  /**
   * Renaming the account id in a request cannot change what these policies decide: they have
   * `<accountId>`, no digit next to a wildcard (`data-2*` would match some accounts and not others)
   * and compare no numbers, dates or addresses. (Per account: and they name no account id literally.)
   */
  renamable: boolean;
}

function template(policies: readonly ScenarioPolicy[]): Template {
  const raw = JSON.stringify(policies);
  return {
    policies,
    raw,
    hash: createHash('sha256').update(raw).digest('base64url').slice(0, 22),
    renamable:
      raw.includes('<accountId>') && !/\d[*?]|[*?]\d/.test(raw) && !/Numeric|Date|IpAddress|Binary/.test(raw),
  };
}

function setOf(t: Template, accountId: string): PolicySet {
  let policies: { name: string; policy: unknown }[] | undefined;
  return {
    id: `${t.hash}:${accountId}`,
    get policies() {
      return (policies ??= instantiate(t.policies, accountId));
    },
    ...(t.renamable && !t.raw.includes(accountId) ? { shared: { id: t.hash, accountId } } : {}),
  };
}

export function policySet(policies: readonly ScenarioPolicy[], accountId: string): PolicySet {
  return setOf(template(policies), accountId);
}

/** One policy set per (role template, account): 10,000 accounts share one template without copies per session. */
export class PolicySets {
  private readonly byOwner = new WeakMap<object, { template: Template; sets: Map<string, PolicySet> }>();

  for(owner: { policies?: ScenarioPolicy[] | undefined }, accountId: string): PolicySet | undefined {
    if (owner.policies === undefined) return undefined;
    let entry = this.byOwner.get(owner);
    if (!entry) this.byOwner.set(owner, (entry = { template: template(owner.policies), sets: new Map() }));
    let set = entry.sets.get(accountId);
    if (!set) entry.sets.set(accountId, (set = setOf(entry.template, accountId)));
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
