import { canonicalLocation } from './canonical-placeholders.js';
import type { PipelineConfigParsed } from './schema.js';
import { usesTags } from './setting-template.js';
import type { AccountOverride } from './types.js';
import { mapDefined, withoutUndefined } from './without-undefined.js';

/** `overrides:` with tag values as lists and output locations in the one placeholder spelling. */
export function normaliseOverrides(parsed: PipelineConfigParsed['overrides']): AccountOverride[] {
  return parsed.map((o, i) =>
    withoutUndefined({
      field: `overrides.${i}`,
      match: withoutUndefined({
        accounts: o.match?.accounts,
        ou: o.match?.ou,
        tags: mapDefined(o.match?.tags, (tags) =>
          Object.fromEntries(Object.entries(tags).map(([k, v]) => [k, typeof v === 'string' ? [v] : v])),
        ),
      }),
      queries: o.queries,
      set: withoutUndefined({
        ...o.set,
        outputLocation: mapDefined(o.set.outputLocation, canonicalLocation),
      }),
    }),
  );
}

/** The texts of an override that are templates filled per account. */
export function overrideTemplateTexts(o: AccountOverride): string[] {
  const { workgroup, catalog, database, outputLocation, vars } = o.set;
  return [workgroup, catalog, database, outputLocation, ...Object.values(vars ?? {})].filter(
    (t): t is string => t !== undefined,
  );
}

/** Whether an override needs each account's tags: to match, or to fill a template. */
export function overrideNeedsTags(o: AccountOverride): boolean {
  return o.match.tags !== undefined || overrideTemplateTexts(o).some(usesTags);
}
