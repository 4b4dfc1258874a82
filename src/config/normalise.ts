import { provenanceColumns } from './provenance-schema.js';
import { resolve } from 'node:path';
import { sourceIsRoleSession } from './credential-source.js';
import { accountChainStartsAtMaster } from './account-chain-start.js';
import { ACCOUNT_PLACEHOLDER } from './placeholders.js';
import { ROLE_CHAINING_MAX_SECONDS, type RoleHop } from './role-hop.js';
import type { HopParsed } from './auth-schema.js';
import { normaliseCredentials } from './normalise-credentials.js';
import type { PipelineConfigParsed } from './schema.js';
import { normaliseAccounts } from './normalise-accounts.js';
import type { AccountsConfig, AthenaDefaults, PipelineConfig, QueryConfig, SinkConfig } from './types.js';
import type { FieldIssue } from './zod-issues.js';

export interface NormaliseContext {
  region: string;
  baseDir: string;
  configFile?: string;
}

/** Applies defaults, fills every hop, caps chained sessions and makes paths absolute. */
export function normalise(
  parsed: PipelineConfigParsed,
  ctx: NormaliseContext,
): { config: PipelineConfig; warnings: FieldIssue[] } {
  const warnings: FieldIssue[] = [];
  const { auth } = parsed;
  const defaults = {
    sessionName: auth.sessionName,
    durationSeconds: auth.durationSeconds,
    externalId: auth.externalId,
  };
  const credentials = normaliseCredentials(auth.credentials, auth.sessionName, ctx.baseDir);
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

  const athena: AthenaDefaults = withoutUndefined({
    workgroup: parsed.athena.workgroup,
    database: parsed.athena.database,
    catalog: parsed.athena.catalog,
    outputLocation: mapDefined(parsed.athena.outputLocation, canonicalLocation),
    fetch: parsed.athena.fetch,
    unload: withoutUndefined({
      location: mapDefined(parsed.athena.unload?.location, canonicalLocation),
      keep: parsed.athena.unload?.keep ?? false,
    }),
    schema: parsed.athena.schema,
    timeoutSeconds: parsed.athena.timeoutSeconds,
    encryption: encryptionOf(parsed.athena),
    resultReuseMinutes: parsed.athena.resultReuseMinutes,
  });
  const regions = parsed.regions ?? [ctx.region];
  const queries: QueryConfig[] = parsed.queries.map((q) =>
    withoutUndefined({
      name: q.name,
      sql: q.sql,
      workgroup: q.workgroup ?? athena.workgroup,
      database: q.database ?? athena.database,
      catalog: q.catalog ?? athena.catalog,
      outputLocation: mapDefined(q.outputLocation, canonicalLocation) ?? athena.outputLocation,
      regions: q.regions ?? regions,
      fetch: q.fetch ?? athena.fetch,
      unload: withoutUndefined({
        location: mapDefined(q.unload?.location, canonicalLocation) ?? athena.unload.location,
        keep: q.unload?.keep ?? athena.unload.keep,
      }),
      schema: q.schema ?? athena.schema,
      provenance: provenanceColumns(parsed.provenance),
      timeoutSeconds: q.timeoutSeconds ?? athena.timeoutSeconds,
      encryption: encryptionOf(q) ?? athena.encryption,
      resultReuseMinutes: q.resultReuseMinutes ?? athena.resultReuseMinutes,
      accounts: q.accounts,
      parameters: q.parameters,
    }),
  );
  // s3:// destinations are URLs, not paths relative to the config file.
  const sinkPath = (path: string) => (path.startsWith('s3://') ? path : resolve(ctx.baseDir, path));
  const sinks: SinkConfig[] = parsed.sinks.map((sink) =>
    withoutUndefined(
      sink.type === 'parquet'
        ? {
            type: 'parquet' as const,
            path: sinkPath(sink.path),
            compression: sink.compression,
            rowGroupSize: sink.rowGroupSize,
            ifExists: sink.ifExists,
            layout: sink.layout,
            sse: sink.sse,
            kmsKeyId: sink.kmsKeyId,
            bucketKey: sink.bucketKey,
          }
        : {
            type: sink.type,
            path: sinkPath(sink.path),
            ifExists: sink.ifExists,
            layout: sink.layout,
            sse: sink.sse,
            kmsKeyId: sink.kmsKeyId,
            bucketKey: sink.bucketKey,
          },
    ),
  );

  const accounts: AccountsConfig = normaliseAccounts(parsed.accounts);

  const config: PipelineConfig = {
    ...(ctx.configFile === undefined ? {} : { configFile: ctx.configFile }),
    version: 1,
    region: ctx.region,
    regions,
    auth: {
      ...(credentials.source ? { credentials: credentials.source } : {}),
      ...(credentials.mfa ? { mfa: credentials.mfa } : {}),
      masterRoleChain,
      accountRoleChain,
      accountChainFrom: auth.accountChainFrom,
      managementAccountChain: auth.managementAccountChain,
    },
    accounts,
    athena,
    concurrency: { ...parsed.concurrency },
    pricePerTB: parsed.athena.pricePerTB,
    retries: { ...parsed.retries },
    failFast: parsed.failFast,
    vars: { ...parsed.vars },
    queries,
    sinks,
    manifest: resolve(ctx.baseDir, parsed.manifest),
    ...(parsed.schedule ? { schedule: { ...parsed.schedule } } : {}),
    ...(parsed.metrics
      ? {
          metrics: withoutUndefined({
            file: mapDefined(parsed.metrics.file, (f) => resolve(ctx.baseDir, f)),
            pushgateway: parsed.metrics.pushgateway,
            job: parsed.metrics.job,
          }),
        }
      : {}),
  };
  return { config, warnings };
}

interface HopDefaults {
  sessionName: string;
  durationSeconds: number;
  externalId: string | undefined;
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

function canonicalPlaceholder(text: string): string {
  return text.replace(ACCOUNT_PLACEHOLDER, '<accountId>');
}

function mapDefined<T, U>(value: T | undefined, fn: (v: T) => U): U | undefined {
  return value === undefined ? undefined : fn(value);
}

/** Drops keys whose value is undefined, so the config reads the same as JSON. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Output locations may also say `<region>` (or `{region}`). */
function canonicalLocation(text: string): string {
  return canonicalPlaceholder(text).replace(/\{region\}/g, '<region>');
}

function encryptionOf(e: {
  encryption?: 'SSE_S3' | 'SSE_KMS' | 'CSE_KMS';
  kmsKey?: string;
}): AthenaDefaults['encryption'] {
  if (!e.encryption) return undefined;
  return e.kmsKey ? { option: e.encryption, kmsKey: e.kmsKey } : { option: e.encryption };
}
