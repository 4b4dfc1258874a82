import { resolve } from 'node:path';
import { normaliseAccounts } from './normalise-accounts.js';
import { normaliseAthena } from './normalise-athena.js';
import { normaliseAuth } from './normalise-auth.js';
import { normaliseOverrides } from './normalise-overrides.js';
import { normaliseQueries } from './normalise-queries.js';
import { normaliseSinks } from './normalise-sinks.js';
import { SNS_TOPIC_ARN } from './notify-schema.js';
import type { PipelineConfigParsed } from './schema.js';
import type { MetricsConfig, PipelineConfig } from './types.js';
import { mapDefined, withoutUndefined } from './without-undefined.js';
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
  const auth = normaliseAuth(parsed.auth, ctx.baseDir, warnings);
  const athena = normaliseAthena(parsed.athena);
  const regions = parsed.regions ?? [ctx.region];
  const metrics = parsed.metrics && normaliseMetrics(parsed.metrics, ctx.baseDir);
  const config: PipelineConfig = {
    ...(ctx.configFile === undefined ? {} : { configFile: ctx.configFile }),
    version: 1,
    region: ctx.region,
    regions,
    auth,
    accounts: normaliseAccounts(parsed.accounts),
    athena,
    concurrency: { ...parsed.concurrency },
    pricePerTB: parsed.athena.pricePerTB,
    retries: { ...parsed.retries },
    failFast: parsed.failFast,
    vars: { ...parsed.vars },
    queries: normaliseQueries(parsed, athena, regions),
    overrides: normaliseOverrides(parsed.overrides),
    sinks: normaliseSinks(parsed.sinks, ctx.baseDir),
    manifest: parsed.manifest.startsWith('s3://') ? parsed.manifest : resolve(ctx.baseDir, parsed.manifest),
    ...(parsed.schedule ? { schedule: { ...parsed.schedule } } : {}),
    ...(metrics ? { metrics } : {}),
    notify: parsed.notify.map((t) =>
      t.type === 'sns' ? { ...t, region: SNS_TOPIC_ARN.exec(t.topicArn)![1]! } : { ...t },
    ),
    ...(parsed.iam
      ? {
          iam: {
            dataLocations: parsed.iam.dataLocations ?? [],
            kmsKeys: { data: parsed.iam.kmsKeys?.data ?? [], results: parsed.iam.kmsKeys?.results ?? [] },
          },
        }
      : {}),
  };
  return { config, warnings };
}

function normaliseMetrics(
  metrics: NonNullable<PipelineConfigParsed['metrics']>,
  baseDir: string,
): MetricsConfig {
  return withoutUndefined({
    file: mapDefined(metrics.file, (f) => resolve(baseDir, f)),
    pushgateway: metrics.pushgateway,
    job: metrics.job,
  });
}
