import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, type ScenarioInput } from '@athena-fanout/emulator';
import type { Manifest } from '../../src/manifest.js';
import { emulatorEnv, runCli } from '../helpers/cli.js';
import { emulatorDir } from '../helpers/org-run.js';

/** The built CLI with each way in: what a CI job or a pod would run. */
const MGMT = '111111111111';
const MEMBER = '222222222222';
const LOCKED = '333333333333';
const OIDC = `arn:aws:iam::${MGMT}:oidc-provider/token.actions.githubusercontent.com`;
const POD = `arn:aws:iam::${MGMT}:role/FanoutCi`;
const HUB = `arn:aws:iam::${MGMT}:role/OrgHub`;
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.ci-oidc-token-never-logged.sig';

const scenario: ScenarioInput = {
  organization: { id: 'o-clicreds0001', managementAccountId: MGMT },
  accounts: [
    { id: MGMT, name: 'management', email: 'm@example.com' },
    { id: MEMBER, name: 'web', email: 'w@example.com' },
    { id: LOCKED, name: 'locked', email: 'l@example.com' },
  ],
  identities: [
    {
      accessKeyId: 'AKIACLICREDSUSER0001',
      secretAccessKey: 'cli-user-secret',
      arn: `arn:aws:iam::${MGMT}:user/alice`,
      mfa: { serialNumber: `arn:aws:iam::${MGMT}:mfa/alice`, code: '246810' },
    },
  ],
  roles: [
    { arn: POD, trust: [OIDC] },
    { arn: HUB, trust: [POD, `arn:aws:iam::${MGMT}:user/alice`], requireMfa: false },
    { arn: 'arn:aws:iam::<accountId>:role/AthenaReader', trust: [HUB], deny: [LOCKED] },
  ],
  federation: { oidc: [{ provider: OIDC, tokens: [TOKEN] }] },
  knobs: { queryLatencyMs: 0, primaryOutputLocation: 's3://athena-results-{accountId}/primary/' },
};

function config(credentials: string): string {
  return `version: 1
region: eu-west-1
auth:
${credentials}
  masterRoleChain:
    - arn: ${HUB}
      tags: { Project: fanout, Run: '{runId}' }
      sourceIdentity: ci-{runId}
  accountRoleChain:
    - { arn: 'arn:aws:iam::<accountId>:role/AthenaReader', sessionName: 'fanout-{accountId}' }
  accountChainFrom: master
accounts:
  exclude: ['${MGMT}']
queries:
  - { name: one, sql: SELECT 1 AS n }
sinks:
  - { type: parquet, path: out/{query}.parquet }
manifest: out/manifest.json
`;
}

let emulator: RunningEmulator;
let dir: string;
let cleanup: (() => Promise<void>) | undefined;
beforeAll(async () => {
  ({ emulator, dir, cleanup } = await emulatorDir({ scenario, prefix: 'fanout-cli-creds-' }));
});
afterAll(() => cleanup?.());

describe('athena-fanout run with auth.credentials', () => {
  it('web identity: the token file is exchanged, the chain continues from it, tags and SourceIdentity carry the run id', async () => {
    await writeFile(join(dir, 'token'), TOKEN);
    await writeFile(
      join(dir, 'pipeline.config.yaml'),
      config(`  credentials:\n    webIdentity: { roleArn: '${POD}', tokenFile: token }`),
    );
    // No static keys in the environment: only the token file can get us in.
    const env = emulatorEnv(emulator);
    delete env.AWS_ACCESS_KEY_ID;
    delete env.AWS_SECRET_ACCESS_KEY;
    const result = await runCli(['run'], { cwd: dir, env });
    const manifest = JSON.parse(await readFile(join(dir, 'out/manifest.json'), 'utf8')) as Manifest;
    expect(result.code, result.stderr).toBe(1);
    expect(manifest.units.map((u) => [u.accountId, u.state])).toEqual([
      [MEMBER, 'succeeded'],
      [LOCKED, 'failed'],
    ]);
    const hops = emulator.record.assumeRoles;
    expect(hops.map((h) => [h.action, h.roleArn, h.ok])).toEqual(
      expect.arrayContaining([
        ['AssumeRoleWithWebIdentity', POD, true],
        ['AssumeRole', HUB, true],
        ['AssumeRole', `arn:aws:iam::${MEMBER}:role/AthenaReader`, true],
      ]),
    );
    const hub = hops.find((h) => h.roleArn === HUB)!;
    expect(hub).toMatchObject({
      tags: { Project: 'fanout', Run: manifest.runId },
      sourceIdentity: `ci-${manifest.runId}`,
      durationSeconds: 3600,
    });
    expect(hops.find((h) => h.roleArn.includes(MEMBER))!.sessionName).toBe(`fanout-${MEMBER}`);
    // The refused account's error names account, hop, role, caller and AWS's words; no secret anywhere.
    const locked = manifest.units.find((u) => u.accountId === LOCKED)!;
    expect(locked.error).toMatchObject({
      stage: 'credentials',
      chain: 'account',
      hopIndex: 1,
      roleArn: `arn:aws:iam::${LOCKED}:role/AthenaReader`,
      callerArn: `arn:aws:sts::${MGMT}:assumed-role/OrgHub/athena-fanout`,
      awsCode: 'AccessDenied',
    });
    expect(locked.error!.message).toContain(`account ${LOCKED}: AssumeRole hop 2/2`);
    const everything = JSON.stringify(manifest) + result.stdout + result.stderr;
    expect(everything).not.toContain('ci-oidc-token-never-logged');
  });

  it('MFA without a code and without a terminal: exit 2 before any AWS call, saying how to pass one', async () => {
    await writeFile(
      join(dir, 'pipeline.config.yaml'),
      config(`  credentials:\n    mfa: { serialNumber: 'arn:aws:iam::${MGMT}:mfa/alice' }`),
    );
    const before = emulator.record.calls.length;
    const result = await runCli(['run'], {
      cwd: dir,
      env: emulatorEnv(emulator, {
        AWS_ACCESS_KEY_ID: 'AKIACLICREDSUSER0001',
        AWS_SECRET_ACCESS_KEY: 'cli-user-secret',
      }),
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'auth.credentials.mfa.tokenCode: no MFA code and no terminal to ask for one: set tokenCode: ${MFA_CODE}',
    );
    expect(emulator.record.calls.length).toBe(before);
  });

  it('MFA with the code from the environment: the first hop carries it and the run succeeds', async () => {
    await writeFile(
      join(dir, 'pipeline.config.yaml'),
      config(
        `  credentials:\n    mfa: { serialNumber: 'arn:aws:iam::${MGMT}:mfa/alice', tokenCode: \${MFA_CODE} }`,
      ),
    );
    const before = emulator.record.assumeRoles.length;
    const result = await runCli(['run'], {
      cwd: dir,
      env: emulatorEnv(emulator, {
        AWS_ACCESS_KEY_ID: 'AKIACLICREDSUSER0001',
        AWS_SECRET_ACCESS_KEY: 'cli-user-secret',
        MFA_CODE: '246810',
      }),
    });
    expect(result.code, result.stderr).toBe(1);
    const hub = emulator.record.assumeRoles.slice(before).find((h) => h.roleArn === HUB)!;
    expect(hub).toMatchObject({ ok: true, serialNumber: `arn:aws:iam::${MGMT}:mfa/alice` });
  });
});
