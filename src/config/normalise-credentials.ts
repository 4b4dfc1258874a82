import { resolve } from 'node:path';
import type { CredentialSource } from './credential-source.js';
import { SESSION_NAME } from './role-hop.js';
import { DEFAULT_DURATION_SECONDS, DEFAULT_SESSION_NAME } from './auth-schema.js';
import type { CredentialsParsed } from './credentials-schema.js';

/** `auth.credentials` as the auth chain takes it: one source, file paths absolute, MFA apart. */
export function normaliseCredentials(
  parsed: CredentialsParsed | undefined,
  globalSessionName: string,
  baseDir: string,
): { source?: CredentialSource; mfa?: { serialNumber: string; tokenCode?: string } } {
  if (parsed === undefined) return {};
  const mfa = parsed.mfa
    ? {
        serialNumber: parsed.mfa.serialNumber,
        ...(parsed.mfa.tokenCode === undefined ? {} : { tokenCode: parsed.mfa.tokenCode }),
      }
    : undefined;
  const withMfa = (source: CredentialSource | undefined) => ({
    ...(source ? { source } : {}),
    ...(mfa ? { mfa } : {}),
  });
  if (parsed.profile !== undefined) return withMfa({ kind: 'profile', profile: parsed.profile });
  if (parsed.accessKeyId !== undefined && parsed.secretAccessKey !== undefined) {
    return withMfa({
      kind: 'static',
      accessKeyId: parsed.accessKeyId,
      secretAccessKey: parsed.secretAccessKey,
      ...(parsed.sessionToken === undefined ? {} : { sessionToken: parsed.sessionToken }),
    });
  }
  if (parsed.webIdentity) {
    const w = parsed.webIdentity;
    // The global session name may hold placeholders meant for the account chain; a base session has none.
    const fallback = SESSION_NAME.test(globalSessionName) ? globalSessionName : DEFAULT_SESSION_NAME;
    return {
      source: {
        kind: 'webIdentity',
        roleArn: w.roleArn,
        tokenFile: resolve(baseDir, w.tokenFile),
        sessionName: w.sessionName ?? fallback,
        durationSeconds: w.durationSeconds ?? DEFAULT_DURATION_SECONDS,
      },
    };
  }
  if (parsed.saml) {
    const s = parsed.saml;
    return {
      source: {
        kind: 'saml',
        roleArn: s.roleArn,
        principalArn: s.principalArn,
        ...(s.assertionFile === undefined ? {} : { assertionFile: resolve(baseDir, s.assertionFile) }),
        ...(s.assertionCommand === undefined ? {} : { assertionCommand: s.assertionCommand }),
        durationSeconds: s.durationSeconds ?? DEFAULT_DURATION_SECONDS,
      },
    };
  }
  return withMfa(undefined);
}
