import { canonicalLocation } from './canonical-placeholders.js';
import { parseInstant } from './incremental-schema.js';
import { encryptionOf } from './normalise-athena.js';
import { provenanceColumns } from './provenance-schema.js';
import type { PipelineConfigParsed } from './schema.js';
import type { AthenaDefaults, QueryConfig } from './types.js';
import { mapDefined, withoutUndefined } from './without-undefined.js';

/** Every query with the `athena:` defaults merged in and its regions (its own, else the run's) filled. */
export function normaliseQueries(
  parsed: PipelineConfigParsed,
  athena: AthenaDefaults,
  regions: string[],
): QueryConfig[] {
  return parsed.queries.map((q) =>
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
      incremental: mapDefined(q.incremental, (i) => ({
        column: i.column,
        initial: parseInstant(i.initial)!,
      })),
    }),
  );
}
