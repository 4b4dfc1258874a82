import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import {
  AssumeRoleWithSAMLCommand,
  AssumeRoleWithWebIdentityCommand,
  STSClient,
  type STSClientConfig,
} from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { memoizeAsync } from '../scheduler/index.js';
import { awsClientConfig } from '../aws/client-config.js';
import { stsIdentity } from './assume-role-input.js';
import { BaseCredentialsFailure } from './chain-errors.js';
import type { CredentialSource } from '../config/credential-source.js';
import { credentialsNeedRefresh, type TimedCredentials } from './refresh.js';

type WebIdentitySource = Extract<CredentialSource, { kind: 'webIdentity' }>;
type SamlSource = Extract<CredentialSource, { kind: 'saml' }>;

interface StsOptions {
  region?: string;
  clientOptions?: Record<string, unknown>;
}

const COMMAND_TIMEOUT_MS = 120_000;

// These calls are unsigned (the token or assertion is the proof), so the client needs no credentials.
function unsignedSts(opts: StsOptions): STSClient {
  return new STSClient({
    ...(awsClientConfig('sts', { region: opts.region ?? 'us-east-1' }) as STSClientConfig),
    ...(opts.clientOptions as STSClientConfig | undefined),
  });
}

/**
 * Memoized with the same refresh-ahead margin as role hops; failures are not cached, and a failed refresh
 * keeps serving the current session while it is still valid.
 */
export function refreshing(fetch: () => Promise<AwsCredentialIdentity>): AwsCredentialIdentityProvider {
  let last: TimedCredentials | undefined;
  const get = memoizeAsync(
    async (): Promise<TimedCredentials> => {
      try {
        last = { identity: await fetch(), obtainedAt: Date.now() };
        return last;
      } catch (err) {
        const expiry = last?.identity.expiration?.getTime();
        if (last && expiry !== undefined && expiry > Date.now()) return last;
        throw err;
      }
    },
    { isStale: (c) => credentialsNeedRefresh(c, Date.now()) },
  );
  return async () => (await get(undefined)).identity;
}

async function readSecretFile(path: string, what: string): Promise<string> {
  let text: string;
  try {
    text = (await readFile(path, 'utf8')).trim();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'Error';
    throw Object.assign(new Error(`cannot read ${what} ${path} (${code})`), { name: 'CredentialFileError' });
  }
  if (text === '') {
    throw Object.assign(new Error(`${what} ${path} is empty`), { name: 'CredentialFileError' });
  }
  return text;
}

/** AssumeRoleWithWebIdentity (EKS IRSA, CI OIDC), reading the token file again at every refresh. */
export function webIdentityProvider(
  source: WebIdentitySource,
  opts: StsOptions,
): AwsCredentialIdentityProvider {
  const sts = unsignedSts(opts);
  return refreshing(async () => {
    let token: string | undefined;
    try {
      token = await readSecretFile(source.tokenFile, 'web identity token file');
      const out = await sts.send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: source.roleArn,
          RoleSessionName: source.sessionName,
          WebIdentityToken: token,
          DurationSeconds: source.durationSeconds,
        }),
      );
      return stsIdentity(out.Credentials, source.roleArn);
    } catch (err) {
      throw new BaseCredentialsFailure(err, {
        source: 'webIdentity',
        roleArn: source.roleArn,
        secrets: token ? [token] : [],
      });
    }
  });
}

function runAssertionCommand(command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      '/bin/sh',
      ['-c', command],
      { timeout: COMMAND_TIMEOUT_MS, maxBuffer: 10 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) {
          const detail = stderr.trim().split('\n')[0]?.slice(0, 300);
          const code = typeof err.code === 'number' ? `exited with code ${err.code}` : err.message;
          reject(
            Object.assign(new Error(`assertionCommand ${code}${detail ? `: ${detail}` : ''}`), {
              name: 'CredentialCommandError',
            }),
          );
          return;
        }
        const out = stdout.trim();
        if (out === '') {
          reject(
            Object.assign(new Error('assertionCommand printed nothing (expected a base64 SAML assertion)'), {
              name: 'CredentialCommandError',
            }),
          );
          return;
        }
        resolve(out);
      },
    );
  });
}

/** AssumeRoleWithSAML with an assertion from a file or a command, fetched again at every refresh. */
export function samlProvider(source: SamlSource, opts: StsOptions): AwsCredentialIdentityProvider {
  const sts = unsignedSts(opts);
  return refreshing(async () => {
    let assertion: string | undefined;
    try {
      assertion =
        source.assertionFile !== undefined
          ? await readSecretFile(source.assertionFile, 'SAML assertion file')
          : await runAssertionCommand(source.assertionCommand ?? '');
      const out = await sts.send(
        new AssumeRoleWithSAMLCommand({
          RoleArn: source.roleArn,
          PrincipalArn: source.principalArn,
          SAMLAssertion: assertion,
          DurationSeconds: source.durationSeconds,
        }),
      );
      return stsIdentity(out.Credentials, source.roleArn);
    } catch (err) {
      throw new BaseCredentialsFailure(err, {
        source: 'saml',
        roleArn: source.roleArn,
        secrets: assertion ? [assertion] : [],
      });
    }
  });
}
