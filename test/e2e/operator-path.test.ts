import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type ScenarioInput } from '@athena-fanout/emulator';
import type { Manifest } from '../../src/manifest.js';
import type { PolicyDocument } from '../../src/plan/index.js';
import { catalogOrgScenario } from '../helpers/catalog-org.js';
import { discoverPolicies, POLICY_FILES, type PolicyHolder } from '../helpers/generated-policies.js';
import { emulatorEnv, runCli, type CliResult } from '../helpers/cli.js';
import { EXT } from '../helpers/small-org.js';

// The proof of #12: the policies iam-policy --discover writes, installed in the emulator as the roles'
// only permissions (evaluated by iam-simulate), let the run succeed; without any one statement, a
// specific check fails.

const CONFIG = `version: 1
region: us-east-1
auth:
  externalId: ${EXT}
  masterRoleChain: ['arn:aws:iam::111111111111:role/OrgHub']
  accountRoleChain: ['arn:aws:iam::<accountId>:role/AthenaReader']
  accountChainFrom: master
accounts: { source: list, ids: ['222222222222', '333333333333'] }
athena:
  workgroup: analytics
  database: inventory
  outputLocation: 's3://results-<accountId>/athena/'
  fetch: s3
queries:
  - { name: inv, sql: 'SELECT id FROM inventory' }
  - { name: ev, sql: 'SELECT id, day FROM events', accounts: ['222222222222'] }
  - { name: gov, sql: 'SELECT s FROM governed', accounts: ['222222222222'] }
sinks: [{ type: ndjson, path: 'out/{query}.ndjson' }]
`;

const FILES = POLICY_FILES;
type Holder = PolicyHolder;

let dir: string;
let policies: Record<Holder, PolicyDocument>;
let discoverRun: CliResult;

/** The scenario with `docs` as the only permissions of the base identity, OrgHub and AthenaReader. */
function withPolicies(docs: Record<Holder, PolicyDocument>): ScenarioInput {
  const s = catalogOrgScenario();
  // An empty policy would mean "everything allowed" in the emulator: keep one harmless statement.
  const install = (d: PolicyDocument) => [
    {
      document: {
        ...d,
        Statement:
          d.Statement.length > 0
            ? d.Statement
            : [{ Effect: 'Allow', Action: 'sts:GetCallerIdentity', Resource: '*' }],
      },
    },
  ];
  return {
    ...s,
    // Athena uses the output location as the caller too (GetBucketLocation, PutObject, GenerateDataKey).
    knobs: { ...s.knobs, checkResultsAccess: true },
    identities: s.identities.map((i) => ({ ...i, policies: install(docs.identity) })),
    roles: (s.roles ?? []).map((r) => {
      const name = r.arn.split('/').at(-1) as Holder;
      return name in FILES ? { ...r, policies: install(docs[name]) } : r;
    }),
  };
}

async function runWith(docs: Record<Holder, PolicyDocument>): Promise<{ result: CliResult; text: string }> {
  const emulator = await startEmulator({ scenario: withPolicies(docs) });
  const runDir = await mkdtemp(join(tmpdir(), 'fanout-operator-run-'));
  try {
    await writeFile(join(runDir, 'pipeline.config.yaml'), CONFIG);
    const result = await runCli(['run'], { cwd: runDir, env: emulatorEnv(emulator) });
    const manifest = await readFile(join(runDir, 'out/manifest.json'), 'utf8').catch(() => '{}');
    const units = (JSON.parse(manifest) as Partial<Manifest>).units ?? [];
    return {
      result,
      text: `${result.stderr}\n${JSON.stringify(units.filter((u) => u.state !== 'succeeded'))}`,
    };
  } finally {
    await emulator.close();
    await rm(runDir, { recursive: true, force: true });
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fanout-operator-'));
  await writeFile(join(dir, 'pipeline.config.yaml'), CONFIG);
  ({ run: discoverRun, policies } = await discoverPolicies(dir));
}, 120_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the operator path: iam-policy --discover → policies installed → run', () => {
  it('writes the policies and prints the Lake Formation grant to make', () => {
    expect(discoverRun.code, discoverRun.stderr).toBe(0);
    expect(discoverRun.stderr).toMatch(
      /grant arn:aws:iam::<accountId>:role\/AthenaReader SELECT and DESCRIBE on table inventory\.governed/,
    );
  });

  it('with exactly those permissions, every query succeeds in every account', async () => {
    const { result, text } = await runWith(policies);
    expect(result.code, text).toBe(0);
  }, 60_000);

  /** What fails without each statement, in the words AWS (the emulator) uses. */
  const EXPECTED: Record<string, RegExp> = {
    'identity AssumeMasterChain': /sts:AssumeRole/,
    'OrgHub AssumeNextHop': /sts:AssumeRole/,
    'AthenaReader AthenaWorkgroups': /athena:StartQueryExecution/,
    'AthenaReader GlueCatalogReads': /glue:GetTable/,
    'AthenaReader ResultsKmsKey': /Access denied when writing output to url: s3:\/\/results-\d+\/athena\//,
    'AthenaReader TableDataKmsKeys': /kms:Decrypt on resource: arn:aws:kms:us-east-1:\d+:key\/lake/,
    'AthenaReader AthenaResultsObjects1':
      /Access denied when writing output to url: s3:\/\/results-\d+\/athena\//,
    'AthenaReader S3BucketLocation': /Unable to verify\/create output bucket results-\d+/,
    'AthenaReader TableDataBucket1':
      /Permission denied on S3 path: s3:\/\/archive-222222222222\/events\/day=1/,
    'AthenaReader TableDataObjects1':
      /Permission denied on S3 path: s3:\/\/archive-222222222222\/events\/day=1/,
    'AthenaReader TableDataBucket2': /Permission denied on S3 path: s3:\/\/lake-\d+\//,
    'AthenaReader TableDataObjects2': /Permission denied on S3 path: s3:\/\/lake-\d+\//,
    'AthenaReader LakeFormationDataAccess': /lakeformation:GetDataAccess/,
  };
  /** Statements the emulator has no request for (real AWS does): kept, and said so here. */
  const NOT_MODELLED = new Set([
    // The s3 fetch path reads the result object by name; nothing lists the results prefix here.
    'AthenaReader AthenaResultsBucket1',
  ]);

  it('the statements are the ones this proof covers', () => {
    const all = (Object.keys(FILES) as Holder[]).flatMap((h) =>
      policies[h].Statement.map((s) => `${h} ${s.Sid}`),
    );
    expect(all.sort()).toEqual([...Object.keys(EXPECTED), ...NOT_MODELLED].sort());
  });

  it.each(Object.keys(EXPECTED))(
    'without %s, the run fails and says why',
    async (key) => {
      const [holder, sid] = key.split(' ') as [Holder, string];
      const docs = {
        ...policies,
        [holder]: { ...policies[holder], Statement: policies[holder].Statement.filter((s) => s.Sid !== sid) },
      };
      const { result, text } = await runWith(docs);
      expect(result.code, text).not.toBe(0);
      expect(text).toMatch(EXPECTED[key]!);
    },
    60_000,
  );
});
