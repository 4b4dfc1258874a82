import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '@athena-fanout/emulator';
import type { Manifest } from '../../src/manifest.js';
import type { Plan, AccessCheck } from '../../src/plan/index.js';
import { emulatorEnv, runCli } from '../helpers/cli.js';
import { emulatorDir } from '../helpers/org-run.js';
import {
  DENIED,
  EXCLUDED,
  EXTERNAL_ID,
  MANAGEMENT,
  MEMBERS,
  orgScenario,
  SUSPENDED,
} from '../helpers/org-scenario.js';
import { orgConfigYaml } from '../helpers/pipeline-yaml.js';

function configYaml(extra: { accounts?: string; top?: string; queries?: string } = {}): string {
  return orgConfigYaml(
    `${extra.top ?? ''}accounts:
  exclude: ["${EXCLUDED}"]
${extra.accounts ?? ''}queries:
  - name: inventory
    sql: SELECT id, note FROM inventory
${extra.queries ?? ''}sinks:
  - { type: parquet, path: out/{query}.parquet }
`,
    { outputLocation: 's3://athena-results-<accountId>/<region>/fanout/' },
  );
}

let emulator: RunningEmulator;
let dir: string;
let cleanup: (() => Promise<void>) | undefined;
beforeAll(async () => {
  // --check-access finds each queried table in Glue: every account's catalog has `inventory`.
  const catalog = {
    all: [
      { name: 'inventory', tables: [{ name: 'inventory', location: 's3://lake-{accountId}/inventory/' }] },
    ],
  };
  ({ emulator, dir, cleanup } = await emulatorDir({
    scenario: { ...orgScenario(), catalog },
    prefix: 'fanout-plan-',
  }));
});
afterAll(() => cleanup?.());

async function cli(args: string[], yaml: string) {
  await writeFile(join(dir, 'pipeline.config.yaml'), yaml);
  return runCli(args, { cwd: dir, env: emulatorEnv(emulator, { FANOUT_EXTERNAL_ID: EXTERNAL_ID }) });
}

describe('athena-fanout plan', () => {
  it('--json: accounts with OU path and state, skip reasons, rendered chains, regions and SQL; no query runs', async () => {
    const queriesBefore = emulator.record.queries.length;
    const result = await cli(
      ['plan', '--json'],
      configYaml({
        top: 'regions: [eu-west-1, us-east-1]\n',
        accounts: '  organizationalUnits: [Root/Prod]\n',
      }),
    );
    expect(result.code, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout) as Plan;
    const prod = MEMBERS.filter((_, i) => i % 2 === 0);
    expect(plan.accounts.selected.map((a) => a.id)).toEqual(prod);
    expect(plan.accounts.selected.every((a) => a.ouPath === 'Root/Prod' && a.state === 'ACTIVE')).toBe(true);
    expect(plan.accounts.skipped).toEqual([
      expect.objectContaining({
        id: SUSPENDED,
        state: 'SUSPENDED',
        ouPath: 'Root/Prod',
        reason: 'state is SUSPENDED, not ACTIVE',
      }),
    ]);
    expect(plan.accounts.selected[0]?.hops.map((h) => h.arn)).toEqual([
      `arn:aws:iam::${MANAGEMENT}:role/OrgHub`,
      `arn:aws:iam::${MANAGEMENT}:role/OrgReader`,
      `arn:aws:iam::${prod[0]}:role/AthenaReader`,
    ]);
    // the ExternalId is a shared secret: plan says one is sent, never what it is
    expect(plan.accounts.selected[0]?.hops.every((h) => h.externalId)).toBe(true);
    expect(result.stdout).not.toContain(EXTERNAL_ID);
    expect(plan.regions).toEqual(['eu-west-1', 'us-east-1']);
    expect(plan.queries).toEqual([
      expect.objectContaining({
        name: 'inventory',
        sql: 'SELECT id, note FROM inventory',
        regions: ['eu-west-1', 'us-east-1'],
      }),
    ]);
    expect(plan.units).toBe(prod.length * 2);
    expect(emulator.record.queries.length).toBe(queriesBefore);
  });

  it('renders each query as the first account running it would send it; an unknown variable exits 2', async () => {
    const templated = `  - name: by_ou
    sql: "SELECT {{ouPath}} AS ou, {{accountName}} AS name, {{accountEmail}} AS email FROM inventory"
    accounts: ["${MEMBERS[1]}", "${MEMBERS[3]}"]
`;
    const result = await cli(['plan', '--json'], configYaml({ queries: templated }));
    expect(result.code, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout) as Plan;
    expect(plan.queries[1]).toMatchObject({
      name: 'by_ou',
      accounts: 2,
      rendered: {
        accountId: MEMBERS[1],
        region: 'eu-west-1',
        sql: "SELECT 'Root/Dev' AS ou, 'member-2' AS name, 'm2@example.com' AS email FROM inventory",
      },
    });
    const text = await cli(['plan'], configYaml({ queries: templated }));
    expect(text.stdout).toContain(`as sent for ${MEMBERS[1]} in eu-west-1:`);
    expect(text.stdout).toContain(
      "SELECT 'Root/Dev' AS ou, 'member-2' AS name, 'm2@example.com' AS email FROM inventory",
    );

    const broken = await cli(
      ['plan'],
      configYaml({ queries: '  - { name: bad, sql: "SELECT {{nope}} FROM inventory" }\n' }),
    );
    expect(broken.code).toBe(2);
    expect(broken.stdout).toMatch(/cannot render: .*unknown template variable \{\{nope\}\}/);
  });

  it('prints one line per account, the skipped ones with their reason', async () => {
    const result = await cli(['plan'], configYaml());
    expect(result.code, result.stderr).toBe(0);
    const line = (id: string) => result.stdout.split('\n').find((l) => l.startsWith(`  ${id}  `)) ?? '';
    expect(line(MANAGEMENT)).toMatch(/Root\s+ACTIVE\s+master chain: /);
    expect(line(MEMBERS[1]!)).toMatch(
      /Root\/Dev\s+ACTIVE\s+arn:aws:iam::111111111111:role\/OrgHub -> .* -> arn:aws:iam::200000000002:role\/AthenaReader/,
    );
    expect(line(EXCLUDED)).toMatch(/skipped: excluded by accounts.exclude/);
    expect(line(SUSPENDED)).toMatch(/SUSPENDED\s+skipped: state is SUSPENDED/);
    expect(result.stdout).toContain('SELECT id, note FROM inventory');
  });

  it('--check-access: one line per account, the denied one naming its hop and AWS error; exit 1', async () => {
    const queriesBefore = emulator.record.queries.length;
    const result = await cli(['plan', '--check-access'], configYaml());
    expect(result.code, result.stdout + result.stderr).toBe(1);
    const lines = result.stdout.split('\n').filter((l) => /^(OK|FAIL) /.test(l));
    expect(lines).toHaveLength(MEMBERS.length + 2); // members, management, denied
    const denied = lines.find((l) => l.includes(DENIED))!;
    expect(denied).toMatch(
      new RegExp(
        `^FAIL  ${DENIED} locked  hop 3/3 arn:aws:iam::${DENIED}:role/AthenaReader .*AccessDenied: User: .* is not authorized to perform: sts:AssumeRole`,
      ),
    );
    expect(lines.filter((l) => l.startsWith('OK '))).toHaveLength(MEMBERS.length + 1);
    expect(lines.find((l) => l.includes(MEMBERS[0]!))).toMatch(
      new RegExp(
        `as arn:aws:sts::${MEMBERS[0]}:assumed-role/AthenaReader/.*workgroups: primary@eu-west-1; 1 table, 1 location listable, 1 results location writable`,
      ),
    );
    expect(result.stdout).toContain(`${MEMBERS.length + 1} OK, 1 failed`);
    // metadata calls and a probe object per account, never a query
    expect(emulator.record.queries.length).toBe(queriesBefore);
    const workgroupCallers = new Set(
      emulator.record.calls
        .filter((c) => c.action === 'GetWorkGroup' && c.status === 200)
        .map((c) => c.accountId),
    );
    expect(workgroupCallers.size).toBe(MEMBERS.length + 1);
  });

  it('--check-access when the master chain itself is refused: one FAIL line naming hop 1 and AWS error, exit 1', async () => {
    await writeFile(join(dir, 'pipeline.config.yaml'), configYaml());
    const result = await runCli(['plan', '--check-access'], {
      cwd: dir,
      env: emulatorEnv(emulator, { FANOUT_EXTERNAL_ID: 'not-the-external-id' }),
    });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout.trim()).toMatch(
      new RegExp(
        `^FAIL  accounts could not be listed: master chain hop 1 arn:aws:iam::${MANAGEMENT}:role/OrgHub: AccessDenied: `,
      ),
    );
    expect(result.stdout).not.toContain('not-the-external-id');
  });

  it('--check-access --json: exit 0 when every chain works', async () => {
    const result = await cli(
      ['plan', '--check-access', '--json'],
      configYaml({ accounts: `  include: ["${MEMBERS[0]}", "${MEMBERS[1]}"]\n` }),
    );
    expect(result.code, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout) as Plan & { access: AccessCheck[] };
    expect(out.access.map((a) => [a.accountId, a.ok])).toEqual([
      [MEMBERS[0], true],
      [MEMBERS[1], true],
    ]);
  });
});

describe('athena-fanout iam-policy', () => {
  it('prints every role and writes one valid JSON file per policy with --out, calling no AWS', async () => {
    const callsBefore = emulator.record.calls.length;
    const out = join(dir, 'policies');
    const result = await cli(['iam-policy', '--out', out], configYaml());
    expect(result.code, result.stderr).toBe(0);
    const printed = JSON.parse(result.stdout) as { roles: { roleArn: string }[] };
    expect(printed.roles.map((r) => r.roleArn)).toEqual([
      `arn:aws:iam::${MANAGEMENT}:role/OrgHub`,
      `arn:aws:iam::${MANAGEMENT}:role/OrgReader`,
      'arn:aws:iam::<accountId>:role/AthenaReader',
    ]);
    const files = (await readdir(out)).sort();
    expect(files).toEqual([
      'account-0-AthenaReader.permissions.json',
      'account-0-AthenaReader.trust.json',
      'base-identity.permissions.json',
      'master-0-OrgHub.permissions.json',
      'master-0-OrgHub.trust.json',
      'master-1-OrgReader.permissions.json',
      'master-1-OrgReader.trust.json',
    ]);
    for (const f of files) {
      const policy = JSON.parse(await readFile(join(out, f), 'utf8')) as { Version: string };
      expect(policy.Version).toBe('2012-10-17');
    }
    const trust = await readFile(join(out, 'account-0-AthenaReader.trust.json'), 'utf8');
    expect(trust).toContain(EXTERNAL_ID);
    expect(emulator.record.calls.length).toBe(callsBefore);
  });
});

describe('athena-fanout run with regions', () => {
  it('runs every (account, region) unit, signs Athena for each region, and puts <region> in the output location', async () => {
    const callsBefore = emulator.record.calls.length;
    const include = [MEMBERS[0]!, MEMBERS[1]!];
    const result = await cli(
      ['run'],
      configYaml({
        top: 'regions: [eu-west-1, us-east-1]\n',
        accounts: `  include: ["${include[0]}", "${include[1]}"]\n`,
      }),
    );
    expect(result.code, result.stderr).toBe(0);
    const manifest = JSON.parse(await readFile(join(dir, 'out/manifest.json'), 'utf8')) as Manifest;
    expect(manifest.units.map((u) => [u.accountId, u.region, u.state]).sort()).toEqual([
      [include[0], 'eu-west-1', 'succeeded'],
      [include[0], 'us-east-1', 'succeeded'],
      [include[1], 'eu-west-1', 'succeeded'],
      [include[1], 'us-east-1', 'succeeded'],
    ]);
    const starts = emulator.record.calls
      .slice(callsBefore)
      .filter((c) => c.action === 'StartQueryExecution' && c.status === 200);
    expect(starts.map((c) => `${c.accountId}/${c.region}`).sort()).toEqual([
      `${include[0]}/eu-west-1`,
      `${include[0]}/us-east-1`,
      `${include[1]}/eu-west-1`,
      `${include[1]}/us-east-1`,
    ]);
    for (const c of starts) {
      const location = (c.params.ResultConfiguration as { OutputLocation?: string } | undefined)
        ?.OutputLocation;
      expect(location).toBe(`s3://athena-results-${c.accountId}/${c.region}/fanout/`);
    }
    expect(manifest.outputs[0]?.rows).toBe(4 * 4);
    expect(manifest.accounts.skipped.find((k) => k.accountId === SUSPENDED)).toMatchObject({
      ouPath: 'Root/Prod',
      state: 'SUSPENDED',
    });
    expect(manifest.accounts.skipped.find((k) => k.accountId === MEMBERS[2])).toMatchObject({
      ouPath: 'Root/Prod',
      reason: 'not in accounts.include',
    });
  });
});
