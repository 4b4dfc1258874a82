import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { startEmulator, type ScenarioInput } from '@athena-fanout/emulator';
import type { Manifest } from '../../src/manifest.js';
import type { PolicyDocument } from '../../src/plan/index.js';
import { catalogOrgScenario } from '../helpers/catalog-org.js';
import { discoverPolicies, POLICY_FILES, type PolicyHolder } from '../helpers/generated-policies.js';
import { emulatorEnv, runCli, type CliResult } from '../helpers/cli.js';
import { EXT } from '../helpers/small-org.js';

// The operator's path of #12 walked as the README's IAM section walks it, with real CLI processes:
// init → (the operator's edits) → iam-policy --discover --out → the policies installed in the emulator
// as the roles' only permissions → plan --check-access --explain → run. Then the same with one
// account's role lacking the statements that let it read its table's data.

const MEMBER = '222222222222';
const SHORT = '333333333333';

/** What the operator puts into the file `init` wrote: their roles, accounts, workgroup and queries. */
const EDITS = {
  auth: {
    externalId: EXT,
    masterRoleChain: ['arn:aws:iam::111111111111:role/OrgHub'],
    accountRoleChain: ['arn:aws:iam::<accountId>:role/AthenaReader'],
    accountChainFrom: 'master',
  },
  accounts: { source: 'list', ids: [MEMBER, SHORT] },
  athena: {
    workgroup: 'analytics',
    database: 'inventory',
    outputLocation: 's3://results-<accountId>/athena/',
    fetch: 's3',
  },
  queries: [{ name: 'inv', sql: 'SELECT owner, id FROM inventory' }],
  sinks: [{ type: 'ndjson', path: 'out/{query}.ndjson' }],
};

const FILES = POLICY_FILES;
type Holder = PolicyHolder;

let dir: string;
let policies: Record<Holder, PolicyDocument>;
let initRun: CliResult;
let discoverRun: CliResult;

const install = (d: PolicyDocument) => [{ document: d as unknown as Record<string, unknown> }];

/** The org with the generated documents as the only permissions; `short`'s reader gets its own copy. */
function scenario(short?: PolicyDocument): ScenarioInput {
  const s = catalogOrgScenario();
  const roles = (s.roles ?? []).map((r) => {
    const name = r.arn.split('/').at(-1) as Holder;
    return name in FILES ? { ...r, policies: install(policies[name]) } : r;
  });
  const template = roles.find((r) => r.arn.endsWith(':role/AthenaReader'))!;
  // An exact ARN wins over the template: this one account's copy of the role differs.
  const own = short && {
    ...template,
    arn: `arn:aws:iam::${SHORT}:role/AthenaReader`,
    policies: install(short),
  };
  return {
    ...s,
    knobs: { ...s.knobs, checkResultsAccess: true },
    identities: s.identities.map((i) => ({ ...i, policies: install(policies.identity) })),
    roles: own ? [...roles, own] : roles,
  };
}

/** Runs `plan --check-access --explain` and then `run` against a fresh emulator of `s`. */
async function walk(
  s: ScenarioInput,
): Promise<{ check: CliResult; run: CliResult; manifest: Manifest; rows: string }> {
  const emulator = await startEmulator({ scenario: s });
  const runDir = await mkdtemp(join(tmpdir(), 'fanout-operator-walk-run-'));
  try {
    await writeFile(join(runDir, 'pipeline.config.yaml'), await readFile(join(dir, 'pipeline.config.yaml')));
    const env = emulatorEnv(emulator);
    const check = await runCli(['plan', '--check-access', '--explain'], { cwd: runDir, env });
    const run = await runCli(['run'], { cwd: runDir, env });
    const manifest = JSON.parse(await readFile(join(runDir, 'out/manifest.json'), 'utf8')) as Manifest;
    const rows = await readFile(join(runDir, 'out/inv.ndjson'), 'utf8').catch(() => '');
    return { check, run, manifest, rows };
  } finally {
    await emulator.close();
    await rm(runDir, { recursive: true, force: true });
  }
}

/** (owner, id) of every output row, sorted. */
const pairs = (ndjson: string): string[] =>
  ndjson
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { owner: string; id: number | string })
    .map((r) => `${r.owner}/${String(r.id)}`)
    .sort();

const failLines = (out: string): string[] => out.split('\n').filter((l) => l.startsWith('FAIL'));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fanout-operator-walk-'));
  initRun = await runCli(['init'], { cwd: dir, env: { PATH: process.env.PATH ?? '', HOME: dir } });
  const file = join(dir, 'pipeline.config.yaml');
  const started = parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  await writeFile(file, stringify({ ...started, ...EDITS }));
  ({ run: discoverRun, policies } = await discoverPolicies(dir));
}, 120_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the operator path: init → iam-policy → policies installed → plan --check-access --explain → run', () => {
  it('init and iam-policy --discover succeed', () => {
    expect(initRun.code, initRun.stderr).toBe(0);
    expect(discoverRun.code, discoverRun.stderr).toBe(0);
  });

  it('with exactly the generated policies, every check is OK and the run writes every row once', async () => {
    const { check, run, manifest, rows } = await walk(scenario());
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(failLines(check.stdout)).toEqual([]);
    expect(run.code, run.stderr).toBe(0);
    expect(manifest.units.map((u) => u.state)).toEqual(['succeeded', 'succeeded']);
    expect(pairs(rows)).toEqual([0, 1, 2].flatMap((i) => [`${MEMBER}/${i}`, `${SHORT}/${i}`]).sort());
  }, 180_000);

  it("one account's role without its table-data statements: check-access names it, the run fails that account alone", async () => {
    // Without the statements that read the data in the lake-<accountId> buckets, filled in for this account.
    const text = JSON.stringify(policies.AthenaReader).replaceAll('<accountId>', SHORT);
    const own = JSON.parse(text) as PolicyDocument;
    const kept = own.Statement.filter(
      (s) => !(s.Sid.startsWith('TableData') && JSON.stringify(s).includes(`arn:aws:s3:::lake-${SHORT}`)),
    );
    expect(kept.length).toBeLessThan(own.Statement.length);
    const { check, run, manifest, rows } = await walk(scenario({ ...own, Statement: kept }));

    expect(check.code).toBe(1);
    const fails = failLines(check.stdout);
    expect(fails.length).toBeGreaterThan(0);
    for (const line of fails) expect(line).toContain(SHORT);
    expect(fails.join('\n')).toMatch(
      new RegExp(`s3:ListObjectsV2 s3://lake-${SHORT}/inventory/ +AccessDenied: .*s3:ListBucket`),
    );

    expect(run.code, run.stderr).toBe(1);
    const short = manifest.units.find((u) => u.accountId === SHORT)!;
    expect(short.state).toBe('failed');
    expect(short.error?.message).toMatch(
      new RegExp(`Permission denied on S3 path: s3://lake-${SHORT}/inventory`),
    );
    expect(manifest.units.find((u) => u.accountId === MEMBER)?.state).toBe('succeeded');
    expect(pairs(rows)).toEqual([0, 1, 2].map((i) => `${MEMBER}/${i}`));
  }, 180_000);
});
