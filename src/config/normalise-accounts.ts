import type { PipelineConfigParsed } from './schema.js';
import type { AccountsConfig } from './types.js';

/** `accounts` with defaults filled and every tag value a list, so selection reads one shape. */
export function normaliseAccounts(parsed: PipelineConfigParsed['accounts']): AccountsConfig {
  const { source, ids, include, exclude, states } = parsed;
  const filters = { ...(include === undefined ? {} : { include }), exclude, states };
  if (source === 'list') return { source, ids: ids ?? [], ...filters };
  return {
    source,
    ...(parsed.organizationalUnits === undefined ? {} : { organizationalUnits: parsed.organizationalUnits }),
    excludeOrganizationalUnits: parsed.excludeOrganizationalUnits,
    ...(parsed.tags === undefined
      ? {}
      : {
          tags: Object.fromEntries(
            Object.entries(parsed.tags).map(([k, v]) => [k, typeof v === 'string' ? [v] : v]),
          ),
        }),
    ...filters,
  };
}
