import {
  ACCOUNT_PLACEHOLDER,
  BASE_ACCOUNT_PLACEHOLDER,
  deploymentUnits,
  textParts,
  type AccountStack,
  type DeployableRole,
  trustedRoleIndexes,
} from './deployable-roles.js';
import { HCL_REFS, hclComment, hclString, hclValue } from './hcl-text.js';
import type { IamPolicies } from './iam-policies.js';

export interface TerraformFile {
  /** Relative path: one directory (a module) per place the roles are created. */
  fileName: string;
  text: string;
}

/**
 * Terraform for the roles `iam-policy` describes: a `member-roles` module to apply in every member
 * account, and a directory per account for the roles that live in a single account.
 */
export function terraformConfigs(policies: IamPolicies): TerraformFile[] {
  const units = deploymentUnits(policies);
  const files: TerraformFile[] = [];
  if (units.memberRoles.length > 0) {
    files.push({ fileName: 'member-roles/main.tf', text: memberModule(units.memberRoles) });
  }
  for (const stack of units.accounts) {
    const dir = stack.account === BASE_ACCOUNT_PLACEHOLDER ? 'base-account' : `account-${stack.account}`;
    files.push({ fileName: `${dir}/main.tf`, text: accountModule(stack) });
  }
  return files;
}

function memberModule(roles: DeployableRole[]): string {
  const header = [
    `athena-fanout: the role(s) ${roles.map((r) => r.roleName).join(', ')} in every member account.`,
    'Apply this module once per member account: it has no provider block, so give it one per account,',
    'e.g. from a root module:',
    '  provider "aws" {',
    '    alias  = "acct_123456789012"',
    '    region = "us-east-1"',
    '    assume_role { role_arn = "arn:aws:iam::123456789012:role/OrganizationAccountAccessRole" }',
    '  }',
    '  module "athena_fanout_123456789012" {',
    '    source    = "./member-roles"',
    '    providers = { aws = aws.acct_123456789012 }',
    '  }',
    "(or apply the directory itself with each account's credentials, one workspace per account).",
    'data.aws_caller_identity.current and data.aws_partition.current stand for the account id and',
    'partition of the account it is applied in. Unlike a service-managed StackSet, Terraform does not',
    'deploy to accounts that join the organization later.',
  ];
  return module(header, renderRoles(roles, ACCOUNT_PLACEHOLDER));
}

function accountModule(stack: AccountStack): string {
  const own = stack.account === BASE_ACCOUNT_PLACEHOLDER ? BASE_ACCOUNT_PLACEHOLDER : undefined;
  const where = own ? 'the account of the base identity' : `account ${stack.account}`;
  const header = [
    `athena-fanout: created once, in ${where}.`,
    "Apply with that account's credentials (or a provider configured for it: this directory has no",
    'provider block).',
  ];
  const blocks = renderRoles(stack.roles, own);
  if (stack.base) {
    const str = (s: string) => hclString(textParts(s, own));
    blocks.push(
      hclComment([
        `attach to ${prose(stack.base.principal, own)}, the identity the chains start from`,
        ...stack.base.notes.map((n) => prose(n, own)),
      ]),
    );
    stack.base.policies.forEach((policy, i) => {
      const name = `base_identity${i === 0 ? '' : `_${i + 1}`}`;
      blocks.push(
        [
          `resource "aws_iam_policy" "${name}" {`,
          `  name        = ${str(policy.name)}`,
          '  description = "athena-fanout: what the identity the role chains start from must be allowed"',
          `  policy = jsonencode(${hclValue(policy.document, '  ', str)})`,
          '}',
        ].join('\n'),
        `output "${name}_policy_arn" {\n  value = aws_iam_policy.${name}.arn\n}`,
      );
    });
  }
  return module(header, blocks);
}

/** The header, the provider requirement, the data sources and variable the blocks use, the blocks. */
function module(header: string[], blocks: string[]): string {
  const body = blocks.join('\n\n');
  const inputs: string[] = [];
  if (body.includes(HCL_REFS.ownAccount)) inputs.push('data "aws_caller_identity" "current" {}');
  if (body.includes(HCL_REFS.ownPartition)) inputs.push('data "aws_partition" "current" {}');
  if (body.includes(HCL_REFS.baseAccount)) {
    inputs.push(
      [
        'variable "base_account_id" {',
        '  type        = string',
        '  description = "the account the role chains start from (the config does not name it)"',
        '}',
      ].join('\n'),
    );
  }
  const required = [
    'terraform {',
    '  required_providers {',
    '    aws = {',
    '      source  = "hashicorp/aws"',
    '      version = ">= 4.0"',
    '    }',
    '  }',
    '}',
  ].join('\n');
  return `${[hclComment(header), required, ...inputs, body].join('\n\n')}\n`;
}

/** Text for a comment, the placeholders named as the module fills them. */
const prose = (text: string, own: string | undefined): string => hclString(textParts(text, own)).slice(1, -1);

/** Terraform names: the role name in snake case, made unique with the hop. */
function resourceNames(roles: DeployableRole[]): string[] {
  const used = new Set<string>();
  return roles.map((role) => {
    const stem = role.roleName
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .replace(/[^A-Za-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .toLowerCase();
    let name = /^[a-z]/.test(stem) ? stem : `role_${stem}`;
    if (used.has(name)) name = `${name}_${role.chain}_${role.hop}`;
    used.add(name);
    return name;
  });
}

function renderRoles(roles: DeployableRole[], own: string | undefined): string[] {
  const str = (s: string) => hclString(textParts(s, own));
  const names = resourceNames(roles);
  return roles.flatMap((role, i) => {
    const name = names[i]!;
    const notes = role.notes.map((n) => prose(n, own));
    const trusted = trustedRoleIndexes(role, roles).map((t) => `aws_iam_role.${names[t]!}`);
    const blocks = [
      [
        hclComment([`${role.chain} chain, hop ${role.hop + 1}: ${prose(role.roleArn, own)}`, ...notes]),
        `resource "aws_iam_role" "${name}" {`,
        `  name        = ${str(role.roleName)}`,
        `  path        = ${str(role.path)}`,
        `  description = ${str(`athena-fanout ${role.chain} chain, hop ${role.hop + 1}`)}`,
        `  assume_role_policy = jsonencode(${hclValue(role.trustPolicy, '  ', str)})`,
        ...(trusted.length > 0 ? [`  depends_on = [${trusted.join(', ')}]`] : []),
        '}',
      ].join('\n'),
      // Each permission document is its own policy: inline in the role, or managed and attached to it.
      ...role.permissions.documents.map((permission, j) => {
        const policy = `${name}${j === 0 ? '' : `_${j + 1}`}`;
        const document = `jsonencode(${hclValue(permission.document, '  ', str)})`;
        if (role.permissions.kind === 'inline') {
          return [
            `resource "aws_iam_role_policy" "${policy}" {`,
            `  name   = ${str(permission.name)}`,
            `  role   = aws_iam_role.${name}.id`,
            `  policy = ${document}`,
            '}',
          ].join('\n');
        }
        return [
          `resource "aws_iam_policy" "${policy}" {`,
          `  name   = ${str(permission.name)}`,
          `  policy = ${document}`,
          '}',
          '',
          `resource "aws_iam_role_policy_attachment" "${policy}" {`,
          `  role       = aws_iam_role.${name}.name`,
          `  policy_arn = aws_iam_policy.${policy}.arn`,
          '}',
        ].join('\n');
      }),
      `output "${name}_arn" {\n  value = aws_iam_role.${name}.arn\n}`,
    ];
    return blocks;
  });
}
