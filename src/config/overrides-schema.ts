import * as z from 'zod';
import { name as settingName, s3Location, workgroup } from './queries-schema.js';
import { regions } from './region-schema.js';
import { accountId, strict } from './schema-parts.js';
import { sampleSettings, settingMarkers, settingTemplateProblem } from './setting-template.js';

// `overrides:` settings that differ by account: each entry matches accounts (by id, OU subtree or tag)
// and sets what differs, in order (a later entry wins), optionally only for some queries.

const OU_PATH = /^Root(\/[^/]+)*$/;
const VAR_NAME = /^[A-Za-z_]\w*$/;

const ouPath = z.string().regex(OU_PATH, { error: 'expected an OU path from the root, e.g. Root/Prod' });
const tagValues = z.union([z.string(), z.array(z.string()).min(1)], {
  error: 'expected a tag value or a list of accepted values',
});

/**
 * A setting that may hold `{{accountId}}`, `{{accountName}}` or `{{tags.KEY}}` (each with an optional
 * `| default`): its markers are checked, then every way it can come out is checked as `field` would be.
 */
function templated(field: z.ZodType) {
  return z.string().superRefine((value, ctx) => {
    const problem = settingTemplateProblem(value);
    if (problem !== undefined) {
      ctx.addIssue({ code: 'custom', message: problem });
      return;
    }
    for (const sample of sampleSettings(value)) {
      const checked = field.safeParse(sample);
      if (checked.success) continue;
      const why = checked.error.issues[0]?.message ?? 'invalid';
      const as = sample === value ? '' : ` (as "${sample}")`;
      ctx.addIssue({ code: 'custom', message: `${why}${as}` });
      return;
    }
  });
}

const match = strict({
  /** Any of these account ids. */
  accounts: z.array(accountId).min(1).optional(),
  /** Accounts anywhere under any of these OU paths (a whole subtree). */
  ou: z.array(ouPath).min(1).optional(),
  /** Every key must match; a list accepts any of its values. */
  tags: z.record(z.string().min(1), tagValues).optional(),
});

const set = strict({
  workgroup: templated(workgroup).optional(),
  catalog: templated(settingName).optional(),
  database: templated(settingName).optional(),
  outputLocation: templated(s3Location).optional(),
  /** Not templated: the units of a run are known before any account's tags are. */
  regions: regions.optional(),
  /** Merged into (and winning over) `vars:` for the matched accounts. */
  vars: z
    .record(
      z.string().regex(VAR_NAME, { error: 'expected a name of letters, digits and _' }),
      z.union([z.string(), z.number(), z.boolean()]).transform(String).pipe(templated(z.string())),
    )
    .optional(),
}).refine((s) => Object.keys(s).length > 0, {
  error: 'sets nothing: give at least one of workgroup, catalog, database, outputLocation, regions, vars',
});

export const overrideSchema = strict({
  /** Absent: every account (useful with templates). All keys given must match. */
  match: match.optional(),
  /** Only these queries (names); absent: every query. */
  queries: z.array(z.string().min(1)).min(1).optional(),
  set,
});

export const overridesSchema = z.array(overrideSchema).default([]);

type Override = z.output<typeof overrideSchema>;

/** The templates of an override's settings. */
export function overrideTemplates(o: {
  set: { [k: string]: unknown; vars?: Record<string, string> };
}): string[] {
  const texts = ['workgroup', 'catalog', 'database', 'outputLocation'].flatMap((k) => {
    const v = o.set[k];
    return typeof v === 'string' ? [v] : [];
  });
  return [...texts, ...Object.values(o.set.vars ?? {})];
}

/** Rules across fields: queries named must exist; OU, tag and name matches need Organizations. */
export function checkOverrides(
  config: { accounts: { source: string }; queries: { name: string }[]; overrides: Override[] },
  ctx: z.core.$RefinementCtx,
): void {
  const names = new Set(config.queries.map((q) => q.name));
  const list = config.accounts.source === 'list';
  config.overrides.forEach((o, i) => {
    o.queries?.forEach((q, j) => {
      if (names.has(q)) return;
      ctx.addIssue({
        code: 'custom',
        path: ['overrides', i, 'queries', j],
        message: `no query is named "${q}" (queries: ${[...names].join(', ')})`,
      });
    });
    if (!list) return;
    for (const key of ['ou', 'tags'] as const) {
      if (o.match?.[key] === undefined) continue;
      ctx.addIssue({
        code: 'custom',
        path: ['overrides', i, 'match', key],
        message: 'needs Organizations to read: accounts from a list have no OU or tags; match by accounts',
      });
    }
    const undefinedMarker = overrideTemplates(o)
      .flatMap(settingMarkers)
      .find((m) => m.name !== 'accountId' && m.fallback === undefined);
    if (undefinedMarker) {
      ctx.addIssue({
        code: 'custom',
        path: ['overrides', i, 'set'],
        message: `${undefinedMarker.text} has no value for accounts from a list (no tags or names): give a default, e.g. {{${undefinedMarker.name} | value}}`,
      });
    }
  });
}
