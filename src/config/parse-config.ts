import { dirname, resolve } from 'node:path';
import type { ConfigIssue } from '../errors.js';
import { dotted, interpolateEnv } from './interpolate.js';
import { literalSecretIssues } from './literal-secrets.js';
import { genericErrorMap } from './messages.js';
import { normalise } from './normalise.js';
import { partitionIssues } from './partition-rules.js';
import { REGION, pipelineConfigSchema } from './schema.js';
import { parseSource, type SourceLocator } from './source-locator.js';
import type { ParseConfigOptions, ParseConfigResult } from './types.js';
import { fieldIssues, type FieldIssue } from './zod-issues.js';

/**
 * Validates and normalises an already-parsed config object. Pure apart from reading `process.env`
 * when `env` is not given. Every problem is reported, each with its dotted path and, when `source`
 * is given, its line and column.
 */
export function parseConfig(raw: unknown, opts: ParseConfigOptions = {}): ParseConfigResult {
  const locator = opts.source === undefined ? undefined : parseSource(opts.source).locator;
  return validateConfig(raw, opts, locator);
}

/** `parseConfig` for a caller that already holds the parsed document. */
export function validateConfig(
  raw: unknown,
  opts: ParseConfigOptions,
  locator?: SourceLocator,
): ParseConfigResult {
  const env = opts.env ?? process.env;
  const file = opts.file === undefined ? undefined : resolve(opts.file);
  const toIssue = (issue: FieldIssue): ConfigIssue => {
    const at = locator?.locate(issue.path, { key: issue.atKey ?? false });
    return {
      path: dotted(issue.path),
      message: issue.message,
      ...(file === undefined ? {} : { file }),
      ...(at === undefined ? {} : { line: at.line, column: at.column }),
    };
  };

  const interpolated = interpolateEnv(raw, env);
  const problems: FieldIssue[] = [...interpolated.issues, ...literalSecretIssues(raw)];
  // A field whose variable is unset has no value worth checking further.
  const broken = new Set(interpolated.issues.map((i) => dotted(i.path)));
  const isBroken = (path: string) =>
    [...broken].some((b) => path === b || path.startsWith(`${b}.`) || (b === '' && path !== ''));

  const parsed = pipelineConfigSchema.safeParse(interpolated.value, { error: genericErrorMap });
  if (!parsed.success) {
    for (const issue of fieldIssues(parsed.error.issues)) {
      const path = dotted(issue.path);
      if (!issue.atKey && isBroken(path)) continue;
      const variables = interpolated.origins.get(path);
      // The value may be a secret: name where it came from instead of showing it.
      const from = variables ? ` (value from ${variables.map((v) => `\${${v}}`).join(', ')})` : '';
      problems.push({ ...issue, message: `${issue.message}${from}` });
    }
  }

  const region = resolveRegion(interpolated.value, env);
  const isMapping =
    typeof interpolated.value === 'object' &&
    interpolated.value !== null &&
    !Array.isArray(interpolated.value);
  if (region.problem && isMapping && !isBroken('region')) problems.push(region.problem);

  if (problems.length > 0 || !parsed.success || region.region === undefined) {
    return { ok: false, issues: sortByPosition(problems.map(toIssue)) };
  }
  const baseDir = resolve(opts.baseDir ?? (file === undefined ? process.cwd() : dirname(file)));
  const { config, warnings } = normalise(parsed.data, {
    region: region.region,
    baseDir,
    ...(file === undefined ? {} : { configFile: file }),
  });
  const partitions = partitionIssues(config);
  if (partitions.length > 0) return { ok: false, issues: sortByPosition(partitions.map(toIssue)) };
  return { ok: true, config, warnings: warnings.map((w) => formatConfigIssue(toIssue(w))) };
}

/** The config's region, else the SDK's environment variables; a written but invalid one is the schema's to report. */
function resolveRegion(
  value: unknown,
  env: Record<string, string | undefined>,
): { region?: string; problem?: FieldIssue } {
  const written = typeof value === 'object' && value !== null && 'region' in value ? value.region : undefined;
  if (written !== undefined)
    return typeof written === 'string' && REGION.test(written) ? { region: written } : {};
  for (const name of ['AWS_REGION', 'AWS_DEFAULT_REGION']) {
    const fromEnv = env[name];
    if (fromEnv === undefined || fromEnv === '') continue;
    if (!REGION.test(fromEnv)) {
      return {
        problem: {
          path: ['region'],
          message: `not set, and ${name} ("${fromEnv}") is not a region name like eu-west-1`,
        },
      };
    }
    return { region: fromEnv };
  }
  return {
    problem: {
      path: ['region'],
      message: 'no region: set "region:" in the config, or AWS_REGION in the environment',
    },
  };
}

function sortByPosition(issues: ConfigIssue[]): ConfigIssue[] {
  const key = (i: ConfigIssue) => (i.line ?? Number.MAX_SAFE_INTEGER) * 1e6 + (i.column ?? 0);
  return issues
    .map((issue, order) => ({ issue, order }))
    .sort((a, b) => key(a.issue) - key(b.issue) || a.order - b.order)
    .map(({ issue }) => issue);
}

/** `file:line:column: path: message`, the same shape ConfigError uses. */
export function formatConfigIssue(issue: ConfigIssue): string {
  const where = issue.file
    ? `${issue.file}${issue.line ? `:${issue.line}${issue.column ? `:${issue.column}` : ''}` : ''}: `
    : '';
  return `${where}${issue.path ? `${issue.path}: ` : ''}${issue.message}`;
}
