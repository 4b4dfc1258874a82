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
import type { CatalogFacts } from './catalog-facts.js';
import { lakeFormationGrants } from './lake-formation-grants.js';
import { sizedPermissions, trustSizeWarnings } from './policy-size.js';
import { queryNotes } from './query-notes.js';
import { queryStatements } from './query-statements.js';
import { trustPolicy } from './trust-policy.js';

/** A permission policy as IAM takes it: whole, and as the documents to attach. */
export interface SizedPolicy {
  /** Every statement in one document (what the role is allowed). */
  permissionPolicy: PolicyDocument;
  /** What to attach: the one inline policy, or managed policies when the whole is over IAM's size limit. */
  permissionPolicies: PolicyDocument[];
  policyKind: 'inline' | 'managed';
  /** By statement Sid: why a statement is as wide as it is, or what it leaves to the user. */
  statementNotes: Record<string, string[]>;
  notes: string[];
}

export interface RolePolicies extends SizedPolicy {
  roleArn: string;
  chain: 'master' | 'account';
  hop: number;
  trustPolicy: PolicyDocument;
  /** Lake Formation grants the operator must make for this role (not IAM), one instruction each. */
  lakeFormationGrants: string[];
}

export interface IamPolicies {
  /** Where the chains start: what the base credentials themselves must be allowed. */
  base: SizedPolicy & { principal: string };
  roles: RolePolicies[];
  /** Size limits the output had to work around. */
  warnings: string[];
  /** What `--discover` read, when it ran. */
  discovered?: CatalogFacts;
}

export interface IamPolicyOptions {
  basePrincipal?: string;
  /** What `--discover` read from the accounts' catalogs. */
  discovered?: CatalogFacts;
}

/** A role's permission statements and the notes on what they leave to the user. */
interface Permissions {
  statements: PolicyStatement[];
  statementNotes: Record<string, string[]>;
  notes: string[];
}

function sized(who: string, p: Permissions, warnings: string[]): SizedPolicy {
  const permissionPolicy = policyDocument(p.statements);
  const size = sizedPermissions(who, permissionPolicy);
  warnings.push(...size.warnings);
  return {
    permissionPolicy,
    permissionPolicies: size.documents,
    policyKind: size.kind,
    statementNotes: p.statementNotes,
    notes: p.notes,
  };
}

/**
 * The trust policy and least-privilege permission policy of every role of both chains, from the config
 * (and what discovery read from the catalogs). Roles of the account chain are templates: `<accountId>`
 * stands for each member account.
 */
export function iamPolicies(config: PipelineConfig, opts: IamPolicyOptions = {}): IamPolicies {
  const base = basePrincipal(config, opts.basePrincipal);
  const permissions = basePermissions(config, base.principal, opts.discovered);
  const warnings: string[] = [];
  const roles = [
    ...masterRoles(config, base.principal, opts.discovered, warnings),
    ...accountRoles(config, base.principal, opts.discovered, warnings),
  ];
  const basePolicy = sized(
    'base identity',
    { ...permissions, notes: [...base.notes, ...permissions.notes] },
    warnings,
  );
  return {
    base: { principal: base.principal, ...basePolicy },
    roles,
    warnings,
    ...(opts.discovered ? { discovered: opts.discovered } : {}),
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
function basePermissions(
  config: PipelineConfig,
  principal: string,
  discovered: CatalogFacts | undefined,
): Permissions {
  const { masterRoleChain: master, accountRoleChain: account } = config.auth;
  const statements: PolicyStatement[] = [];
  if (master[0]) statements.push({ ...assumeNextHop(master[0], false), Sid: 'AssumeMasterChain' });
  if (account[0] && !accountChainStartsAtMaster(config.auth)) {
    statements.push({ ...assumeNextHop(account[0], true), Sid: 'AssumeAccountChain' });
  }
  if (master.length > 0) return { statements, statementNotes: {}, notes: [] };
  const end = masterChainEnd(config, principal, discovered);
  return { ...end, statements: [...statements, ...end.statements] };
}

/**
 * Where the master chain ends (the base credentials with no master chain): listing the organization,
 * assuming the account chain when it starts here, and querying the management account when the run
 * sends it through the master chain.
 */
function masterChainEnd(
  config: PipelineConfig,
  arn: string,
  discovered: CatalogFacts | undefined,
): Permissions {
  const statements: PolicyStatement[] = [];
  const notes: string[] = [];
  let statementNotes: Record<string, string[]> = {};
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
    const query = queryStatements({
      queries,
      partition: partitionOf(arn),
      account: accountOf(arn) || '<baseAccountId>',
      vars: config.vars,
      iam: config.iam,
      discovered,
    });
    statements.push(...query.statements);
    statementNotes = query.statementNotes;
  }
  return { statements, statementNotes, notes };
}

function masterRoles(
  config: PipelineConfig,
  principal: string,
  discovered: CatalogFacts | undefined,
  warnings: string[],
): RolePolicies[] {
  const master = config.auth.masterRoleChain;
  return master.map((hop, i) => {
    const next = master[i + 1];
    const permissions = next
      ? { statements: [assumeNextHop(next, false)], statementNotes: {}, notes: [] }
      : masterChainEnd(config, hop.arn, discovered);
    const trust = trustPolicy(hop, i === 0 ? principal : master[i - 1]!.arn, i === 0 && mfaAtBase(config));
    warnings.push(...trustSizeWarnings(hop.arn, trust));
    const queries = permissions.statements.some((s) => s.Sid === 'AthenaWorkgroups');
    return {
      roleArn: hop.arn,
      chain: 'master',
      hop: i,
      trustPolicy: trust,
      ...sized(hop.arn, permissions, warnings),
      lakeFormationGrants: queries ? lakeFormationGrants(hop.arn, discovered?.lakeFormationTables ?? []) : [],
    };
  });
}

function accountRoles(
  config: PipelineConfig,
  principal: string,
  discovered: CatalogFacts | undefined,
  warnings: string[],
): RolePolicies[] {
  const { masterRoleChain: master, accountRoleChain: account } = config.auth;
  const fromMaster = accountChainStartsAtMaster(config.auth);
  return account.map((hop, i) => {
    const notes =
      i === 0 ? ['a template: create it in every member account, <accountId> being that account'] : [];
    const next = account[i + 1];
    const queries = policyQueries(config, config.queries);
    if (!next) notes.push(...queryNotes(queries), ...overrideWildcardNotes(config));
    const permissions: Permissions = next
      ? { statements: [assumeNextHop(next, false)], statementNotes: {}, notes }
      : {
          ...queryStatements({
            queries,
            partition: partitionOf(hop.arn),
            account: '<accountId>',
            vars: config.vars,
            iam: config.iam,
            discovered,
          }),
          notes,
        };
    const previous = i > 0 ? account[i - 1]!.arn : fromMaster ? master.at(-1)!.arn : principal;
    // MFA is asked only for hops assumed straight from the base credentials.
    const trust = trustPolicy(hop, previous, i === 0 && !fromMaster && mfaAtBase(config));
    warnings.push(...trustSizeWarnings(hop.arn, trust));
    return {
      roleArn: hop.arn,
      chain: 'account',
      hop: i,
      trustPolicy: trust,
      ...sized(hop.arn, permissions, warnings),
      lakeFormationGrants: next ? [] : lakeFormationGrants(hop.arn, discovered?.lakeFormationTables ?? []),
    };
  });
}

const mfaAtBase = (config: PipelineConfig): boolean => config.auth.mfa !== undefined;
