import { describe, expect, it } from 'vitest';
import { cloudFormationTemplates } from '../../../src/plan/index.js';
import type { IamPolicies } from '../../../src/plan/iam-policy/iam-policies.js';
import { cfnSpec, validateTemplate } from '../../helpers/cfn-spec.js';
import {
  BASE,
  expectedDocuments,
  filled,
  IAM_CONFIGS,
  MEMBER,
  policiesOf,
} from '../../helpers/iam-configs.js';

type Json = Record<string, unknown>;
type Template = { Resources: Record<string, Json>; Outputs: Record<string, Json> } & Json;

const templatesOf = (policies: IamPolicies): Record<string, Template> =>
  Object.fromEntries(cloudFormationTemplates(policies).map((f) => [f.fileName, f.template as Template]));

/** What CloudFormation makes of the intrinsics, deployed in `account` (Ref of a role: its name). */
function resolve(value: unknown, template: Template, env: Record<string, string>): unknown {
  const sub = (text: string) =>
    text.replace(/\$\{(!?)([^}]*)\}/g, (_, bang: string, name: string) => {
      if (bang) return `\${${name}}`;
      const v = env[name];
      if (v === undefined) throw new Error(`Fn::Sub of unknown ${name}`);
      return v;
    });
  if (Array.isArray(value)) return value.map((v) => resolve(v, template, env));
  if (typeof value !== 'object' || value === null) return value;
  const o = value as Json;
  if (typeof o['Fn::Sub'] === 'string') return sub(o['Fn::Sub']);
  if (typeof o.Ref === 'string') {
    const props = template.Resources[o.Ref]?.Properties as Json | undefined;
    return env[o.Ref] ?? resolve(props?.RoleName, template, env);
  }
  if (Array.isArray(o['Fn::GetAtt'])) {
    const props = template.Resources[o['Fn::GetAtt'][0] as string]!.Properties as Json;
    const name = resolve(props.RoleName, template, env) as string;
    return `arn:${env['AWS::Partition']!}:iam::${env['AWS::AccountId']!}:role${props.Path as string}${name}`;
  }
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, resolve(v, template, env)]));
}

const envOf = (fileName: string, partition: string): Record<string, string> => ({
  'AWS::Partition': partition,
  'AWS::AccountId': fileName.startsWith('member-roles')
    ? MEMBER
    : fileName.startsWith('base-account')
      ? BASE
      : /account-(\d{12})/.exec(fileName)![1]!,
  BaseAccountId: BASE,
});

describe('iam-policy --format cloudformation', () => {
  it('is accepted by the published CloudFormation resource specification', () => {
    expect(Number(cfnSpec().ResourceSpecificationVersion.split('.')[0])).toBeGreaterThan(100);
    for (const yaml of Object.values(IAM_CONFIGS)) {
      for (const [fileName, template] of Object.entries(templatesOf(policiesOf(yaml)))) {
        expect(validateTemplate(template), fileName).toEqual([]);
        expect(JSON.stringify(template)).not.toMatch(/<accountId>|<baseAccountId>/);
      }
    }
  });

  it('creates every role with the trust and permission policies of the JSON output, placeholders filled by the stack', () => {
    for (const [config, yaml] of Object.entries(IAM_CONFIGS)) {
      const policies = policiesOf(yaml);
      const partition = policies.roles[0]!.roleArn.split(':')[1]!;
      const created = new Map<string, { trust: unknown; permissions: unknown[] }>();
      const basePolicies: unknown[] = [];
      for (const [fileName, template] of Object.entries(templatesOf(policies))) {
        const resolved = resolve(template, template, envOf(fileName, partition)) as Template;
        for (const [id, r] of Object.entries(resolved.Resources)) {
          const props = r.Properties as Json;
          if (r.Type === 'AWS::IAM::ManagedPolicy' && !props.Roles) basePolicies.push(props.PolicyDocument);
          if (r.Type !== 'AWS::IAM::Role') continue;
          const arn = (resolved.Outputs[`${id}Arn`] as Json).Value as string;
          const permissions = Object.values(resolved.Resources)
            .filter((p) => /^AWS::IAM::(Policy|ManagedPolicy)$/.test(p.Type as string))
            .filter((p) => (p.Properties as Json).Roles)
            .filter((p) => ((p.Properties as Json).Roles as string[]).includes(props.RoleName as string))
            .map((p) => (p.Properties as Json).PolicyDocument);
          created.set(arn, { trust: props.AssumeRolePolicyDocument, permissions });
        }
      }
      expect([...created.keys()].sort(), config).toEqual(filled(policies.roles.map((r) => r.roleArn)).sort());
      for (const role of policies.roles) {
        expect(created.get(filled(role.roleArn)), `${config} ${role.roleArn}`).toEqual({
          trust: filled(role.trustPolicy),
          permissions: filled(expectedDocuments(role)),
        });
      }
      expect(basePolicies, config).toEqual(filled(expectedDocuments(policies.base)));
    }
  });

  it('a StackSet template for the member-account roles: service-managed, the own account and partition from the stack, the management account literal', () => {
    const files = templatesOf(policiesOf(IAM_CONFIGS.masterChain));
    expect(Object.keys(files)).toEqual(['member-roles.stackset.json', 'account-111111111111.stack.json']);
    const member = files['member-roles.stackset.json']!;
    expect(member.Description).toMatch(/service-managed StackSet.*SERVICE_MANAGED.*organizational units/);
    const role = member.Resources.AthenaReaderRole!;
    expect(role.Type).toBe('AWS::IAM::Role');
    expect(role.Properties).toMatchObject({ RoleName: 'AthenaReader', Path: '/' });
    const trust = JSON.stringify((role.Properties as Json).AssumeRolePolicyDocument);
    expect(trust).toContain('"AWS":"arn:aws:iam::111111111111:role/ops/OrgReader"');
    const permissions = JSON.stringify(member.Resources.AthenaReaderPolicy!.Properties);
    expect(permissions).toContain(
      '{"Fn::Sub":"arn:${AWS::Partition}:athena:eu-west-1:${AWS::AccountId}:workgroup/analytics"}',
    );
    expect(permissions).toContain('{"Fn::Sub":"arn:${AWS::Partition}:s3:::results-${AWS::AccountId}"}');
    // a bucket the config names outright stays as it is
    expect(permissions).toContain('"arn:aws:s3:::finance-results"');
    expect(Object.keys(member.Outputs)).toEqual(['AthenaReaderRoleArn']);
    expect(member.Outputs.AthenaReaderRoleArn).toMatchObject({
      Value: { 'Fn::GetAtt': ['AthenaReaderRole', 'Arn'] },
    });
  });

  it('a stack for the management-account chain: roles created in chain order, paths kept, the base identity policy as an output', () => {
    const stack = templatesOf(policiesOf(IAM_CONFIGS.masterChain))['account-111111111111.stack.json']!;
    expect(stack.Resources.OrgReaderRole).toMatchObject({
      DependsOn: ['OrgHubRole'],
      Properties: { RoleName: 'OrgReader', Path: '/ops/' },
    });
    expect(JSON.stringify(stack)).not.toContain('Fn::Sub');
    expect(Object.keys(stack.Outputs)).toEqual([
      'OrgHubRoleArn',
      'OrgReaderRoleArn',
      'BaseIdentityPolicyArn',
      'BasePrincipal',
    ]);
    expect(stack.Resources.BaseIdentityPolicy!.Type).toBe('AWS::IAM::ManagedPolicy');
    expect(stack.Outputs.BasePrincipal).toMatchObject({ Value: 'arn:aws:iam::111111111111:root' });
  });

  it('an unknown base account is a parameter of the StackSet and its own stack for the base identity', () => {
    const files = templatesOf(policiesOf(IAM_CONFIGS.unknownBase));
    expect(Object.keys(files)).toEqual(['member-roles.stackset.json', 'base-account.stack.json']);
    const member = files['member-roles.stackset.json']!;
    expect(Object.keys(member.Parameters as Json)).toEqual(['BaseAccountId']);
    expect((member.Parameters as Json).BaseAccountId).toMatchObject({ Type: 'String' });
    expect(JSON.stringify(member)).toContain('"AWS":{"Fn::Sub":"arn:aws:iam::${BaseAccountId}:root"}');
    const base = files['base-account.stack.json']!;
    expect(JSON.stringify(base)).toContain(
      'arn:${AWS::Partition}:athena:eu-west-1:${AWS::AccountId}:workgroup/analytics',
    );
    expect(base.Outputs.BasePrincipal).toMatchObject({
      Value: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' },
    });
  });

  it('chained template roles in one account: the second depends on the first; the China partition comes from the stack', () => {
    const member = templatesOf(policiesOf(IAM_CONFIGS.twoHopsChina))['member-roles.stackset.json']!;
    expect(member.Resources.ReaderRole).toMatchObject({
      DependsOn: ['EntryRole'],
      Properties: { RoleName: 'Reader', Path: '/data/' },
    });
    expect(JSON.stringify(member.Resources.ReaderRole)).toContain(
      '{"Fn::Sub":"arn:${AWS::Partition}:iam::${AWS::AccountId}:role/Entry"}',
    );
    expect(JSON.stringify(member)).not.toContain('arn:aws-cn:iam::${AWS::AccountId}');
  });

  it('a hub role of the account chain in one account: its own stack, reaching the member role in any account', () => {
    const files = templatesOf(
      policiesOf(
        `version: 1
region: eu-west-1
auth:
  accountRoleChain:
    - arn:aws:iam::333333333333:role/Hub
    - arn:aws:iam::<accountId>:role/AthenaReader
athena: { workgroup: analytics }
queries: [{ name: q, sql: SELECT 1 }]
sinks: [{ type: parquet, path: q.parquet }]
`,
        'arn:aws:iam::999999999999:role/ci',
      ),
    );
    expect(Object.keys(files)).toEqual([
      'member-roles.stackset.json',
      'account-333333333333.stack.json',
      'account-999999999999.stack.json',
    ]);
    const hub = files['account-333333333333.stack.json']!;
    for (const template of Object.values(files)) expect(validateTemplate(template)).toEqual([]);
    expect(hub.Resources.HubPolicy!.Properties).toMatchObject({
      PolicyDocument: {
        Statement: [{ Sid: 'AssumeNextHop', Resource: ['arn:aws:iam::*:role/AthenaReader'] }],
      },
    });
    expect(JSON.stringify(files)).not.toMatch(/<accountId>/);
  });

  it('a role whose policy the model split into managed policies: each its own AWS::IAM::ManagedPolicy attached to the role', () => {
    const policies = policiesOf(IAM_CONFIGS.masterChain);
    const [first, ...rest] = policies.roles[2]!.permissionPolicy.Statement;
    Object.assign(policies.roles[2]!, {
      permissionPolicies: [
        { Version: '2012-10-17', Statement: [first] },
        { Version: '2012-10-17', Statement: rest },
      ],
      policyKind: 'managed',
      statementNotes: { AthenaWorkgroups: ['why it is this wide'] },
    });
    const member = templatesOf(policies)['member-roles.stackset.json']!;
    expect(validateTemplate(member)).toEqual([]);
    expect(member.Resources.AthenaReaderPolicy).toMatchObject({
      Type: 'AWS::IAM::ManagedPolicy',
      Properties: {
        ManagedPolicyName: 'athena-fanout-AthenaReader',
        PolicyDocument: { Statement: [{ Sid: 'AthenaWorkgroups' }] },
        Roles: [{ Ref: 'AthenaReaderRole' }],
      },
    });
    expect(member.Resources.AthenaReaderPolicy2).toMatchObject({
      Type: 'AWS::IAM::ManagedPolicy',
      Properties: { ManagedPolicyName: 'athena-fanout-AthenaReader-2' },
    });
    expect(member.Resources.AthenaReaderRole!.Metadata).toMatchObject({
      'athena-fanout': {
        notes: expect.arrayContaining(['AthenaWorkgroups: why it is this wide']) as unknown,
      },
    });
  });

  it('an IAM policy variable stays literal inside Fn::Sub', () => {
    const policies = policiesOf(IAM_CONFIGS.masterChain);
    policies.roles[2]!.permissionPolicy.Statement.push({
      Sid: 'PerUser',
      Effect: 'Allow',
      Action: ['s3:GetObject'],
      Resource: ['arn:aws:s3:::results-<accountId>/${aws:username}/*'],
    });
    const member = templatesOf(policies)['member-roles.stackset.json']!;
    expect(validateTemplate(member)).toEqual([]);
    expect(JSON.stringify(member)).toContain(
      '"Fn::Sub":"arn:${AWS::Partition}:s3:::results-${AWS::AccountId}/${!aws:username}/*"',
    );
  });

  it('the validator rejects what CloudFormation would', () => {
    const member = templatesOf(policiesOf(IAM_CONFIGS.masterChain))['member-roles.stackset.json']!;
    const broken = JSON.parse(JSON.stringify(member)) as Template;
    const role = broken.Resources.AthenaReaderRole!;
    const props = role.Properties as Json;
    delete props.AssumeRolePolicyDocument;
    props.RoleNames = 'x';
    props.Path = 3;
    broken.Resources.AthenaReaderPolicy!.Type = 'AWS::IAM::RolePolicyy';
    broken.Outputs.Missing = { Value: { 'Fn::GetAtt': ['AthenaReaderRole', 'Nope'] } };
    broken.Outputs.Sub = { Value: { 'Fn::Sub': '${AWS::AccountIdd}' } };
    broken.Outputs.Ref = { Value: { Ref: 'Nothing' } };
    expect(validateTemplate(broken)).toEqual([
      'Resources.AthenaReaderRole.Properties.Path: must be String',
      'Resources.AthenaReaderRole.Properties.RoleNames: not a property of AWS::IAM::Role',
      'Resources.AthenaReaderRole.Properties: required property AssumeRolePolicyDocument of AWS::IAM::Role missing',
      'Resources.AthenaReaderPolicy: unknown resource type AWS::IAM::RolePolicyy',
      'Outputs.Missing.Value: Fn::GetAtt names no attribute of AWS::IAM::Role: Nope',
      'Outputs.Sub.Value: Fn::Sub names nothing: ${AWS::AccountIdd}',
      'Outputs.Ref.Value: Ref names nothing: Nothing',
    ]);
  });
});
