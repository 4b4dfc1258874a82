import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { ConfigError } from '../../src/errors.js';
import { configErrorFor, loadText, scratchEach } from './helpers.js';

/** A minimal valid config whose `auth:` section the tests replace. */
function withAuth(auth: string): string {
  return `version: 1
region: eu-west-1
auth:
${auth
  .trim()
  .split('\n')
  .map((l) => `  ${l}`)
  .join('\n')}
athena:
  outputLocation: s3://results-bucket/fanout/
queries:
  - { name: inventory, sql: SELECT 1 }
sinks:
  - { type: parquet, path: out/{query}.parquet }
`;
}

const CHAIN = 'accountRoleChain: [arn:aws:iam::<accountId>:role/AthenaReader]';
const messages = (err: ConfigError) => err.issues.map((i) => `${i.path}: ${i.message}`);

let dir: string;
scratchEach((scratch) => ({ dir } = scratch));

describe('auth.credentials', () => {
  it('absent: the SDK default chain (no credentials in the normalised config)', async () => {
    const { config } = await loadText(dir, withAuth(CHAIN), {});
    expect(config.auth.credentials).toBeUndefined();
    expect(config.auth.mfa).toBeUndefined();
  });

  it('static keys and session token through ${ENV}', async () => {
    const yaml = withAuth(`
credentials:
  accessKeyId: \${CI_KEY_ID}
  secretAccessKey: \${CI_SECRET}
  sessionToken: \${CI_TOKEN}
${CHAIN}`);
    const env = { CI_KEY_ID: 'AKIAEXAMPLE', CI_SECRET: 'very-secret', CI_TOKEN: 'tok' };
    const { config } = await loadText(dir, yaml, env);
    expect(config.auth.credentials).toEqual({
      kind: 'static',
      accessKeyId: 'AKIAEXAMPLE',
      secretAccessKey: 'very-secret',
      sessionToken: 'tok',
    });
  });

  it('refuses a literal secret, says how to pass it, and never repeats it', async () => {
    const yaml = withAuth(`
credentials:
  accessKeyId: AKIAIOSFODNN7EXAMPLE
  secretAccessKey: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
${CHAIN}`);
    const err = await configErrorFor(dir, yaml, {});
    expect(messages(err)).toEqual([
      'auth.credentials.accessKeyId: a secret written into the config file is refused: set it in the environment and write accessKeyId: ${AWS_ACCESS_KEY_ID} (or leave auth.credentials out: the AWS SDK default chain reads AWS_ACCESS_KEY_ID itself)',
      'auth.credentials.secretAccessKey: a secret written into the config file is refused: set it in the environment and write secretAccessKey: ${AWS_SECRET_ACCESS_KEY} (or leave auth.credentials out: the AWS SDK default chain reads AWS_SECRET_ACCESS_KEY itself)',
    ]);
    expect(err.issues[1]!.line).toBe(6);
    expect(err.message).not.toContain('wJalrXUtnFEMI');
    // Part of the value from a variable is still a secret in the file.
    const mixed = await configErrorFor(
      dir,
      withAuth(`
credentials:
  accessKeyId: \${KEY}
  secretAccessKey: abc\${REST}
${CHAIN}`),
      { KEY: 'AKIA1', REST: 'def' },
    );
    expect(messages(mixed)).toHaveLength(1);
    expect(mixed.issues[0]!.path).toBe('auth.credentials.secretAccessKey');
  });

  it('webIdentity and saml: paths resolved against the config file; the first hop from them is chained', async () => {
    const yaml = withAuth(`
credentials:
  webIdentity: { roleArn: 'arn:aws:iam::111111111111:role/Pod', tokenFile: secrets/token }
masterRoleChain:
  - { arn: 'arn:aws:iam::111111111111:role/OrgHub', durationSeconds: 7200 }
${CHAIN}`);
    const { config, warnings } = await loadText(dir, yaml, {});
    expect(config.auth.credentials).toEqual({
      kind: 'webIdentity',
      roleArn: 'arn:aws:iam::111111111111:role/Pod',
      tokenFile: join(dir, 'secrets/token'),
      sessionName: 'athena-fanout',
      durationSeconds: 3600,
    });
    expect(config.auth.masterRoleChain[0]!.durationSeconds).toBe(3600);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('auth.masterRoleChain.0 is assumed with role credentials (role chaining)');

    const saml = await loadText(
      dir,
      withAuth(`
credentials:
  saml:
    roleArn: arn:aws:iam::111111111111:role/Saml
    principalArn: arn:aws:iam::111111111111:saml-provider/Okta
    assertionCommand: saml2aws-print-assertion
${CHAIN}`),
      {},
    );
    expect(saml.config.auth.credentials).toMatchObject({
      kind: 'saml',
      assertionCommand: 'saml2aws-print-assertion',
      durationSeconds: 3600,
    });
  });

  it('profile with MFA; the code may come later from the terminal', async () => {
    const { config } = await loadText(
      dir,
      withAuth(`
credentials:
  profile: corp
  mfa: { serialNumber: 'arn:aws:iam::111111111111:mfa/alice' }
${CHAIN}`),
      {},
    );
    expect(config.auth.credentials).toEqual({ kind: 'profile', profile: 'corp' });
    expect(config.auth.mfa).toEqual({ serialNumber: 'arn:aws:iam::111111111111:mfa/alice' });
  });

  it('reports every misuse at once: two ways in, MFA on web identity, a bad code; SAML without an assertion', async () => {
    const err = await configErrorFor(
      dir,
      withAuth(`
credentials:
  profile: corp
  webIdentity: { roleArn: 'arn:aws:iam::111111111111:role/Pod', tokenFile: t }
  mfa: { serialNumber: 'arn:aws:iam::111111111111:mfa/alice', tokenCode: '12345' }
${CHAIN}`),
      {},
    );
    expect(messages(err)).toEqual([
      'auth.credentials.webIdentity: choose one way in: profile and webIdentity are both set',
      'auth.credentials.mfa: MFA applies to AssumeRole from user credentials; web identity and SAML sessions are already federated',
      'auth.credentials.mfa.tokenCode: expected the 6-digit code shown by the device',
    ]);
    const saml = await configErrorFor(
      dir,
      withAuth(`
credentials:
  saml: { roleArn: 'arn:aws:iam::111111111111:role/Saml', principalArn: 'arn:aws:iam::111111111111:role/Okta' }
${CHAIN}`),
      {},
    );
    expect(messages(saml)).toEqual([
      'auth.credentials.saml: needs assertionFile (a file holding the base64 SAML assertion) or assertionCommand (a command printing it)',
      'auth.credentials.saml.principalArn: expected the identity provider ARN, like arn:aws:iam::111111111111:saml-provider/Okta',
    ]);
  });
});

describe('static keys come in pairs', () => {
  it('half a key pair, or a session token alone, is an error naming the missing half', async () => {
    const err = await configErrorFor(
      dir,
      withAuth(`
credentials:
  accessKeyId: \${KEY}
${CHAIN}`),
      { KEY: 'AKIA1' },
    );
    expect(messages(err)).toEqual([
      'auth.credentials.secretAccessKey: static keys need both accessKeyId and secretAccessKey',
    ]);
    const token = await configErrorFor(
      dir,
      withAuth(`
credentials:
  sessionToken: \${TOKEN}
${CHAIN}`),
      { TOKEN: 'tok' },
    );
    expect(messages(token)).toEqual([
      'auth.credentials.sessionToken: only used with accessKeyId and secretAccessKey (value from ${TOKEN})',
    ]);
  });
});

describe('hop tags, sourceIdentity and {runId}', () => {
  it('refuses a second, different source identity in one chain, as AWS would at run time', async () => {
    const err = await configErrorFor(
      dir,
      withAuth(`
masterRoleChain:
  - { arn: 'arn:aws:iam::111111111111:role/OrgHub', sourceIdentity: alice }
accountRoleChain:
  - { arn: 'arn:aws:iam::<accountId>:role/AthenaReader', sourceIdentity: bob }
accountChainFrom: master`),
      {},
    );
    expect(messages(err)).toEqual([
      'auth.accountRoleChain.0.sourceIdentity: the chain\'s source identity is already "alice" (auth.masterRoleChain.0); AWS refuses to change it later in a chain',
    ]);
    // Chains that do not meet may each set their own.
    const { config } = await loadText(
      dir,
      withAuth(`
masterRoleChain:
  - { arn: 'arn:aws:iam::111111111111:role/OrgHub', sourceIdentity: alice }
accountRoleChain:
  - { arn: 'arn:aws:iam::<accountId>:role/AthenaReader', sourceIdentity: bob }`),
      {},
    );
    expect(config.auth.accountRoleChain[0]!.sourceIdentity).toBe('bob');
  });

  it('accepts them on hop mappings and keeps the placeholders for the run', async () => {
    const { config } = await loadText(
      dir,
      withAuth(`
sessionName: fanout-{runId}
masterRoleChain:
  - arn: arn:aws:iam::111111111111:role/OrgHub
    tags: { Project: fanout, Run: '{runId}' }
    sourceIdentity: ci-{runId}
accountRoleChain:
  - { arn: 'arn:aws:iam::{accountId}:role/AthenaReader', tags: { Account: '{accountId}' } }`),
      {},
    );
    expect(config.auth.masterRoleChain[0]).toMatchObject({
      sessionName: 'fanout-{runId}',
      tags: { Project: 'fanout', Run: '{runId}' },
      sourceIdentity: 'ci-{runId}',
    });
    expect(config.auth.accountRoleChain[0]).toMatchObject({
      arn: 'arn:aws:iam::<accountId>:role/AthenaReader',
      tags: { Account: '<accountId>' },
    });
  });

  it('checks names after substitution and refuses <accountId> in the master chain', async () => {
    const err = await configErrorFor(
      dir,
      withAuth(`
masterRoleChain:
  - arn: arn:aws:iam::111111111111:role/OrgHub
    sessionName: a-very-long-session-name-prefix-for-the-{runId}-x
    tags: { Account: '<accountId>', 'bad#key': x }
    sourceIdentity: '{runId}{runId}{runId}'
${CHAIN}`),
      {},
    );
    expect(messages(err)).toEqual([
      'auth.masterRoleChain.0.sessionName: expected 2 to 64 characters of letters, digits and _+=,.@- (counting {runId} as 23 characters)',
      'auth.masterRoleChain.0.tags.Account: the master chain cannot use <accountId> (it runs before any account is known)',
      'auth.masterRoleChain.0.tags.bad#key: a tag key is 1 to 128 letters, digits, spaces and _.:/=+-@',
      'auth.masterRoleChain.0.sourceIdentity: expected 2 to 64 characters of letters, digits and _+=,.@- (after substituting <accountId> and {runId})',
    ]);
  });
});
