import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator, type ScenarioInput } from '@athena-fanout/emulator';
import { FanoutError } from '../../src/errors.js';
import { baseCredentialProvider, RoleChainResolver } from '../../src/auth-chain/index.js';
import { type CredentialProvider } from '../../src/aws/index.js';
import { type CredentialSource, type RoleHop } from '../../src/config/index.js';

const MGMT = '111111111111';
const USER = `arn:aws:iam::${MGMT}:user/alice`;
const OIDC = `arn:aws:iam::${MGMT}:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE`;
const SAML = `arn:aws:iam::${MGMT}:saml-provider/Okta`;
const IRSA_ROLE = `arn:aws:iam::${MGMT}:role/FanoutPod`;
const SAML_ROLE = `arn:aws:iam::${MGMT}:role/FanoutSaml`;
const HUB = `arn:aws:iam::${MGMT}:role/OrgHub`;
const READER = 'arn:aws:iam::222222222222:role/AthenaReader';
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.pod-token-do-not-log.sig';
const ASSERTION = Buffer.from('<samlp:Response>signed-assertion-do-not-log</samlp:Response>').toString(
  'base64',
);
const MFA_SERIAL = `arn:aws:iam::${MGMT}:mfa/alice`;

const scenario: ScenarioInput = {
  organization: { id: 'o-waysin00001', managementAccountId: MGMT },
  accounts: [
    { id: MGMT, name: 'management', email: 'm@example.com' },
    { id: '222222222222', name: 'web', email: 'w@example.com' },
  ],
  identities: [
    {
      accessKeyId: 'AKIAWAYSINALICE00001',
      secretAccessKey: 'alice-secret',
      arn: USER,
      mfa: { serialNumber: MFA_SERIAL, code: '123456' },
    },
  ],
  roles: [
    { arn: IRSA_ROLE, trust: [OIDC] },
    { arn: SAML_ROLE, trust: [SAML] },
    { arn: HUB, trust: [USER, IRSA_ROLE, SAML_ROLE], requireMfa: false },
    { arn: `arn:aws:iam::${MGMT}:role/MfaOnly`, trust: [USER], requireMfa: true },
    { arn: READER, trust: [HUB] },
  ],
  federation: {
    oidc: [{ provider: OIDC, tokens: [TOKEN] }],
    saml: [{ provider: SAML, assertions: [ASSERTION], subject: 'alice@example.com' }],
  },
  knobs: { queryLatencyMs: 0 },
};

const hop = (arn: string, extra: Partial<RoleHop> = {}): RoleHop => ({
  arn,
  sessionName: 'athena-fanout',
  durationSeconds: 3600,
  ...extra,
});

let emu: RunningEmulator;
let dir: string;
const clientOptions = () => ({ endpoint: emu.endpoint, maxAttempts: 1 });
const base = (source: CredentialSource) =>
  baseCredentialProvider(source, { region: 'eu-west-1', clientOptions: clientOptions() });
const resolverFrom = (
  b: CredentialProvider,
  extra: Partial<ConstructorParameters<typeof RoleChainResolver>[0]> = {},
) => new RoleChainResolver({ region: 'eu-west-1', base: b, clientOptions: clientOptions(), ...extra });

async function whoAmI(credentials: CredentialProvider): Promise<string | undefined> {
  const sts = new STSClient({ region: 'eu-west-1', credentials, ...clientOptions() });
  return (await sts.send(new GetCallerIdentityCommand({}))).Arn;
}

async function failure(p: Promise<unknown>): Promise<FanoutError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FanoutError);
  return err as FanoutError;
}

beforeAll(async () => {
  emu = await startEmulator({ scenario });
  dir = await mkdtemp(join(tmpdir(), 'fanout-ways-in-'));
});
afterAll(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

describe('web identity (EKS IRSA, CI OIDC)', () => {
  it('exchanges the token file for a role session, and chains from it with the 1-hour cap', async () => {
    const tokenFile = join(dir, 'token');
    await writeFile(tokenFile, `${TOKEN}\n`);
    const source: CredentialSource = {
      kind: 'webIdentity',
      roleArn: IRSA_ROLE,
      tokenFile,
      sessionName: 'pod-session',
      durationSeconds: 3600,
    };
    const resolver = resolverFrom(base(source), { baseSource: 'webIdentity' });
    const reader = resolver.provider([hop(HUB, { durationSeconds: 7200 }), hop(READER)], {
      chain: 'account',
      accountId: '222222222222',
    });
    expect(await whoAmI(reader)).toBe('arn:aws:sts::222222222222:assumed-role/AthenaReader/athena-fanout');
    const calls = emu.record.assumeRoles.filter((a) => a.at >= 0).slice(-3);
    expect(calls.map((a) => [a.action, a.callerArn, a.roleArn, a.durationSeconds])).toEqual([
      ['AssumeRoleWithWebIdentity', OIDC, IRSA_ROLE, 3600],
      ['AssumeRole', `arn:aws:sts::${MGMT}:assumed-role/FanoutPod/pod-session`, HUB, 3600],
      ['AssumeRole', `arn:aws:sts::${MGMT}:assumed-role/OrgHub/athena-fanout`, READER, 3600],
    ]);
  });

  it('a refused token is a credentials error naming the role and AWS code, never the token', async () => {
    const tokenFile = join(dir, 'bad-token');
    await writeFile(tokenFile, 'eyJ.some-other-token.sig');
    const resolver = resolverFrom(
      base({ kind: 'webIdentity', roleArn: IRSA_ROLE, tokenFile, sessionName: 'pod', durationSeconds: 3600 }),
    );
    const err = await failure(resolver.provider([hop(HUB)], { chain: 'master' })());
    expect(err.message).toMatch(
      new RegExp(
        `^master chain: base credentials \\(webIdentity ${IRSA_ROLE}\\) unavailable: InvalidIdentityToken: `,
      ),
    );
    expect(err.context).toMatchObject({
      stage: 'credentials',
      chain: 'master',
      credentialSource: 'webIdentity',
      roleArn: IRSA_ROLE,
      awsCode: 'InvalidIdentityToken',
    });
    expect(JSON.stringify(err.toJSON())).not.toContain('some-other-token');
  });

  it('a missing token file says which file', async () => {
    const tokenFile = join(dir, 'absent');
    const err = await failure(
      resolverFrom(
        base({
          kind: 'webIdentity',
          roleArn: IRSA_ROLE,
          tokenFile,
          sessionName: 'pod',
          durationSeconds: 3600,
        }),
      ).provider([], { chain: 'master' })(),
    );
    expect(err.message).toContain(`cannot read web identity token file ${tokenFile} (ENOENT)`);
  });
});

describe('SAML', () => {
  it('reads the assertion from a file or from a command, and names the session after the subject', async () => {
    const assertionFile = join(dir, 'assertion.b64');
    await writeFile(assertionFile, ASSERTION);
    const script = join(dir, 'saml-helper.sh');
    await writeFile(script, `#!/bin/sh\ncat '${assertionFile}'\n`);
    await chmod(script, 0o755);
    for (const how of [{ assertionFile }, { assertionCommand: script }]) {
      const creds = base({
        kind: 'saml',
        roleArn: SAML_ROLE,
        principalArn: SAML,
        durationSeconds: 3600,
        ...how,
      });
      expect(await whoAmI(creds)).toBe(`arn:aws:sts::${MGMT}:assumed-role/FanoutSaml/alice@example.com`);
    }
    expect(emu.record.assumeRoles.filter((a) => a.action === 'AssumeRoleWithSAML' && a.ok)).toHaveLength(2);
  });

  it('a failing helper command is reported with its exit code and first line of stderr', async () => {
    const creds = base({
      kind: 'saml',
      roleArn: SAML_ROLE,
      principalArn: SAML,
      durationSeconds: 3600,
      assertionCommand: "echo 'IdP login refused' >&2; exit 3",
    });
    const err = await failure(resolverFrom(creds).provider([hop(HUB)], { chain: 'master' })());
    expect(err.message).toBe(
      `master chain: base credentials (saml ${SAML_ROLE}) unavailable: CredentialCommandError: assertionCommand exited with code 3: IdP login refused`,
    );
  });

  it('an assertion the provider rejects never appears in the error', async () => {
    const bad = Buffer.from('forged-assertion-do-not-log').toString('base64');
    const assertionFile = join(dir, 'forged.b64');
    await writeFile(assertionFile, bad);
    const creds = base({
      kind: 'saml',
      roleArn: SAML_ROLE,
      principalArn: SAML,
      durationSeconds: 3600,
      assertionFile,
    });
    const err = await failure(resolverFrom(creds).provider([], { chain: 'master' })());
    expect(err.context.awsCode).toBe('InvalidIdentityToken');
    expect(JSON.stringify(err.toJSON())).not.toContain(bad);
  });
});

describe('static keys, profiles and credential_process', () => {
  it('static keys from the environment are used as they are', async () => {
    const creds = base({
      kind: 'static',
      accessKeyId: 'AKIAWAYSINALICE00001',
      secretAccessKey: 'alice-secret',
    });
    expect(await whoAmI(creds)).toBe(USER);
  });

  it('a named profile whose credential_process prints keys (the route of Okta/ADFS/Entra helpers)', async () => {
    const helper = join(dir, 'creds-helper.sh');
    await writeFile(
      helper,
      `#!/bin/sh\necho run >> '${join(dir, 'helper-runs')}'\necho '{"Version":1,"AccessKeyId":"AKIAWAYSINALICE00001","SecretAccessKey":"alice-secret"}'\n`,
    );
    await chmod(helper, 0o755);
    const configFile = join(dir, 'aws-config');
    await writeFile(configFile, `[profile corp]\ncredential_process = ${helper}\nregion = eu-west-1\n`);
    const saved = { ...process.env };
    process.env.AWS_CONFIG_FILE = configFile;
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'no-credentials-file');
    try {
      const corp = base({ kind: 'profile', profile: 'corp' });
      for (let i = 0; i < 3; i++) expect(await whoAmI(corp)).toBe(USER);
      // The helper (an IdP login, often interactive) runs once, not once per request.
      expect((await readFile(join(dir, 'helper-runs'), 'utf8')).trim().split('\n')).toHaveLength(1);
      const err = await failure(
        resolverFrom(base({ kind: 'profile', profile: 'nope' }), { baseSource: 'profile' }).provider([], {
          chain: 'master',
        })(),
      );
      expect(err.message).toMatch(
        /^master chain: base credentials \(auth\.credentials\.profile\) unavailable: /,
      );
      expect(err.message).toContain('nope');
    } finally {
      process.env = saved;
    }
  });
});

describe('MFA, session tags and SourceIdentity', () => {
  const mfaOf = (code: string) => ({ serialNumber: MFA_SERIAL, tokenCode: () => Promise.resolve(code) });
  const alice = () =>
    Promise.resolve({ accessKeyId: 'AKIAWAYSINALICE00001', secretAccessKey: 'alice-secret' });

  it('sends SerialNumber and TokenCode on the first hop only, which a role requiring MFA accepts', async () => {
    let asked = 0;
    const resolver = resolverFrom(alice, {
      mfa: {
        serialNumber: MFA_SERIAL,
        tokenCode: () => {
          asked++;
          return Promise.resolve('123456');
        },
      },
    });
    const mfaRole = `arn:aws:iam::${MGMT}:role/MfaOnly`;
    expect(await whoAmI(resolver.provider([hop(mfaRole)], { chain: 'master' }))).toBe(
      `arn:aws:sts::${MGMT}:assumed-role/MfaOnly/athena-fanout`,
    );
    await whoAmI(resolver.provider([hop(HUB), hop(READER)], { chain: 'master' }));
    const last = emu.record.assumeRoles.slice(-3);
    expect(last.map((a) => [a.roleArn, a.serialNumber])).toEqual([
      [mfaRole, MFA_SERIAL],
      [HUB, MFA_SERIAL],
      [READER, undefined],
    ]);
    expect(asked).toBe(2);
  });

  it('a wrong code fails hop 1 with AWS words, naming the role and the caller', async () => {
    const resolver = resolverFrom(alice, { mfa: mfaOf('654321') });
    const err = await failure(resolver.provider([hop(HUB), hop(READER)], { chain: 'master' })());
    expect(err.message).toBe(
      `master chain: AssumeRole hop 1/2 ${HUB} failed: AccessDenied: MultiFactorAuthentication failed with invalid MFA one time pass code.`,
    );
    expect(err.context).toMatchObject({ hopIndex: 0, roleArn: HUB, awsCode: 'AccessDenied' });
    expect(JSON.stringify(err.toJSON())).not.toContain('654321');
  });

  it('without MFA, a role that requires it refuses', async () => {
    const err = await failure(
      resolverFrom(alice).provider([hop(`arn:aws:iam::${MGMT}:role/MfaOnly`)], { chain: 'master' })(),
    );
    expect(err.context.awsCode).toBe('AccessDenied');
  });

  it('sends session tags and SourceIdentity with {runId} substituted; the source identity sticks down the chain', async () => {
    const resolver = resolverFrom(alice, { runId: '20260102T030405Z-abc123' });
    const chain = [
      hop(HUB, {
        sessionName: 'fanout-{runId}',
        tags: { Project: 'fanout', Run: '{runId}' },
        sourceIdentity: 'alice-{runId}',
      }),
      hop(READER, { tags: { Account: '222222222222' } }),
    ];
    expect(await whoAmI(resolver.provider(chain, { chain: 'account', accountId: '222222222222' }))).toBe(
      'arn:aws:sts::222222222222:assumed-role/AthenaReader/athena-fanout',
    );
    const [first, second] = emu.record.assumeRoles.slice(-2);
    expect(first).toMatchObject({
      roleArn: HUB,
      sessionName: 'fanout-20260102T030405Z-abc123',
      tags: { Project: 'fanout', Run: '20260102T030405Z-abc123' },
      sourceIdentity: 'alice-20260102T030405Z-abc123',
      ok: true,
    });
    expect(second).toMatchObject({ roleArn: READER, tags: { Account: '222222222222' }, ok: true });
    // A later hop that tries another source identity is refused, as AWS does.
    const changed = resolverFrom(alice).provider(
      [hop(HUB, { sourceIdentity: 'alice' }), hop(READER, { sourceIdentity: 'mallory' })],
      { chain: 'master' },
    );
    const err = await failure(changed());
    expect(err.context).toMatchObject({ hopIndex: 1, roleArn: READER, awsCode: 'AccessDenied' });
  });
});

describe('the SDK default chain with short sessions', () => {
  it('exchanges AWS_WEB_IDENTITY_TOKEN_FILE once for many requests, though the sessions last 2 minutes', async () => {
    const short = await startEmulator({
      scenario: { ...scenario, knobs: { queryLatencyMs: 0, credentialLifetimeSeconds: 120 } },
    });
    const tokenFile = join(dir, 'sdk-token');
    await writeFile(tokenFile, TOKEN);
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: short.endpoint,
      AWS_REGION: 'eu-west-1',
      AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
      AWS_ROLE_ARN: IRSA_ROLE,
      AWS_ROLE_SESSION_NAME: 'sdk-pod',
      AWS_CONFIG_FILE: join(dir, 'none'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    delete process.env.AWS_PROFILE;
    try {
      const creds = baseCredentialProvider({ kind: 'default' });
      const sts = new STSClient({ region: 'eu-west-1', credentials: creds, endpoint: short.endpoint });
      for (let i = 0; i < 4; i++) {
        expect((await sts.send(new GetCallerIdentityCommand({}))).Arn).toBe(
          `arn:aws:sts::${MGMT}:assumed-role/FanoutPod/sdk-pod`,
        );
      }
      // 2-minute sessions are inside the SDK's fixed 5-minute window: alone, it would exchange 4 times.
      expect(short.record.assumeRoles.map((a) => a.action)).toEqual(['AssumeRoleWithWebIdentity']);
    } finally {
      process.env = saved;
      await short.close();
    }
  });
});
