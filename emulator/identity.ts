import { createHash, randomBytes } from 'node:crypto';
import { PolicySets, type PolicySet } from './iam/policy-set.js';
import type { Scenario, ScenarioRole } from './scenario.js';

/** Who is calling: derived from the access key of a verified request. */
export interface Principal {
  arn: string;
  accountId: string;
  userId: string;
  /** Set for assumed-role sessions: the role they came from (role chaining applies to them). */
  roleArn?: string;
  /** Services the principal may call (sts always); undefined = all. */
  permissions?: readonly string[];
  /** IAM identity policies (the role's, for sessions); undefined = everything allowed. */
  policies?: PolicySet;
  /** The identity's MFA device, for AssumeRole with SerialNumber/TokenCode. */
  mfa?: { serialNumber: string; code: string };
  /** Set once in a chain, it sticks to every session assumed from it (sts:SourceIdentity). */
  sourceIdentity?: string;
}

export interface StoredCredential {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** Epoch millis; undefined = never expires (base identities). */
  expiresAt?: number;
  principal: Principal;
}

const ASSUMED_ROLE = /^arn:aws[\w-]*:sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/;
const IAM_ARN = /^arn:aws[\w-]*:iam::(\d{12}):(.+)$/;

export function accountOfArn(arn: string): string | undefined {
  return ASSUMED_ROLE.exec(arn)?.[1] ?? IAM_ARN.exec(arn)?.[1];
}

/** Stable fake unique ids (AIDA…/AROA…) so repeated runs print the same thing. */
function fakeId(prefix: string, seed: string): string {
  return prefix + createHash('sha256').update(seed).digest('hex').slice(0, 17).toUpperCase();
}

function randomKey(prefix: string, length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bytes = randomBytes(length);
  let out = prefix;
  for (const b of bytes) out += alphabet.charAt(b % alphabet.length);
  return out.slice(0, length);
}

export class IdentityStore {
  private readonly byKey = new Map<string, StoredCredential>();
  private readonly policySets = new PolicySets();

  constructor(scenario: Scenario) {
    for (const id of scenario.identities) {
      const accountId = accountOfArn(id.arn);
      if (accountId === undefined)
        throw new Error(`identity ${id.accessKeyId}: cannot tell the account of ${id.arn}`);
      const session = ASSUMED_ROLE.exec(id.arn);
      const principal: Principal = session
        ? {
            arn: id.arn,
            accountId,
            userId: `${fakeId('AROA', `arn:aws:iam::${accountId}:role/${session[2]!}`)}:${session[3]!}`,
            roleArn: `arn:aws:iam::${accountId}:role/${session[2]!}`,
          }
        : { arn: id.arn, accountId, userId: id.arn.endsWith(':root') ? accountId : fakeId('AIDA', id.arn) };
      if (id.mfa) principal.mfa = id.mfa;
      const policies = this.policySets.for(id, accountId);
      if (policies) principal.policies = policies;
      this.byKey.set(id.accessKeyId, {
        accessKeyId: id.accessKeyId,
        secretAccessKey: id.secretAccessKey,
        sessionToken: id.sessionToken,
        principal,
      });
    }
  }

  /** Every secret access key and session token known or issued so far (for leak tests). */
  secretValues(): string[] {
    return [...this.byKey.values()].flatMap((c) =>
      c.sessionToken === undefined ? [c.secretAccessKey] : [c.secretAccessKey, c.sessionToken],
    );
  }

  get(accessKeyId: string): StoredCredential | undefined {
    return this.byKey.get(accessKeyId);
  }

  /** Mints session credentials for an assumed role, as STS AssumeRole does. */
  issueRoleSession(
    role: ScenarioRole,
    roleArn: string,
    sessionName: string,
    expiresAt: number,
    sourceIdentity?: string,
  ): StoredCredential {
    const accountId = accountOfArn(roleArn)!;
    const roleName = roleArn.slice(roleArn.lastIndexOf('/') + 1);
    const policies = this.policySets.for(role, accountId);
    const cred: StoredCredential = {
      accessKeyId: randomKey('ASIA', 20),
      secretAccessKey: randomBytes(30).toString('base64').slice(0, 40),
      sessionToken: `EMU${randomBytes(48).toString('base64')}`,
      expiresAt,
      principal: {
        arn: `arn:${roleArn.split(':')[1]!}:sts::${accountId}:assumed-role/${roleName}/${sessionName}`,
        accountId,
        userId: `${fakeId('AROA', roleArn)}:${sessionName}`,
        roleArn,
        permissions: role.permissions,
        ...(policies === undefined ? {} : { policies }),
        ...(sourceIdentity === undefined ? {} : { sourceIdentity }),
      },
    };
    this.byKey.set(cred.accessKeyId, cred);
    return cred;
  }
}

/**
 * Trust entries are principal ARNs: exact match; a role ARN matches its sessions; `arn:aws:iam::A:root`
 * matches anyone in account A; `*` matches anyone.
 */
export function trusts(trust: readonly string[], caller: Principal): boolean {
  return trust.some((t) => {
    if (t === '*' || t === caller.arn) return true;
    if (t === `arn:aws:iam::${caller.accountId}:root`) return true;
    return caller.roleArn !== undefined && t === caller.roleArn;
  });
}

/** Finds the role behind an ARN, instantiating `<accountId>` templates for accounts of the organization. */
export function resolveRole(
  scenario: Scenario,
  roleArn: string,
): { role: ScenarioRole; trust: string[]; accountId: string } | undefined {
  const accountId = accountOfArn(roleArn);
  if (accountId === undefined || !/:role\//.test(roleArn)) return undefined;
  const exact = scenario.roles.find((r) => r.arn === roleArn);
  if (exact) return { role: exact, trust: exact.trust, accountId };
  if (!scenario.accounts.some((a) => a.id === accountId)) return undefined;
  const template = scenario.roles.find((r) => r.arn.replaceAll('<accountId>', accountId) === roleArn);
  if (!template) return undefined;
  return {
    role: template,
    trust: template.trust.map((t) => t.replaceAll('<accountId>', accountId)),
    accountId,
  };
}
