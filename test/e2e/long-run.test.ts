import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, type ScenarioInput } from '@athena-fanout/emulator';
import type { Manifest } from '../../src/manifest.js';
import { emulatorEnv, runCli, type CliResult } from '../helpers/cli.js';
import { emulatorDir } from '../helpers/org-run.js';

/**
 * The long-run proof of the credential cache: 20-second sessions, a run of more than two minutes, 50
 * accounts each reached through a 3-hop chain (OrgHub → OrgReader → the account's AthenaReader), and
 * every account busy for the whole run (12 queries of 10 s each, one at a time per account). Nothing may
 * fail for expired credentials, and no hop may be assumed more than once per 0.8 × lifetime, plus one.
 */
const LIFETIME_S = 20;
const QUERY_LATENCY_MS = 10_000;
const QUERIES = 12;
const MANAGEMENT = '111111111111';
const MEMBERS = Array.from({ length: 50 }, (_, i) => `3000000000${String(i + 1).padStart(2, '0')}`);
const USER = `arn:aws:iam::${MANAGEMENT}:user/ci`;
const HUB = `arn:aws:iam::${MANAGEMENT}:role/OrgHub`;
const READER = `arn:aws:iam::${MANAGEMENT}:role/OrgReader`;

const scenario: ScenarioInput = {
  organization: { id: 'o-longrun00001', managementAccountId: MANAGEMENT },
  accounts: [
    { id: MANAGEMENT, name: 'management', email: 'm@example.com' },
    ...MEMBERS.map((id, i) => ({ id, name: `member-${i + 1}`, email: `m${i + 1}@example.com` })),
  ],
  identities: [{ accessKeyId: 'AKIALONGRUNBASE00001', secretAccessKey: 'long-run-secret', arn: USER }],
  roles: [
    { arn: HUB, trust: [USER], externalId: 'ext-long-run' },
    { arn: READER, trust: [HUB] },
    { arn: 'arn:aws:iam::<accountId>:role/AthenaReader', trust: [READER] },
  ],
  knobs: {
    queryLatencyMs: QUERY_LATENCY_MS,
    credentialLifetimeSeconds: LIFETIME_S,
    primaryOutputLocation: 's3://athena-results-{accountId}/primary/',
  },
};

const config = `version: 1
region: eu-west-1
auth:
  sessionName: fanout-{runId}
  masterRoleChain:
    - { arn: '${HUB}', externalId: ext-long-run }
    - ${READER}
  accountRoleChain:
    - arn:aws:iam::<accountId>:role/AthenaReader
  accountChainFrom: master
accounts:
  exclude: ['${MANAGEMENT}']
concurrency:
  queries: ${MEMBERS.length}
  accounts: ${MEMBERS.length}
  perAccount: 1
queries:
${Array.from({ length: QUERIES }, (_, i) => `  - { name: q${i + 1}, sql: 'SELECT ${i + 1} AS n' }`).join('\n')}
sinks:
  - { type: parquet, path: out/{query}.parquet }
manifest: out/manifest.json
`;

describe(`a run of more than 2 minutes with ${LIFETIME_S}-second credentials`, () => {
  let emulator: RunningEmulator;
  let dir: string;
  let result: CliResult;
  let manifest: Manifest;
  let runSeconds: number;
  let cleanup: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ emulator, dir, cleanup } = await emulatorDir({ scenario, prefix: 'fanout-long-run-', config }));
    const started = Date.now();
    result = await runCli(['run'], { cwd: dir, env: emulatorEnv(emulator, { LOG_LEVEL: 'warn' }) });
    runSeconds = (Date.now() - started) / 1000;
    manifest = JSON.parse(await readFile(join(dir, 'out/manifest.json'), 'utf8')) as Manifest;
  }, 400_000);
  afterAll(() => cleanup?.());

  it('lasts long enough for every session to expire several times over', () => {
    expect(runSeconds).toBeGreaterThan(120);
  });

  it('succeeds in every account, with no request refused for an expired token', () => {
    expect(result.code, result.stderr).toBe(0);
    expect(manifest.units).toHaveLength(MEMBERS.length * QUERIES);
    expect(manifest.units.filter((u) => u.state !== 'succeeded')).toEqual([]);
    const expired = emulator.record.calls.filter((c) => /Expired/.test(c.errorCode ?? ''));
    expect(expired).toEqual([]);
    expect(emulator.record.assumeRoles.filter((a) => !a.ok)).toEqual([]);
  });

  it('assumes each hop at most once per 0.8 × lifetime plus one, and does refresh them', () => {
    const bound = Math.floor(runSeconds / (0.8 * LIFETIME_S)) + 1;
    const count = (roleArn: string) =>
      emulator.record.assumeRoles.filter((a) => a.roleArn === roleArn).length;
    const perAccount = MEMBERS.map((id) => count(`arn:aws:iam::${id}:role/AthenaReader`));
    const counts = {
      runSeconds: Math.round(runSeconds),
      bound,
      hop1OrgHub: count(HUB),
      hop2OrgReader: count(READER),
      hop3PerAccountMin: Math.min(...perAccount),
      hop3PerAccountMax: Math.max(...perAccount),
      hop3Total: perAccount.reduce((a, b) => a + b, 0),
      requests: emulator.record.calls.length,
    };
    process.stdout.write(`credential refresh: ${JSON.stringify(counts)}\n`);
    expect(counts.hop1OrgHub).toBeLessThanOrEqual(bound);
    expect(counts.hop2OrgReader).toBeLessThanOrEqual(bound);
    expect(counts.hop3PerAccountMax).toBeLessThanOrEqual(bound);
    // Sessions of 20 s over a run of 2+ minutes must have been renewed: the cache is not just holding on.
    expect(counts.hop1OrgHub).toBeGreaterThanOrEqual(3);
    expect(counts.hop3PerAccountMin).toBeGreaterThanOrEqual(3);
    // Every session name carries the run id: `{runId}` was substituted before STS saw it.
    const names = new Set(emulator.record.assumeRoles.map((a) => a.sessionName));
    expect([...names]).toEqual([`fanout-${manifest.runId}`]);
  });
});
