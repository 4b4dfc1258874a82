import { accountChainStartsAtMaster, type PipelineConfig } from '../../config/index.js';
import { queriesThroughMaster } from '../account-chain.js';
import { overrideWildcardNotes, policyQueries } from './policy-queries.js';
import { assumeNextHop } from './assume-next-hop.js';
import { organizationsListing } from './organizations-listing.js';
import {
  accountOf,
  partitionOf,
  policyDocument,
  type PolicyDocument,
  type PolicyStatement,
} from './policy-document.js';
import { queryNotes } from './query-notes.js';
import { queryStatements } from './query-statements.js';
import { trustPolicy } from './trust-policy.js';

export interface RolePolicies {
  roleArn: string;
  chain: 'master' | 'account';
  hop: number;
  trustPolicy: PolicyDocument;
  permissionPolicy: PolicyDocument;
  notes: string[];
}

export interface IamPolicies {
  /** Where the chains start: what the base credentials themselves must be allowed. */
  base: { principal: string; permissionPolicy: PolicyDocument; notes: string[] };
  roles: RolePolicies[];
}

/** A role's permission statements and the notes on what they leave to the user. */
interface Permissions {
  statements: PolicyStatement[];
  notes: string[];
}

/**
 * The trust policy and least-privilege permission policy of every role of both chains, from the config
 * alone. Roles of the account chain are templates: `<accountId>` stands for each member account.
 */
export function iamPolicies(config: PipelineConfig, opts: { basePrincipal?: string } = {}): IamPolicies {
  const base = basePrincipal(config, opts.basePrincipal);
  const { statements, notes } = basePermissions(config, base.principal);
  return {
    base: {
      principal: base.principal,
      permissionPolicy: policyDocument(statements),
      notes: [...base.notes, ...notes],
    },
    roles: [...masterRoles(config, base.principal), ...accountRoles(config, base.principal)],
  };
}

/** Who the first hops trust: as given, the federated role, or the root of the master chain's account. */
function basePrincipal(
  config: PipelineConfig,
  given: string | undefined,
): { principal: string; notes: string[] } {
  if (given) return { principal: given, notes: [] };
  const source = config.auth.credentials;
  if (source && (source.kind === 'webIdentity' || source.kind === 'saml')) {
    return { principal: source.roleArn, notes: [] };
  }
  const { masterRoleChain: master, accountRoleChain: account } = config.auth;
  const partition = partitionOf((master[0] ?? account[0])?.arn ?? 'arn:aws');
  const principal = `arn:${partition}:iam::${accountOf(master[0]?.arn ?? '') || '<baseAccountId>'}:root`;
  return {
    principal,
    notes: [
      `the base identity is unknown from the config: its trust uses ${principal}; pass --base-principal ARN to name it`,
    ],
  };
}

/** Assuming the first hops; with no master chain, also the master chain's work: list and query. */
function basePermissions(config: PipelineConfig, principal: string): Permissions {
  const { masterRoleChain: master, accountRoleChain: account } = config.auth;
  const statements: PolicyStatement[] = [];
  if (master[0]) statements.push({ ...assumeNextHop(master[0], false), Sid: 'AssumeMasterChain' });
  if (account[0] && !accountChainStartsAtMaster(config.auth)) {
    statements.push({ ...assumeNextHop(account[0], true), Sid: 'AssumeAccountChain' });
  }
  if (master.length > 0) return { statements, notes: [] };
  const end = masterChainEnd(config, principal);
  return { statements: [...statements, ...end.statements], notes: end.notes };
}

/**
 * Where the master chain ends (the base credentials with no master chain): listing the organization,
 * assuming the account chain when it starts here, and querying the management account when the run
 * sends it through the master chain.
 */
function masterChainEnd(config: PipelineConfig, arn: string): Permissions {
  const statements: PolicyStatement[] = [];
  const notes: string[] = [];
  const first = config.auth.accountRoleChain[0];
  if (config.accounts.source === 'organization') statements.push(organizationsListing(config));
  if (first && accountChainStartsAtMaster(config.auth)) statements.push(assumeNextHop(first, true));
  const queries = policyQueries(config, queriesThroughMaster(config));
  if (queries.length > 0) {
    notes.push(
      'also queries the management account (managementAccountChain: master)',
      ...queryNotes(queries),
    );
    // Athena runs in the account of the credentials, whichever account the run meant.
    statements.push(...queryStatements(queries, partitionOf(arn), accountOf(arn) || '<baseAccountId>'));
  }
  return { statements, notes };
}

function masterRoles(config: PipelineConfig, principal: string): RolePolicies[] {
  const master = config.auth.masterRoleChain;
  return master.map((hop, i) => {
    const next = master[i + 1];
    const { statements, notes } = next
      ? { statements: [assumeNextHop(next, false)], notes: [] }
      : masterChainEnd(config, hop.arn);
    return {
      roleArn: hop.arn,
      chain: 'master',
      hop: i,
      trustPolicy: trustPolicy(hop, i === 0 ? principal : master[i - 1]!.arn, i === 0 && mfaAtBase(config)),
      permissionPolicy: policyDocument(statements),
      notes,
    };
  });
}

function accountRoles(config: PipelineConfig, principal: string): RolePolicies[] {
  const { masterRoleChain: master, accountRoleChain: account } = config.auth;
  const fromMaster = accountChainStartsAtMaster(config.auth);
  return account.map((hop, i) => {
    const notes =
      i === 0 ? ['a template: create it in every member account, <accountId> being that account'] : [];
    const next = account[i + 1];
    const queries = policyQueries(config, config.queries);
    if (!next) notes.push(...queryNotes(queries), ...overrideWildcardNotes(config));
    const statements = next
      ? [assumeNextHop(next, false)]
      : queryStatements(queries, partitionOf(hop.arn), '<accountId>');
    const previous = i > 0 ? account[i - 1]!.arn : fromMaster ? master.at(-1)!.arn : principal;
    return {
      roleArn: hop.arn,
      chain: 'account',
      hop: i,
      // MFA is asked only for hops assumed straight from the base credentials.
      trustPolicy: trustPolicy(hop, previous, i === 0 && !fromMaster && mfaAtBase(config)),
      permissionPolicy: policyDocument(statements),
      notes,
    };
  });
}

const mfaAtBase = (config: PipelineConfig): boolean => config.auth.mfa !== undefined;
