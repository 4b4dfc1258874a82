import { accountChainStartsAtMaster } from './account-chain-start.js';
import type { HopParsed } from './auth-schema.js';
import { canonicalPlaceholder } from './canonical-placeholders.js';
import { sourceIsRoleSession } from './credential-source.js';
import { normaliseCredentials } from './normalise-credentials.js';
import { ROLE_CHAINING_MAX_SECONDS, type RoleHop } from './role-hop.js';
import type { PipelineConfigParsed } from './schema.js';
import type { PipelineConfig } from './types.js';
import type { FieldIssue } from './zod-issues.js';

interface HopDefaults {
  sessionName: string;
  durationSeconds: number;
  externalId: string | undefined;
}

/** Both chains with every hop filled from the auth defaults, chained sessions capped (with a warning). */
export function normaliseAuth(
  auth: PipelineConfigParsed['auth'],
  baseDir: string,
  warnings: FieldIssue[],
): PipelineConfig['auth'] {
  const defaults = {
    sessionName: auth.sessionName,
    durationSeconds: auth.durationSeconds,
    externalId: auth.externalId,
  };
  const credentials = normaliseCredentials(auth.credentials, auth.sessionName, baseDir);
  // Web identity and SAML sessions are role sessions: the first hop from them is chained too.
  const baseIsRole = credentials.source !== undefined && sourceIsRoleSession(credentials.source);
  const masterRoleChain = auth.masterRoleChain.map((hop, i) =>
    fillHop(hop, defaults, { chain: 'masterRoleChain', index: i, chained: i > 0 || baseIsRole }, warnings),
  );
  const accountStartsChained =
    accountChainStartsAtMaster({ accountChainFrom: auth.accountChainFrom, masterRoleChain }) || baseIsRole;
  const accountRoleChain = auth.accountRoleChain.map((hop, i) => {
    const filled = fillHop(
      hop,
      defaults,
      { chain: 'accountRoleChain', index: i, chained: i > 0 || accountStartsChained },
      warnings,
    );
    return {
      ...filled,
      arn: canonicalPlaceholder(filled.arn),
      sessionName: canonicalPlaceholder(filled.sessionName),
    };
  });
  return {
    ...(credentials.source ? { credentials: credentials.source } : {}),
    ...(credentials.mfa ? { mfa: credentials.mfa } : {}),
    masterRoleChain,
    accountRoleChain,
    accountChainFrom: auth.accountChainFrom,
    managementAccountChain: auth.managementAccountChain,
  };
}

function fillHop(
  hop: HopParsed,
  defaults: HopDefaults,
  where: { chain: 'masterRoleChain' | 'accountRoleChain'; index: number; chained: boolean },
  warnings: FieldIssue[],
): RoleHop {
  const own = typeof hop === 'string' ? { arn: hop } : hop;
  let durationSeconds = own.durationSeconds ?? defaults.durationSeconds;
  if (where.chained && durationSeconds > ROLE_CHAINING_MAX_SECONDS) {
    const hopName = `auth.${where.chain}.${where.index}`;
    warnings.push({
      path:
        own.durationSeconds === undefined
          ? ['auth', 'durationSeconds']
          : ['auth', where.chain, where.index, 'durationSeconds'],
      message: `${hopName} is assumed with role credentials (role chaining), which AWS limits to ${ROLE_CHAINING_MAX_SECONDS} seconds; using ${ROLE_CHAINING_MAX_SECONDS} instead of ${durationSeconds}`,
    });
    durationSeconds = ROLE_CHAINING_MAX_SECONDS;
  }
  const externalId = own.externalId ?? defaults.externalId;
  return {
    arn: own.arn,
    sessionName: own.sessionName ?? defaults.sessionName,
    durationSeconds,
    ...(externalId === undefined ? {} : { externalId }),
    ...(own.tags === undefined ? {} : { tags: mapValues(own.tags, canonicalPlaceholder) }),
    ...(own.sourceIdentity === undefined ? {} : { sourceIdentity: canonicalPlaceholder(own.sourceIdentity) }),
  };
}

function mapValues(values: Record<string, string>, fn: (v: string) => string): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, fn(v)]));
}
