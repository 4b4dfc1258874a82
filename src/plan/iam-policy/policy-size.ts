import { policyDocument, type PolicyDocument, type PolicyStatement } from './policy-document.js';

/**
 * IAM's default size quotas, in characters not counting whitespace: all inline policies of a role
 * together, one managed policy, a role's trust policy, and how many managed policies a role takes.
 */
export const POLICY_LIMITS = { inline: 10_240, managed: 6_144, trust: 2_048, managedPerRole: 10 } as const;

/** A document's size as IAM counts it (whitespace is not counted; JSON.stringify adds none). */
export const policySize = (doc: PolicyDocument): number => JSON.stringify(doc).replace(/\s/g, '').length;

export interface SizedPermissions {
  /** One inline policy when the whole fits, else managed policies each within the managed limit. */
  kind: 'inline' | 'managed';
  documents: PolicyDocument[];
  warnings: string[];
}

/** A statement too large for one managed policy, cut into parts over its resources. */
function cutStatement(s: PolicyStatement, limit: number): PolicyStatement[] {
  if (policySize(policyDocument([s])) <= limit || !s.Resource || s.Resource.length < 2) return [s];
  const half = Math.ceil(s.Resource.length / 2);
  const parts = [s.Resource.slice(0, half), s.Resource.slice(half)];
  return parts.flatMap((Resource, i) => cutStatement({ ...s, Sid: `${s.Sid}Part${i + 1}`, Resource }, limit));
}

/** First-fit in statement order, so the documents read in the order the statements were written. */
function pack(statements: PolicyStatement[], limit: number): PolicyStatement[][] {
  const groups: PolicyStatement[][] = [];
  for (const s of statements.flatMap((x) => cutStatement(x, limit))) {
    const fits = groups.find((g) => policySize(policyDocument([...g, s])) <= limit);
    if (fits) fits.push(s);
    else groups.push([s]);
  }
  return groups;
}

/** `who`'s permissions as IAM will take them: inline if they fit, else split with a warning. */
export function sizedPermissions(who: string, doc: PolicyDocument): SizedPermissions {
  const size = policySize(doc);
  if (size <= POLICY_LIMITS.inline) return { kind: 'inline', documents: [doc], warnings: [] };
  const documents = pack(doc.Statement, POLICY_LIMITS.managed).map(policyDocument);
  const warnings = [
    `${who}: the permission policy is ${size} characters, over the ${POLICY_LIMITS.inline} IAM allows inline per role: split into ${documents.length} managed policies of at most ${POLICY_LIMITS.managed}`,
  ];
  const tooBig = documents.filter((d) => policySize(d) > POLICY_LIMITS.managed).length;
  if (tooBig > 0) {
    warnings.push(`${who}: ${tooBig} statement(s) exceed ${POLICY_LIMITS.managed} characters on their own`);
  }
  if (documents.length > POLICY_LIMITS.managedPerRole) {
    warnings.push(
      `${who}: ${documents.length} managed policies exceed the ${POLICY_LIMITS.managedPerRole} a role takes by default: raise the quota (up to 20) or narrow the config`,
    );
  }
  return { kind: 'managed', documents, warnings };
}

/** A trust policy can't be split: only a warning (the quota can be raised to 4,096). */
export function trustSizeWarnings(who: string, doc: PolicyDocument): string[] {
  const size = policySize(doc);
  return size <= POLICY_LIMITS.trust
    ? []
    : [
        `${who}: the trust policy is ${size} characters, over IAM's default ${POLICY_LIMITS.trust}: raise the role trust policy quota (up to 4,096)`,
      ];
}
