/**
 * The placeholders a config's texts may hold, filled in one place. `<accountId>` and `{accountId}`
 * (both spellings are accepted) and `<region>` / `{region}` appear in role ARNs, session names, tags,
 * output and UNLOAD locations; `{runId}` in session names, tags and source identities.
 */
export const ACCOUNT_PLACEHOLDER = /<accountId>|\{accountId\}/g;
export const REGION_PLACEHOLDER = /<region>|\{region\}/g;
export const RUN_ID_PLACEHOLDER = /\{runId\}/g;

export interface PlaceholderValues {
  accountId?: string;
  region?: string;
  runId?: string;
}

/** `text` with each placeholder whose value is given replaced by it; the others are left as written. */
export function fillPlaceholders(text: string, values: PlaceholderValues): string {
  let out = text;
  if (values.accountId !== undefined) out = out.replace(ACCOUNT_PLACEHOLDER, values.accountId);
  if (values.region !== undefined) out = out.replace(REGION_PLACEHOLDER, values.region);
  if (values.runId !== undefined) out = out.replace(RUN_ID_PLACEHOLDER, values.runId);
  return out;
}

export function hasAccountPlaceholder(text: string): boolean {
  return new RegExp(ACCOUNT_PLACEHOLDER.source).test(text);
}
