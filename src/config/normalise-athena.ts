import { canonicalLocation } from './canonical-placeholders.js';
import type { PipelineConfigParsed } from './schema.js';
import type { AthenaDefaults } from './types.js';
import { mapDefined, withoutUndefined } from './without-undefined.js';

/** `athena:`, every query's defaults; an unload location is kept only when set. */
export function normaliseAthena(athena: PipelineConfigParsed['athena']): AthenaDefaults {
  return withoutUndefined({
    workgroup: athena.workgroup,
    database: athena.database,
    catalog: athena.catalog,
    outputLocation: mapDefined(athena.outputLocation, canonicalLocation),
    fetch: athena.fetch,
    unload: withoutUndefined({
      location: mapDefined(athena.unload?.location, canonicalLocation),
      keep: athena.unload?.keep ?? false,
    }),
    schema: athena.schema,
    timeoutSeconds: athena.timeoutSeconds,
    encryption: encryptionOf(athena),
    resultReuseMinutes: athena.resultReuseMinutes,
  });
}

/** The config says `encryption` and `kmsKey` side by side; the query takes them as one setting. */
export function encryptionOf(e: {
  encryption?: 'SSE_S3' | 'SSE_KMS' | 'CSE_KMS';
  kmsKey?: string;
}): AthenaDefaults['encryption'] {
  if (!e.encryption) return undefined;
  return e.kmsKey ? { option: e.encryption, kmsKey: e.kmsKey } : { option: e.encryption };
}
