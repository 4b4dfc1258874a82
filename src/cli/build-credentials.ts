import type { Logger } from 'pino';
import { baseCredentialProvider, RoleChainResolver } from '../auth-chain/index.js';
import { type CredentialProvider } from '../aws/index.js';
import type { PipelineConfig } from '../config/index.js';
import { mfaSource, processTerminal, type Terminal } from './mfa-code.js';

/**
 * The base credentials (`auth.credentials`) and the resolver every command shares for its chains. Throws
 * ConfigError, before any AWS call, when MFA needs a code that nobody can give.
 */
export function buildCredentials(
  config: PipelineConfig,
  opts: { runId: string; log?: Logger; terminal?: Terminal },
): { base: CredentialProvider; resolver: RoleChainResolver } {
  const mfa = mfaSource(config, opts.terminal ?? processTerminal);
  const source = config.auth.credentials ?? { kind: 'default' as const };
  const log = opts.log;
  const resolver = new RoleChainResolver({
    region: config.region,
    base: baseCredentialProvider(source, { region: config.region }),
    baseSource: source.kind,
    runId: opts.runId,
    ...(mfa ? { mfa } : {}),
    ...(log
      ? {
          onAssumeRole: (e) => {
            log.debug(
              { chain: e.chain, accountId: e.accountId, hop: e.hopIndex, role: e.roleArn, ok: e.ok },
              'assume role',
            );
          },
        }
      : {}),
  });
  // Callers that use the base credentials directly (no master hops) get failures that name the way in.
  return { base: resolver.provider([], { chain: 'master' }), resolver };
}
