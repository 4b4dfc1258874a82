import { describe, expect, it } from 'vitest';
import { terraformConfigs } from '../../../src/plan/index.js';
import type { IamPolicies } from '../../../src/plan/iam-policy/iam-policies.js';
import { evaluateTemplate, jsonencodeArgument, parseHcl } from '../../helpers/hcl-parse.js';
import {
  BASE,
  expectedDocuments,
  filled,
  IAM_CONFIGS,
  MEMBER,
  policiesOf,
} from '../../helpers/iam-configs.js';

type Json = Record<string, unknown>;
type Blocks = Record<string, Record<string, Json[]>>;

async function parsedFiles(policies: IamPolicies): Promise<Record<string, Json>> {
  const files: Record<string, Json> = {};
  for (const f of terraformConfigs(policies)) files[f.fileName] = await parseHcl(f.fileName, f.text);
  return files;
}

/** The data sources and variable as Terraform fills them where the module is applied. */
const refsOf = (fileName: string, partition: string): Record<string, string> => ({
  'data.aws_partition.current.partition': partition,
  'data.aws_caller_identity.current.account_id': fileName.startsWith('member-roles')
    ? MEMBER
    : fileName.startsWith('base-account')
      ? BASE
      : /account-(\d{12})/.exec(fileName)![1]!,
  'var.base_account_id': BASE,
});

const one = (blocks: Json[] | undefined): Json => {
  expect(blocks).toHaveLength(1);
  return blocks![0]!;
};

describe('iam-policy --format terraform', () => {
  it('parses as HCL into aws_iam_role and aws_iam_role_policy resources whose policies equal the JSON output', async () => {
    for (const [config, yaml] of Object.entries(IAM_CONFIGS)) {
      const policies = policiesOf(yaml);
      const partition = policies.roles[0]!.roleArn.split(':')[1]!;
      const created = new Map<string, { trust: unknown; permissions: unknown[] }>();
      const basePolicies: unknown[] = [];
      for (const f of terraformConfigs(policies)) expect(f.text).not.toMatch(/<accountId>|<baseAccountId>/);
      for (const [fileName, parsed] of Object.entries(await parsedFiles(policies))) {
        const refs = refsOf(fileName, partition);
        const resources = parsed.resource as Blocks;
        expect(Object.keys(resources).every((t) => /^aws_iam_(role|role_policy|policy)$/.test(t))).toBe(true);
        const attached = new Map<string, string[]>();
        for (const a of Object.values(resources.aws_iam_role_policy_attachment ?? {}).map(one)) {
          const role = a.role as string;
          attached.set(role, [...(attached.get(role) ?? []), a.policy_arn as string]);
        }
        for (const [name, blocks] of Object.entries(resources.aws_iam_role ?? {})) {
          const role = one(blocks);
          const arn = `arn:${partition}:iam::${refs['data.aws_caller_identity.current.account_id']!}:role${evaluateTemplate(role.path, refs) as string}${evaluateTemplate(role.name, refs) as string}`;
          const inline = Object.values(resources.aws_iam_role_policy ?? {})
            .map(one)
            .filter((p) => p.role === `\${aws_iam_role.${name}.id}`);
          const managed = (attached.get(`\${aws_iam_role.${name}.name}`) ?? []).map((arn) =>
            one(resources.aws_iam_policy![/^\$\{aws_iam_policy\.(\w+)\.arn\}$/.exec(arn)![1]!]),
          );
          const permissions = await Promise.all(
            [...inline, ...managed].map(async (p) =>
              evaluateTemplate(await jsonencodeArgument(p.policy), refs),
            ),
          );
          const trust = evaluateTemplate(await jsonencodeArgument(role.assume_role_policy), refs);
          created.set(arn, { trust, permissions });
          expect(one((parsed.output as Blocks)[`${name}_arn`] as unknown as Json[]).value).toBe(
            `\${aws_iam_role.${name}.arn}`,
          );
        }
        for (const [name, blocks] of Object.entries(resources.aws_iam_policy ?? {})) {
          if (!name.startsWith('base_identity')) continue;
          basePolicies.push(evaluateTemplate(await jsonencodeArgument(one(blocks).policy), refs));
        }
      }
      for (const role of policies.roles) {
        expect(created.get(filled(role.roleArn)), `${config} ${role.roleArn}`).toEqual({
          trust: filled(role.trustPolicy),
          permissions: filled(expectedDocuments(role)),
        });
      }
      expect(created.size, config).toBe(policies.roles.length);
      expect(basePolicies, config).toEqual(filled(expectedDocuments(policies.base)));
    }
  });

  it('a member-roles module for every member account: the account and partition from data sources, a provider note, no placeholder', async () => {
    const policies = policiesOf(IAM_CONFIGS.masterChain);
    const texts = Object.fromEntries(terraformConfigs(policies).map((f) => [f.fileName, f.text]));
    expect(Object.keys(texts)).toEqual(['member-roles/main.tf', 'account-111111111111/main.tf']);
    const member = texts['member-roles/main.tf']!;
    expect(member).toContain('providers = { aws = aws.acct_123456789012 }');
    expect(member).not.toMatch(/<accountId>|<baseAccountId>/);
    expect(member).toContain(
      '"arn:${data.aws_partition.current.partition}:athena:eu-west-1:${data.aws_caller_identity.current.account_id}:workgroup/analytics"',
    );
    // the management account's role stays literal
    expect(member).toContain('AWS = "arn:aws:iam::111111111111:role/ops/OrgReader"');
    const parsed = await parseHcl('main.tf', member);
    expect(Object.keys(parsed.data as Json).sort()).toEqual(['aws_caller_identity', 'aws_partition']);
    expect(one((parsed.resource as Blocks).aws_iam_role!.athena_reader)).toMatchObject({
      name: 'AthenaReader',
      path: '/',
    });
    const management = await parseHcl('main.tf', texts['account-111111111111/main.tf']!);
    expect(management.data).toBeUndefined();
    expect(one((management.resource as Blocks).aws_iam_role!.org_reader)).toMatchObject({
      name: 'OrgReader',
      path: '/ops/',
      depends_on: ['${aws_iam_role.org_hub}'],
    });
  });

  it('an unknown base account is a variable; chained roles in one account are created in order', async () => {
    const unknown = await parsedFiles(policiesOf(IAM_CONFIGS.unknownBase));
    expect(Object.keys(unknown)).toEqual(['member-roles/main.tf', 'base-account/main.tf']);
    expect(Object.keys(unknown['member-roles/main.tf']!.variable as Json)).toEqual(['base_account_id']);
    const china = await parsedFiles(policiesOf(IAM_CONFIGS.twoHopsChina));
    const roles = (china['member-roles/main.tf']!.resource as Blocks).aws_iam_role!;
    expect(one(roles.reader).depends_on).toEqual(['${aws_iam_role.entry}']);
  });

  it('a role whose policy the model split into managed policies: aws_iam_policy resources attached to the role', async () => {
    const policies = policiesOf(IAM_CONFIGS.masterChain);
    const [first, ...rest] = policies.roles[2]!.permissionPolicy.Statement;
    const documents = [
      { Version: '2012-10-17' as const, Statement: [first!] },
      { Version: '2012-10-17' as const, Statement: rest },
    ];
    Object.assign(policies.roles[2]!, { permissionPolicies: documents, policyKind: 'managed' });
    const parsed = await parseHcl('main.tf', terraformConfigs(policies)[0]!.text);
    const resources = parsed.resource as Blocks;
    expect(resources.aws_iam_role_policy).toBeUndefined();
    expect(Object.keys(resources.aws_iam_policy!)).toEqual(['athena_reader', 'athena_reader_2']);
    expect(one(resources.aws_iam_policy!.athena_reader_2).name).toBe('athena-fanout-AthenaReader-2');
    expect(one(resources.aws_iam_role_policy_attachment!.athena_reader_2)).toEqual({
      role: '${aws_iam_role.athena_reader.name}',
      policy_arn: '${aws_iam_policy.athena_reader_2.arn}',
    });
    const refs = refsOf('member-roles', 'aws');
    const second = evaluateTemplate(
      await jsonencodeArgument(one(resources.aws_iam_policy!.athena_reader_2).policy),
      refs,
    );
    expect(second).toEqual(filled(documents[1]));
  });

  it('escapes what HCL would interpolate: IAM policy variables and quotes come out as written', async () => {
    const policies = policiesOf(IAM_CONFIGS.masterChain);
    const statement = {
      Sid: 'PerUser',
      Effect: 'Allow' as const,
      Action: ['s3:GetObject'],
      Resource: ['arn:aws:s3:::results-<accountId>/${aws:username}/%{x}/"q"\\/*'],
    };
    policies.roles[2]!.permissionPolicy.Statement.push(statement);
    const text = terraformConfigs(policies)[0]!.text;
    expect(text).toContain('$${aws:username}/%%{x}/\\"q\\"\\\\/*');
    const parsed = await parseHcl('main.tf', text);
    const policy = one((parsed.resource as Blocks).aws_iam_role_policy!.athena_reader).policy;
    const document = evaluateTemplate(await jsonencodeArgument(policy), refsOf('member-roles', 'aws')) as {
      Statement: { Sid: string }[];
    };
    expect(document.Statement.at(-1)).toEqual(filled(statement));
  });

  it('the parse-back fails on broken HCL', async () => {
    await expect(parseHcl('main.tf', 'resource "aws_iam_role" "x" {\n  name = \n}\n')).rejects.toThrow(
      /main\.tf:2/,
    );
  });
});
