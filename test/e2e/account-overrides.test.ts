import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '@athena-fanout/emulator';
import type { Manifest } from '../../src/manifest.js';
import type { Plan } from '../../src/plan/index.js';
import { emulatorEnv, runCli } from '../helpers/cli.js';
import { emulatorDir } from '../helpers/org-run.js';
import { DEV, MGMT, WEB, overridesConfigTop, overridesScenario } from '../helpers/overrides-scenario.js';

let emulator: RunningEmulator;
let dir: string;
let cleanup: (() => Promise<void>) | undefined;
beforeAll(async () => {
  ({ emulator, dir, cleanup } = await emulatorDir({
    scenario: overridesScenario(),
    prefix: 'fanout-overrides-',
  }));
});
afterAll(() => cleanup?.());

async function cli(args: string[], yaml: string) {
  await writeFile(join(dir, 'pipeline.config.yaml'), yaml);
  return runCli(args, { cwd: dir, env: emulatorEnv(emulator) });
}

const config = (extraOverrides = '') => `${overridesConfigTop()}vars: { label: default }
provenance: { region: true }
queries:
  - name: orders
    sql: SELECT owner, db, n, {{vars.label}} AS label FROM orders
overrides:
  - match: { tags: { env: prod } }
    set:
      database: '{{tags.athena-db}}'
      outputLocation: s3://prod-results/<accountId>/
      vars: { label: prod }
  - match: { ou: [Root/Dev] }
    set: { regions: [eu-west-1, eu-central-1], vars: { label: dev } }
  - match: { accounts: ['${MGMT}'] }
    set: { workgroup: '{{tags.athena-workgroup | primary}}' }
${extraOverrides}sinks:
  - { type: ndjson, path: out/{query}.ndjson }
`;
const CONFIG = config();

describe('accounts that differ (overrides:)', () => {
  it('runs each account with its own database, output location, vars and regions, into one output', async () => {
    const result = await cli(['run'], CONFIG);
    expect(result.code, result.stderr).toBe(0);
    const rows = (await readFile(join(dir, 'out/orders.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .sort((a, b) =>
        `${String(a.account_id)}${String(a.region)}`.localeCompare(
          `${String(b.account_id)}${String(b.region)}`,
        ),
      );
    expect(rows).toEqual([
      { account_id: MGMT, region: 'eu-west-1', owner: MGMT, db: 'shop', n: 1, label: 'default' },
      { account_id: WEB, region: 'eu-west-1', owner: WEB, db: 'sales_web', n: 20, label: 'prod' },
      { account_id: DEV, region: 'eu-central-1', owner: DEV, db: 'shop', n: 1, label: 'dev' },
      { account_id: DEV, region: 'eu-west-1', owner: DEV, db: 'shop', n: 1, label: 'dev' },
    ]);
    // Athena was asked with each account's settings
    const asked = emulator.record.queries.map((q) => [
      q.accountId,
      q.database,
      q.outputLocation?.replace(/[^/]+$/, ''),
    ]);
    expect(asked).toEqual(
      expect.arrayContaining([
        [MGMT, 'shop', `s3://athena-results-${MGMT}/fanout/`],
        [WEB, 'sales_web', `s3://prod-results/${WEB}/`],
        [DEV, 'shop', `s3://athena-results-${DEV}/fanout/`],
      ]),
    );
    const manifest = JSON.parse(await readFile(join(dir, 'out/manifest.json'), 'utf8')) as Manifest;
    expect(manifest.units.map((u) => `${u.accountId}/${u.region}/${u.state}`).sort()).toEqual(
      [
        `${MGMT}/eu-west-1/succeeded`,
        `${WEB}/eu-west-1/succeeded`,
        `${DEV}/eu-central-1/succeeded`,
        `${DEV}/eu-west-1/succeeded`,
      ].sort(),
    );
  });

  it('plan shows each overridden account resolved, in text and JSON, without running a query', async () => {
    const before = emulator.record.queries.length;
    const json = await cli(['plan', '--json'], CONFIG);
    expect(json.code, json.stderr).toBe(0);
    const plan = JSON.parse(json.stdout) as Plan;
    expect(plan.regions).toEqual(['eu-west-1', 'eu-central-1']);
    expect(plan.units).toBe(4);
    expect(plan.queries[0]?.overridden).toEqual([
      {
        accountId: MGMT,
        applied: ['overrides.2'],
        regions: ['eu-west-1'],
        workgroup: 'primary',
        database: 'shop',
        outputLocation: 's3://athena-results-<accountId>/fanout/',
      },
      {
        accountId: WEB,
        applied: ['overrides.0'],
        regions: ['eu-west-1'],
        workgroup: 'primary',
        database: 'sales_web',
        outputLocation: 's3://prod-results/<accountId>/',
        vars: { label: 'prod' },
      },
      {
        accountId: DEV,
        applied: ['overrides.1'],
        regions: ['eu-west-1', 'eu-central-1'],
        workgroup: 'primary',
        database: 'shop',
        outputLocation: 's3://athena-results-<accountId>/fanout/',
        vars: { label: 'dev' },
      },
    ]);
    const text = await cli(
      ['plan'],
      CONFIG.replace('athena-workgroup | primary', 'athena-workgroup | analytics'),
    );
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(
      `    overridden for:\n      ${MGMT} (overrides.2): in eu-west-1; workgroup analytics, database shop, output s3://athena-results-<accountId>/fanout/\n      ${WEB} (overrides.0): in eu-west-1; workgroup primary, database sales_web, output s3://prod-results/<accountId>/, vars label=prod\n`,
    );
    expect(emulator.record.queries.length).toBe(before);
  });

  it("plan --check-access checks each account's own workgroup and regions", async () => {
    const yaml = config(`  - match: { accounts: ['${DEV}'] }\n    set: { workgroup: analytics }\n`);
    const result = await cli(['plan', '--check-access'], yaml);
    expect(result.code, result.stderr).toBe(1);
    const line = (id: string) => result.stdout.split('\n').find((l) => l.includes(` ${id} `)) ?? '';
    expect(line(MGMT)).toMatch(/^OK .* workgroups: primary@eu-west-1; 1 table, 1 location listable/);
    expect(line(WEB)).toMatch(/^OK .* workgroups: primary@eu-west-1; 1 table, 1 location listable/);
    // the scenario has no analytics workgroup: the override is what was checked
    expect(line(DEV)).toContain('FAIL  333333333333 data-dev  athena:GetWorkGroup analytics@eu-west-1');
    expect(line(DEV)).toContain('WorkGroup analytics is not found.');
  });

  it('an account missing a tag a template needs fails alone, named; the others run', async () => {
    const yaml = config(`  - match: { accounts: ['${DEV}'] }\n    set: { catalog: '{{tags.catalog}}' }\n`);
    const plan = await cli(['plan'], yaml);
    expect(plan.code).toBe(1);
    expect(plan.stdout).toContain(
      `${DEV}: cannot resolve: Query orders: overrides.3.set.catalog: account ${DEV} has no tag catalog ({{tags.catalog}} declares no default: tag the account, or write {{tags.catalog | default}})`,
    );
    const queries = emulator.record.queries.length;
    const run = await cli(['run'], yaml);
    expect(run.code, run.stderr).toBe(1);
    const manifest = JSON.parse(await readFile(join(dir, 'out/manifest.json'), 'utf8')) as Manifest;
    const dev = manifest.units.filter((u) => u.accountId === DEV);
    expect(dev.map((u) => [u.state, u.attempts, u.error?.message])).toEqual([
      ['failed', 0, expect.stringContaining(`account ${DEV} has no tag catalog`)],
      ['failed', 0, expect.stringContaining(`account ${DEV} has no tag catalog`)],
    ]);
    expect(
      manifest.units
        .filter((u) => u.state === 'succeeded')
        .map((u) => u.accountId)
        .sort(),
    ).toEqual([MGMT, WEB]);
    // nothing was sent to Athena for the account that could not be resolved
    expect(
      emulator.record.queries
        .slice(queries)
        .map((q) => q.accountId)
        .sort(),
    ).toEqual([MGMT, WEB]);
  });
});
