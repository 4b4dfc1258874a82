import type { IamPolicies, RolePolicies } from './iam-policies.js';
import { accountOf, type PolicyDocument } from './policy-document.js';

/** One permission document of a role, deployed as its own policy resource. */
export interface NamedDocument {
  name: string;
  document: PolicyDocument;
}

/**
 * What a policy model may carry beyond the one permission document: the documents to attach (split
 * into managed policies when the whole is over IAM's inline limit), notes by statement Sid, Lake
 * Formation grants to make. Read when present, so the renderers follow the model as it grows.
 */
export interface SizedFields {
  permissionPolicies?: PolicyDocument[];
  policyKind?: 'inline' | 'managed';
  statementNotes?: Record<string, string[]>;
  lakeFormationGrants?: string[];
}

/** A role's permissions as deployed: inline policies of the role, or managed policies attached to it. */
export interface Permissions {
  kind: 'inline' | 'managed';
  documents: NamedDocument[];
}

/** A role as the CloudFormation and Terraform renderers create it. */
export interface DeployableRole {
  roleArn: string;
  roleName: string;
  /** The IAM path, `/` unless the ARN has one. */
  path: string;
  chain: RolePolicies['chain'];
  hop: number;
  trustPolicy: PolicyDocument;
  permissions: Permissions;
  notes: string[];
}

/** What the identity the chains start from must be allowed: created as a policy for the user to attach. */
export interface BaseIdentity {
  principal: string;
  /** Managed policies (one unless split for size), for the user to attach. */
  policies: NamedDocument[];
  notes: string[];
}

/** Roles created once, in one account (the master chain; account-chain hops with a fixed account). */
export interface AccountStack {
  /** The account id, or `<baseAccountId>` when the config does not name the base account. */
  account: string;
  roles: DeployableRole[];
  base?: BaseIdentity;
}

export interface DeploymentUnits {
  /** Template roles (`<accountId>`): one copy in every member account. */
  memberRoles: DeployableRole[];
  accounts: AccountStack[];
}

export const ACCOUNT_PLACEHOLDER = '<accountId>';
export const BASE_ACCOUNT_PLACEHOLDER = '<baseAccountId>';

/**
 * The documents to create: the model's split documents when it has them, else its one permission
 * document; each becomes its own policy, named `prefix`, `prefix-2`, ….
 */
export function permissionDocuments(
  model: { permissionPolicy: PolicyDocument } & SizedFields,
  prefix: string,
): Permissions {
  const documents = model.permissionPolicies ?? [model.permissionPolicy];
  return {
    kind: model.policyKind ?? 'inline',
    documents: documents.map((document, i) => ({ name: i === 0 ? prefix : `${prefix}-${i + 1}`, document })),
  };
}

/** The model's notes, with its notes by statement and the Lake Formation grants it asks for. */
function allNotes(model: { notes: string[] } & SizedFields): string[] {
  return [
    ...model.notes,
    ...Object.entries(model.statementNotes ?? {}).flatMap(([sid, notes]) => notes.map((n) => `${sid}: ${n}`)),
    ...(model.lakeFormationGrants ?? []).map((g) => `Lake Formation (not IAM): ${g}`),
  ];
}

/** `arn:aws:iam::123:role/a/b/Name` → name `Name`, path `/a/b/`. */
export function roleNameAndPath(roleArn: string): { roleName: string; path: string } {
  const resource = roleArn.split(':').slice(5).join(':');
  const segments = resource.split('/').slice(1);
  const roleName = segments.pop() ?? '';
  if (!resource.startsWith('role/') || roleName === '') {
    throw new Error(`not an IAM role ARN: ${roleArn}`);
  }
  return { roleName, path: segments.length > 0 ? `/${segments.join('/')}/` : '/' };
}

function deployable(role: RolePolicies & SizedFields): DeployableRole {
  const { roleName, path } = roleNameAndPath(role.roleArn);
  const permissions = permissionDocuments(role, 'athena-fanout');
  // Managed policy names are unique per account, inline ones per role.
  if (permissions.kind === 'managed') {
    permissions.documents = permissionDocuments(role, `athena-fanout-${roleName}`).documents;
  }
  return {
    roleArn: role.roleArn,
    roleName,
    path,
    chain: role.chain,
    hop: role.hop,
    trustPolicy: role.trustPolicy,
    permissions,
    notes: allNotes(role),
  };
}

/**
 * Splits the roles by where they are created: template roles go to every member account (a StackSet,
 * a Terraform module applied per account); the others to a stack per account they live in, the base
 * identity's policy to the stack of the base principal's account.
 */
export function deploymentUnits(policies: IamPolicies): DeploymentUnits {
  const memberRoles: DeployableRole[] = [];
  const accounts = new Map<string, AccountStack>();
  const stackOf = (account: string): AccountStack => {
    const found = accounts.get(account) ?? { account, roles: [] };
    accounts.set(account, found);
    return found;
  };
  const seen = new Set<string>();
  for (const role of policies.roles) {
    // A chain that passes a role twice needs it created once.
    if (seen.has(role.roleArn)) continue;
    seen.add(role.roleArn);
    if (role.roleArn.includes(ACCOUNT_PLACEHOLDER)) memberRoles.push(deployable(role));
    else stackOf(accountOf(role.roleArn)).roles.push(deployable(role));
  }
  const base: IamPolicies['base'] & SizedFields = policies.base;
  if (base.permissionPolicy.Statement.length > 0) {
    stackOf(accountOf(base.principal) || BASE_ACCOUNT_PLACEHOLDER).base = {
      principal: base.principal,
      policies: permissionDocuments(base, 'athena-fanout-base-identity').documents,
      notes: allNotes(base),
    };
  }
  return { memberRoles, accounts: [...accounts.values()] };
}

/**
 * The indexes of the roles among `roles` that `role` trusts: IAM refuses a trust policy naming a role
 * that does not exist yet, so those are created first.
 */
export function trustedRoleIndexes(role: DeployableRole, roles: DeployableRole[]): number[] {
  const principals = new Set(
    role.trustPolicy.Statement.flatMap((s) => {
      const aws: unknown = s.Principal?.AWS;
      return Array.isArray(aws) ? (aws as unknown[]) : [aws];
    }),
  );
  return roles.flatMap((r, i) => (r !== role && principals.has(r.roleArn) ? [i] : []));
}

/** A part of a string: literal text, or what stands for an account id or partition. */
export type TextPart = string | { ref: 'ownAccount' } | { ref: 'ownPartition' } | { ref: 'baseAccount' };

/**
 * Splits `text` at the placeholders: `own` (the placeholder standing for the account the role is
 * created in) becomes that account, and the partition of an ARN in that account its partition;
 * `<baseAccountId>` elsewhere becomes an input, and `<accountId>` outside the member-account template
 * any account (`*`). Other ARNs (the management account's) stay literal.
 */
export function textParts(text: string, own: string | undefined): TextPart[] {
  const parts: TextPart[] = [];
  let rest = text;
  const arn = /^arn:[^:]*:/.exec(text);
  if (own && arn && text.includes(own)) {
    parts.push('arn:', { ref: 'ownPartition' }, ':');
    rest = text.slice(arn[0].length);
  }
  const pattern = /<accountId>|<baseAccountId>/g;
  let at = 0;
  for (const match of rest.matchAll(pattern)) {
    if (match.index > at) parts.push(rest.slice(at, match.index));
    if (match[0] === own) parts.push({ ref: 'ownAccount' });
    else if (match[0] === BASE_ACCOUNT_PLACEHOLDER) parts.push({ ref: 'baseAccount' });
    // A role created once that reaches the template role of every member account (a hub's next hop).
    else parts.push('*');
    at = match.index + match[0].length;
  }
  if (at < rest.length) parts.push(rest.slice(at));
  return mergeText(parts);
}

function mergeText(parts: TextPart[]): TextPart[] {
  const merged: TextPart[] = [];
  for (const part of parts) {
    const last = merged.at(-1);
    if (typeof part === 'string' && typeof last === 'string') merged[merged.length - 1] = last + part;
    else merged.push(part);
  }
  return merged;
}

/** Every string of a JSON value passed through `f` (object keys stay). */
export function mapStrings(value: unknown, f: (s: string) => unknown): unknown {
  if (typeof value === 'string') return f(value);
  if (Array.isArray(value)) return value.map((v: unknown) => mapStrings(v, f));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, f)]));
  }
  return value;
}
