import {
  ACCOUNT_PLACEHOLDER,
  BASE_ACCOUNT_PLACEHOLDER,
  deploymentUnits,
  mapStrings,
  textParts,
  type AccountStack,
  type DeployableRole,
  type TextPart,
  trustedRoleIndexes,
} from './deployable-roles.js';
import type { IamPolicies } from './iam-policies.js';

export interface CloudFormationFile {
  fileName: string;
  template: Record<string, unknown>;
}

type Resources = Record<string, Record<string, unknown>>;

const BASE_ACCOUNT_PARAMETER = 'BaseAccountId';
const NOTES_KEY = 'athena-fanout';

/**
 * CloudFormation templates for the roles `iam-policy` describes: one StackSet template for the template
 * roles of every member account, one stack per account for the roles that live in a single account.
 */
export function cloudFormationTemplates(policies: IamPolicies): CloudFormationFile[] {
  const units = deploymentUnits(policies);
  const files: CloudFormationFile[] = [];
  if (units.memberRoles.length > 0) {
    files.push({ fileName: 'member-roles.stackset.json', template: memberTemplate(units.memberRoles) });
  }
  for (const stack of units.accounts) {
    const name = stack.account === BASE_ACCOUNT_PLACEHOLDER ? 'base-account' : `account-${stack.account}`;
    files.push({ fileName: `${name}.stack.json`, template: accountTemplate(stack) });
  }
  return files;
}

function memberTemplate(roles: DeployableRole[]): Record<string, unknown> {
  const names = roles.map((r) => r.roleName).join(', ');
  return template(
    `athena-fanout: the role(s) ${names} in every member account. For a service-managed StackSet ` +
      '(--permission-model SERVICE_MANAGED) deployed to organizational units with automatic deployment: ' +
      'each stack instance creates the role(s) in its own account (AWS::AccountId). StackSets skip the ' +
      'management account: if the run queries it through the account chain, create a stack from this ' +
      'template there too.',
    roleResources(roles, ACCOUNT_PLACEHOLDER),
    roleOutputs(roles),
  );
}

function accountTemplate(stack: AccountStack): Record<string, unknown> {
  const own = stack.account === BASE_ACCOUNT_PLACEHOLDER ? BASE_ACCOUNT_PLACEHOLDER : undefined;
  const where = own ? 'the account of the base identity' : `account ${stack.account}`;
  const what = [
    ...stack.roles.map((r) => r.roleName),
    ...(stack.base ? ['the base identity policy'] : []),
  ].join(', ');
  const resources = roleResources(stack.roles, own);
  const outputs = roleOutputs(stack.roles);
  const metadata: Record<string, unknown> = {};
  if (stack.base) {
    stack.base.policies.forEach((policy, i) => {
      const id = `BaseIdentityPolicy${i === 0 ? '' : i + 1}`;
      resources[id] = {
        Type: 'AWS::IAM::ManagedPolicy',
        Properties: {
          ManagedPolicyName: policy.name,
          Description: 'athena-fanout: what the identity the role chains start from must be allowed',
          PolicyDocument: substituted(policy.document, own),
        },
      };
      outputs[`${id}Arn`] = {
        Description: 'attach this policy to BasePrincipal, the identity the chains start from',
        Value: { Ref: id },
      };
    });
    outputs.BasePrincipal = {
      Description: 'the identity the chains start from (the first hops trust it)',
      Value: substituted(stack.base.principal, own),
    };
    metadata[NOTES_KEY] = { notes: stack.base.notes.map((n) => prose(n, own)) };
  }
  const order = 'Create it before the member-account StackSet (IAM refuses to trust a role not yet created).';
  return template(`athena-fanout: ${what}, created once in ${where}. ${order}`, resources, outputs, metadata);
}

function template(
  description: string,
  resources: Resources,
  outputs: Resources,
  metadata: Record<string, unknown> = {},
): Record<string, unknown> {
  const parameters = usesBaseAccount(resources)
    ? {
        [BASE_ACCOUNT_PARAMETER]: {
          Type: 'String',
          AllowedPattern: '^[0-9]{12}$',
          Description: 'the account the role chains start from (the config does not name it)',
        },
      }
    : undefined;
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: description,
    ...(Object.keys(metadata).length > 0 ? { Metadata: metadata } : {}),
    ...(parameters ? { Parameters: parameters } : {}),
    Resources: resources,
    Outputs: outputs,
  };
}

const usesBaseAccount = (resources: Resources): boolean =>
  JSON.stringify(resources).includes(`\${${BASE_ACCOUNT_PARAMETER}}`);

/** Logical ids: the role name's letters and digits, made unique with the hop. */
function logicalIds(roles: DeployableRole[]): string[] {
  const used = new Set<string>();
  return roles.map((role) => {
    const stem = role.roleName.replace(/[^A-Za-z0-9]/g, '') || 'Chain';
    let id = `${stem}Role`;
    if (used.has(id)) id = `${stem}${role.chain === 'master' ? 'Master' : 'Account'}${role.hop}Role`;
    used.add(id);
    return id;
  });
}

function roleResources(roles: DeployableRole[], own: string | undefined): Resources {
  const resources: Resources = {};
  const ids = logicalIds(roles);
  roles.forEach((role, i) => {
    const id = ids[i]!;
    const trusted = trustedRoleIndexes(role, roles).map((t) => ids[t]!);
    resources[id] = {
      Type: 'AWS::IAM::Role',
      ...(trusted.length > 0 ? { DependsOn: trusted } : {}),
      Metadata: {
        [NOTES_KEY]: {
          chain: role.chain,
          hop: role.hop,
          notes: role.notes.map((n) => prose(n, own)),
        },
      },
      Properties: {
        RoleName: substituted(role.roleName, own),
        Path: role.path,
        Description: `athena-fanout ${role.chain} chain, hop ${role.hop + 1}`,
        AssumeRolePolicyDocument: substituted(role.trustPolicy, own),
      },
    };
    // Each permission document is its own policy: inline in the role, or managed and attached to it.
    const managed = role.permissions.kind === 'managed';
    role.permissions.documents.forEach((permission, j) => {
      resources[`${id.replace(/Role$/, '')}Policy${j === 0 ? '' : j + 1}`] = {
        Type: managed ? 'AWS::IAM::ManagedPolicy' : 'AWS::IAM::Policy',
        Properties: {
          [managed ? 'ManagedPolicyName' : 'PolicyName']: substituted(permission.name, own),
          PolicyDocument: substituted(permission.document, own),
          Roles: [{ Ref: id }],
        },
      };
    });
  });
  return resources;
}

function roleOutputs(roles: DeployableRole[]): Resources {
  const ids = logicalIds(roles);
  return Object.fromEntries(
    roles.map((role, i) => [
      `${ids[i]!}Arn`,
      {
        Description: `${role.chain} chain hop ${role.hop + 1}: the ARN the config names`,
        Value: { 'Fn::GetAtt': [ids[i]!, 'Arn'] },
      },
    ]),
  );
}

/** A JSON value with the placeholders of `own` as `Fn::Sub` of the stack's account and partition. */
function substituted(value: unknown, own: string | undefined): unknown {
  return mapStrings(value, (text) => {
    const parts = textParts(text, own);
    if (parts.every((p) => typeof p === 'string')) return parts.join('');
    return { 'Fn::Sub': parts.map(subText).join('') };
  });
}

/** Notes as text, the placeholders named as the template names them. */
const prose = (text: string, own: string | undefined): string =>
  textParts(text, own)
    .map((p) => (typeof p === 'string' ? p : subText(p)))
    .join('');

function subText(part: TextPart): string {
  // In Fn::Sub, a literal `${` (an IAM policy variable) is written `${!`.
  if (typeof part === 'string') return part.replaceAll('${', '${!');
  if (part.ref === 'ownAccount') return '${AWS::AccountId}';
  if (part.ref === 'ownPartition') return '${AWS::Partition}';
  return `\${${BASE_ACCOUNT_PARAMETER}}`;
}
