import {
  overrideTemplateTexts,
  type AccountOverride,
  type PipelineConfig,
  type QueryConfig,
} from '../../config/index.js';

// A member-account role is one template for every account, so its policy covers every setting any
// account may get from `overrides:`: each field's possible values, combined.

const MARKER = /\{\{([^{}]*)\}\}/g;

/** A templated setting as a policy resource: `{{accountId}}` stays the account, anything else is `*`. */
function asResource(template: string): string {
  return template.replace(MARKER, (_m, body: string) =>
    body.split('|')[0]!.trim() === 'accountId' ? '<accountId>' : '*',
  );
}

const applies = (o: AccountOverride, q: QueryConfig) => !o.queries || o.queries.includes(q.name);

function values<T>(base: T, set: (T | undefined)[]): T[] {
  const all = [base, ...set.filter((v): v is T => v !== undefined)];
  return all.filter((v, i) => all.findIndex((w) => JSON.stringify(w) === JSON.stringify(v)) === i);
}

/** Each of `queries` once per combination of the settings the overrides can give it. */
export function policyQueries(config: PipelineConfig, queries: QueryConfig[]): QueryConfig[] {
  return queries.flatMap((q) => {
    const own = config.overrides.filter((o) => applies(o, q)).map((o) => o.set);
    if (own.length === 0) return [q];
    const text = (v: string | undefined) => (v === undefined ? undefined : asResource(v));
    const out: QueryConfig[] = [];
    for (const regions of values(
      q.regions,
      own.map((s) => s.regions),
    ))
      for (const workgroup of values(
        q.workgroup,
        own.map((s) => text(s.workgroup)),
      ))
        for (const catalog of values(
          q.catalog,
          own.map((s) => text(s.catalog)),
        ))
          for (const database of values(
            q.database,
            own.map((s) => text(s.database)),
          ))
            for (const outputLocation of values(
              q.outputLocation,
              own.map((s) => text(s.outputLocation)),
            )) {
              const variant: QueryConfig = { ...q, regions, workgroup };
              if (catalog !== undefined) variant.catalog = catalog;
              if (database !== undefined) variant.database = database;
              if (outputLocation !== undefined) variant.outputLocation = outputLocation;
              out.push(variant);
            }
    return out;
  });
}

/** Where an override's template leaves the policy a wildcard, said next to the role. */
export function overrideWildcardNotes(config: PipelineConfig): string[] {
  return config.overrides.flatMap((o) =>
    overrideTemplateTexts(o)
      .filter((t) => asResource(t).includes('*') && !Object.values(o.set.vars ?? {}).includes(t))
      .map((t) => `${o.field} takes "${t}" from each account: the policy uses * in its place`),
  );
}
