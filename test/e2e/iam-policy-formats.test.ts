import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateTemplate } from '../helpers/cfn-spec.js';
import { runCli } from '../helpers/cli.js';
import { parseHcl } from '../helpers/hcl-parse.js';
import { IAM_CONFIGS } from '../helpers/iam-configs.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fanout-iam-formats-'));
  await writeFile(join(dir, 'pipeline.config.yaml'), IAM_CONFIGS.masterChain);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** No credentials and an endpoint nothing listens on: the command must not need AWS. */
const cli = (args: string[]) =>
  runCli(['iam-policy', ...args], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      AWS_REGION: 'eu-west-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    },
  });

describe('athena-fanout iam-policy --format', () => {
  it('cloudformation --out DIR writes a StackSet template and a management-account stack the resource specification accepts', async () => {
    const out = join(dir, 'cfn');
    const result = await cli(['--format', 'cloudformation', '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    const files = (await readdir(out)).sort();
    expect(files).toEqual(['account-111111111111.stack.json', 'member-roles.stackset.json']);
    expect(result.stdout.trim().split('\n').sort()).toEqual(files.map((f) => join(out, f)));
    for (const f of files) {
      const text = await readFile(join(out, f), 'utf8');
      expect(text).not.toContain('<accountId>');
      expect(validateTemplate(JSON.parse(text)), f).toEqual([]);
    }
    const member = JSON.parse(await readFile(join(out, 'member-roles.stackset.json'), 'utf8')) as {
      Description: string;
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    expect(member.Description).toContain('SERVICE_MANAGED');
    expect(member.Resources.AthenaReaderRole?.Properties.RoleName).toBe('AthenaReader');
  });

  it('without --out: terraform prints HCL that parses, cloudformation one JSON object of templates; a format it does not know is refused naming the flag', async () => {
    const result = await cli(['--format', 'terraform']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('# ==> member-roles/main.tf <==');
    const member = result.stdout.split('# ==> account-111111111111/main.tf <==')[0]!;
    const parsed = await parseHcl('main.tf', member);
    expect(Object.keys(parsed.resource as object).sort()).toEqual(['aws_iam_role', 'aws_iam_role_policy']);

    const printed = await cli(['--format', 'cloudformation']);
    expect(printed.code, printed.stderr).toBe(0);
    const templates = JSON.parse(printed.stdout) as Record<string, unknown>;
    expect(Object.keys(templates)).toEqual(['member-roles.stackset.json', 'account-111111111111.stack.json']);
    for (const t of Object.values(templates)) expect(validateTemplate(t)).toEqual([]);

    const refused = await cli(['--format', 'yaml']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--format.*yaml.*json, cloudformation, terraform/);
  });
});
