import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator, ScenarioInput } from '@athena-fanout/emulator';
import type { AccessCheck, AccessSummary, Plan } from '../../src/plan/index.js';
import { emulatorEnv, runCli } from '../helpers/cli.js';
import { emulatorDir } from '../helpers/org-run.js';
import { DENIED, EXTERNAL_ID, MANAGEMENT, MEMBERS, orgScenario } from '../helpers/org-scenario.js';
import { orgConfigYaml } from '../helpers/pipeline-yaml.js';

// plan --check-access as a user runs it: the built CLI against the emulator, whose roles carry IAM
// policies, so each failure below is AWS's own refusal of one call.

const [OPEN, NO_WRITE, NO_LIST, ALSO_OPEN, WG_OFF, NO_DELETE] = [
  MEMBERS[0]!,
  MEMBERS[1]!,
  MEMBERS[2]!,
  MEMBERS[3]!,
  MEMBERS[4]!,
  MEMBERS[5]!,
];

const allowAll = { Effect: 'Allow', Action: '*', Resource: '*' };

/** The account role of `account`, as orgScenario's template has it, with IAM policies of its own. */
function accountRole(account: string, statements: object[]): NonNullable<ScenarioInput['roles']>[number] {
  return {
    arn: `arn:aws:iam::${account}:role/AthenaReader`,
    trust: [`arn:aws:iam::${MANAGEMENT}:role/OrgReader`, `arn:aws:iam::${MANAGEMENT}:user/ci`],
    externalId: EXTERNAL_ID,
    policies: [{ name: 'reader', document: { Version: '2012-10-17', Statement: statements } }],
  };
}

/**
 * Every account's Glue catalog: `inventory` in one place, `events` with a partition in another bucket,
 * `governed` by Lake Formation.
 */
const catalog: ScenarioInput['catalog'] = {
  all: [
    {
      name: 'inventory',
      tables: [
        { name: 'inventory', location: 's3://lake-{accountId}/inventory/' },
        {
          name: 'events',
          location: 's3://lake-{accountId}/events/',
          partitionKeys: ['day'],
          partitions: [
            { values: ['2024-01-01'], location: 's3://archive-{accountId}/events/day=2024-01-01/' },
          ],
        },
        // Governed by Lake Formation, with no grant to anyone.
        { name: 'governed', location: 's3://lake-{accountId}/governed/', lakeFormation: { grants: [] } },
      ],
    },
  ],
};

function scenario(): ScenarioInput {
  const base = orgScenario();
  return {
    ...base,
    data: {
      all: [
        ...(base.data?.all ?? []),
        "CREATE TABLE inventory.events AS SELECT 1 AS id, '2024-01-01' AS day",
        'CREATE TABLE inventory.governed AS SELECT 1 AS id',
      ],
    },
    catalog,
    // `analytics` enforces its own results settings and a cutoff everywhere, and is disabled in WG_OFF.
    workgroups: {
      all: [
        {
          name: 'analytics',
          outputLocation: 's3://wg-results-{accountId}/enforced/',
          encryption: { option: 'SSE_S3' },
          enforce: true,
          bytesScannedCutoffPerQuery: 10_000_000,
        },
      ],
      [WG_OFF]: [{ name: 'analytics', state: 'DISABLED' }],
    },
    knobs: { ...base.knobs, slowQueries: [{ match: 'slow_marker', latencyMs: 120_000 }] },
    roles: [
      ...(base.roles ?? []),
      accountRole(NO_WRITE, [
        allowAll,
        { Effect: 'Deny', Action: 's3:PutObject', Resource: `arn:aws:s3:::athena-results-${NO_WRITE}/*` },
      ]),
      accountRole(NO_DELETE, [allowAll, { Effect: 'Deny', Action: 's3:DeleteObject', Resource: '*' }]),
      accountRole(NO_LIST, [
        allowAll,
        { Effect: 'Deny', Action: 's3:ListBucket', Resource: `arn:aws:s3:::archive-${NO_LIST}` },
      ]),
    ],
  };
}

function config(accounts: string[], queries: string, top = ''): string {
  return orgConfigYaml(
    `${top}accounts:
  include: [${accounts.map((a) => `"${a}"`).join(', ')}]
queries:
${queries}sinks:
  - { type: parquet, path: out/{query}.parquet }
`,
  );
}

let emulator: RunningEmulator;
let dir: string;
let cleanup: (() => Promise<void>) | undefined;
beforeAll(async () => {
  ({ emulator, dir, cleanup } = await emulatorDir({ scenario: scenario(), prefix: 'fanout-check-access-' }));
});
afterAll(() => cleanup?.());

async function plan(args: string[], yaml: string) {
  await writeFile(join(dir, 'pipeline.config.yaml'), yaml);
  return runCli(['plan', '--check-access', ...args], {
    cwd: dir,
    env: emulatorEnv(emulator, { FANOUT_EXTERNAL_ID: EXTERNAL_ID }),
  });
}

const lines = (stdout: string, prefix: string) => stdout.split('\n').filter((l) => l.startsWith(prefix));

const READS = `  - name: inventory
    sql: SELECT i.id, e.day FROM inventory i JOIN inventory.events e ON i.id = e.id
`;

describe('plan --check-access: what a run would trip on', () => {
  it('all OK: chain, workgroup, tables and their data locations (listed, never read), results writable; exit 0', async () => {
    const callsBefore = emulator.record.calls.length;
    const result = await plan([], config([OPEN, ALSO_OPEN], READS));
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const ok = lines(result.stdout, 'OK ').sort();
    expect(ok).toHaveLength(2);
    [OPEN, ALSO_OPEN].sort().forEach((a, i) => {
      expect(ok[i]).toMatch(
        new RegExp(
          `^OK    ${a} member-\\d  as arn:aws:sts::${a}:assumed-role/AthenaReader/\\S+  workgroups: primary@eu-west-1; 2 tables, 3 locations listable, 1 results location writable$`,
        ),
      );
    });
    expect(lines(result.stdout, 'FAIL ')).toEqual([]);
    expect(result.stdout).toContain('2 OK, 0 failed (2 accounts; 0 of 16 checks failed)');
    const calls = emulator.record.calls.slice(callsBefore);
    const lists = calls.filter((c) => c.action === 'ListObjectsV2');
    expect(
      lists.map((c) => `${c.accountId} ${String(c.params.Bucket)}/${String(c.params.prefix)}`).sort(),
    ).toEqual(
      [OPEN, ALSO_OPEN].flatMap((a) => [
        `${a} archive-${a}/events/day=2024-01-01/`,
        `${a} lake-${a}/events/`,
        `${a} lake-${a}/inventory/`,
      ]),
    );
    expect(lists.every((c) => String(c.params['max-keys']) === '1')).toBe(true);
    // no data read, no query run
    expect(calls.some((c) => c.action === 'GetObject' || c.action === 'StartQueryExecution')).toBe(false);
  });

  it('each failure is its own line naming account, check, resource and AWS words; one account never stops another', async () => {
    const result = await plan(
      [],
      config(
        [OPEN, NO_WRITE, NO_LIST, ALSO_OPEN, DENIED],
        `${READS}  - { name: gone, sql: SELECT * FROM inventory.missing, accounts: ["${OPEN}"] }\n`,
      ),
    );
    expect(result.code, result.stdout + result.stderr).toBe(1);
    const fail = lines(result.stdout, 'FAIL ');
    expect(fail).toHaveLength(4);
    expect(fail).toEqual(
      expect.arrayContaining([
        `FAIL  ${OPEN} member-1  glue:GetTable awsdatacatalog.inventory.missing@eu-west-1  EntityNotFoundException: Table missing not found.`,
        expect.stringMatching(
          new RegExp(
            `^FAIL  ${NO_LIST} member-3  s3:ListObjectsV2 s3://archive-${NO_LIST}/events/day=2024-01-01/  AccessDenied: User: arn:aws:sts::${NO_LIST}:assumed-role/AthenaReader/\\S+ is not authorized to perform: s3:ListBucket on resource: "?arn:aws:s3:::archive-${NO_LIST}"? .*explicit deny`,
          ),
        ),
        expect.stringMatching(
          new RegExp(`^FAIL  ${NO_WRITE} member-2  s3:PutObject s3://athena-results-${NO_WRITE}/fanout/`),
        ),
        expect.stringMatching(
          new RegExp(
            `^FAIL  ${DENIED} locked  hop 3/3 arn:aws:iam::${DENIED}:role/AthenaReader .*AccessDenied: User: `,
          ),
        ),
      ]),
    );
    expect(lines(result.stdout, 'OK ')).toEqual([expect.stringContaining(`OK    ${ALSO_OPEN} member-4  `)]);
    expect(result.stdout).toMatch(/^1 OK, 4 failed \(5 accounts; 4 of \d+ checks failed\)$/m);
  });
});

describe('plan --check-access --explain', () => {
  it('EXPLAINs each rendered query (no data scanned), naming a missing column and a Lake Formation denial in Athena words', async () => {
    const callsBefore = emulator.record.queries.length;
    const result = await plan(
      ['--explain', '--no-write-check'],
      config(
        [OPEN, ALSO_OPEN],
        `${READS}  - name: typo
    sql: SELECT id, nope FROM inventory WHERE {{accountId}} = '${ALSO_OPEN}'
  - { name: governed, sql: SELECT id FROM governed, accounts: ["${OPEN}"] }
`,
      ),
    );
    expect(result.code, result.stdout + result.stderr).toBe(1);
    const fail = lines(result.stdout, 'FAIL ');
    expect(fail, fail.join('\n')).toHaveLength(3);
    expect(fail, fail.join('\n')).toContain(
      `FAIL  ${OPEN} member-1  EXPLAIN governed@eu-west-1  FAILED: Insufficient Lake Formation permission(s) on inventory.governed`,
    );
    for (const a of [OPEN, ALSO_OPEN]) {
      expect(fail.find((l) => l.includes(` ${a} `) && l.includes('typo@'))).toMatch(
        new RegExp(`^FAIL  ${a} member-\\d  EXPLAIN typo@eu-west-1  FAILED: COLUMN_NOT_FOUND: .*nope`),
      );
    }
    const explained = emulator.record.queries.slice(callsBefore);
    expect(explained).toHaveLength(5);
    expect(explained.every((q) => q.sql.startsWith('EXPLAIN SELECT'))).toBe(true);
    // rendered per account, as the run sends it
    expect(explained.filter((q) => q.sql.includes(`'${ALSO_OPEN}' = '${ALSO_OPEN}'`))).toHaveLength(1);
    expect(
      explained
        .filter((q) => q.state === 'SUCCEEDED')
        .map((q) => q.accountId)
        .sort(),
    ).toEqual([ALSO_OPEN, OPEN].sort());
  });

  it('an interrupt stops the EXPLAINs in flight (StopQueryExecution) and exits 130', async () => {
    await writeFile(
      join(dir, 'pipeline.config.yaml'),
      config([OPEN], '  - { name: slow, sql: SELECT id AS slow_marker FROM inventory }\n'),
    );
    const before = emulator.record.queries.length;
    let pid = 0;
    const running = runCli(['plan', '--check-access', '--explain', '--no-write-check'], {
      cwd: dir,
      env: emulatorEnv(emulator, { FANOUT_EXTERNAL_ID: EXTERNAL_ID }),
      onSpawn: (p) => {
        pid = p;
      },
    });
    await expect.poll(() => emulator.record.queries.length > before, { timeout: 30_000 }).toBe(true);
    process.kill(pid, 'SIGINT');
    const result = await running;
    expect(result.code, result.stdout + result.stderr).toBe(130);
    expect(emulator.record.queries.slice(before).map((q) => q.state)).toEqual(['CANCELLED']);
  });
});

describe('plan --check-access: the results location', () => {
  it('writes a probe object under each results location and removes it; an unwritable one fails in AWS words', async () => {
    const callsBefore = emulator.record.calls.length;
    const result = await plan([], config([OPEN, NO_WRITE], '  - { name: constant, sql: SELECT 1 AS x }\n'));
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(lines(result.stdout, 'OK ')).toEqual([expect.stringContaining(`OK    ${OPEN} member-1  as `)]);
    const fail = lines(result.stdout, 'FAIL ');
    expect(fail).toHaveLength(1);
    expect(fail[0]).toMatch(
      new RegExp(
        `^FAIL  ${NO_WRITE} member-2  s3:PutObject s3://athena-results-${NO_WRITE}/fanout/\\.athena-fanout-access-check-\\S+  AccessDenied: User: arn:aws:sts::${NO_WRITE}:assumed-role/AthenaReader/\\S+ is not authorized to perform: s3:PutObject on resource: `,
      ),
    );
    expect(result.stdout).toContain('1 OK, 1 failed (2 accounts; 1 of ');
    const puts = emulator.record.calls
      .slice(callsBefore)
      .filter((c) => c.action === 'PutObject' && c.status === 200);
    expect(puts.map((c) => c.accountId)).toEqual([OPEN]);
    // the probe went again: nothing is left where results go
    const key = String(puts[0]!.params.Key);
    expect(key).toMatch(/^fanout\/\.athena-fanout-access-check-/);
    expect(emulator.s3.get(`athena-results-${OPEN}`, key)).toBeUndefined();
    // no query ran, not even an EXPLAIN (not asked for)
    expect(emulator.record.calls.slice(callsBefore).some((c) => c.action === 'StartQueryExecution')).toBe(
      false,
    );
  });

  it('a probe that cannot be removed fails only where the run deletes (fetch: unload), else is reported', async () => {
    const result = await plan(
      [],
      config(
        [NO_DELETE],
        `  - { name: constant, sql: SELECT 1 AS x }
  - { name: parts, sql: SELECT 2 AS y, fetch: unload, unload: { location: "s3://unload-<accountId>/parts/" } }
`,
      ),
    );
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(lines(result.stdout, 'FAIL ')).toEqual([
      expect.stringMatching(
        new RegExp(
          `^FAIL  ${NO_DELETE} member-6  s3:DeleteObject s3://unload-${NO_DELETE}/parts/\\.athena-fanout-access-check-\\S+  AccessDenied: User: \\S+ is not authorized to perform: s3:DeleteObject `,
        ),
      ),
    ]);
    expect(lines(result.stdout, 'INFO ')).toEqual([
      expect.stringMatching(
        new RegExp(
          `^INFO  ${NO_DELETE} member-6  s3:PutObject s3://athena-results-${NO_DELETE}/fanout/\\.athena-fanout-access-check-\\S+  written, but could not be removed \\(AccessDenied: .*\\): delete s3://`,
        ),
      ),
    ]);
  });

  it('--no-write-check writes nothing, and --json carries the same checks and a summary', async () => {
    const callsBefore = emulator.record.calls.length;
    const result = await plan(
      ['--no-write-check', '--json'],
      config([OPEN, NO_WRITE], '  - { name: constant, sql: SELECT 1 AS x }\n'),
    );
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const out = JSON.parse(result.stdout) as Plan & { access: AccessCheck[]; accessSummary: AccessSummary };
    expect(out.accessSummary).toEqual({ accounts: 2, ok: 2, failed: 0, checks: 4, failedChecks: 0 });
    expect(out.access.map((a) => a.checks.map((c) => [c.check, c.action, c.resource, c.ok]))).toEqual([
      [['workgroup', 'athena:GetWorkGroup', 'primary@eu-west-1', true]],
      [['workgroup', 'athena:GetWorkGroup', 'primary@eu-west-1', true]],
    ]);
    expect(emulator.record.calls.slice(callsBefore).some((c) => c.service === 's3')).toBe(false);
  });
});

describe('plan --check-access: workgroups', () => {
  it('a disabled workgroup fails; an enforcing one is reported, and the probe goes where Athena will write', async () => {
    const callsBefore = emulator.record.calls.length;
    const result = await plan(
      [],
      config([OPEN, WG_OFF], '  - { name: constant, sql: SELECT 1 AS x, workgroup: analytics }\n'),
    );
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(lines(result.stdout, 'FAIL ')).toEqual([
      `FAIL  ${WG_OFF} member-5  athena:GetWorkGroup analytics@eu-west-1  WorkGroupDisabled: workgroup analytics is DISABLED: Athena refuses every query in it`,
    ]);
    expect(lines(result.stdout, `INFO  ${OPEN} `)).toEqual([
      `INFO  ${OPEN} member-1  athena:GetWorkGroup analytics@eu-west-1  enforces its configuration: results go to s3://wg-results-${OPEN}/enforced/, encrypted SSE_S3`,
      `INFO  ${OPEN} member-1  athena:GetWorkGroup analytics@eu-west-1  the config's outputLocation s3://athena-results-${OPEN}/fanout/ is overridden: results will be read from s3://wg-results-${OPEN}/enforced/`,
      `INFO  ${OPEN} member-1  athena:GetWorkGroup analytics@eu-west-1  bytes scanned cutoff 10.0 MB per query: a query scanning more fails`,
    ]);
    const puts = emulator.record.calls
      .slice(callsBefore)
      .filter((c) => c.action === 'PutObject' && c.accountId === OPEN);
    expect(puts.map((c) => [c.params.Bucket, c.params.ServerSideEncryption])).toEqual([
      [`wg-results-${OPEN}`, 'AES256'],
    ]);
  });

  it('a workgroup that does not exist fails with Athena words, once per account and region', async () => {
    const result = await plan(
      ['--no-write-check'],
      config(
        [OPEN],
        '  - { name: constant, sql: SELECT 1 AS x, workgroup: nope }\n',
        'regions: [eu-west-1, us-east-1]\n',
      ),
    );
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(lines(result.stdout, 'FAIL ')).toEqual([
      `FAIL  ${OPEN} member-1  athena:GetWorkGroup nope@eu-west-1  InvalidRequestException: WorkGroup nope is not found.`,
      `FAIL  ${OPEN} member-1  athena:GetWorkGroup nope@us-east-1  InvalidRequestException: WorkGroup nope is not found.`,
    ]);
  });
});
