/**
 * Templates in an override's settings (`workgroup: '{{tags.athena-workgroup | primary}}'`): the value
 * comes from the account, per account. Unlike SQL templates the result is a name or a location, not a
 * quoted literal, so only the account's own facts are allowed, and a missing one is an error unless the
 * marker declares a default after `|`.
 */

export interface SettingMarker {
  /** As written, e.g. `{{ tags.wg | primary }}`. */
  text: string;
  /** `accountId`, `accountName` or `tags.KEY`. */
  name: string;
  /** After `|`, used when the account has no such value. */
  fallback?: string;
}

/** What a setting's markers are filled from. */
export interface SettingValues {
  accountId: string;
  accountName?: string;
  tags?: Record<string, string>;
}

const MARKER = /\{\{([^{}]*)\}\}/g;
const NAMES = 'accountId, accountName, tags.KEY';

export function settingMarkers(template: string): SettingMarker[] {
  return [...template.matchAll(MARKER)].map((m) => {
    const body = m[1]!;
    const bar = body.indexOf('|');
    const name = (bar < 0 ? body : body.slice(0, bar)).trim();
    return bar < 0 ? { text: m[0], name } : { text: m[0], name, fallback: body.slice(bar + 1).trim() };
  });
}

function known(name: string): boolean {
  return name === 'accountId' || name === 'accountName' || /^tags\.[^\s|]/.test(name);
}

/** What is wrong with the markers of `template`, or undefined. */
export function settingTemplateProblem(template: string): string | undefined {
  const unknown = settingMarkers(template).filter((m) => !known(m.name));
  if (unknown.length > 0) {
    return `unknown template variable ${unknown.map((m) => m.text).join(', ')} (known here: ${NAMES}, with an optional default after |)`;
  }
  const rest = template.replace(MARKER, '');
  if (rest.includes('{{') || rest.includes('}}')) return 'has an unclosed {{ or a stray }}';
  return undefined;
}

function lookup(name: string, v: SettingValues): string | undefined {
  if (name === 'accountId') return v.accountId;
  if (name === 'accountName') return v.accountName;
  return v.tags?.[name.slice('tags.'.length)];
}

/** `template` filled for one account; `missing` names the first marker without a value or default. */
export function renderSetting(
  template: string,
  v: SettingValues,
): { value: string; missing?: undefined } | { missing: SettingMarker; value?: undefined } {
  let missing: SettingMarker | undefined;
  const value = template.replace(MARKER, (text: string) => {
    const marker = settingMarkers(text)[0]!;
    const found = lookup(marker.name, v);
    if (found !== undefined && found !== '') return found;
    if (marker.fallback !== undefined) return marker.fallback;
    missing ??= marker;
    return '';
  });
  return missing ? { missing } : { value };
}

/** Every way a template can come out for validation: each marker filled, and each with its default. */
export function sampleSettings(template: string): string[] {
  const markers = settingMarkers(template);
  if (markers.length === 0) return [template];
  const sample = (name: string) => (name === 'accountId' ? '123456789012' : 'sample');
  const filled = template.replace(MARKER, (text) => sample(settingMarkers(text)[0]!.name));
  const defaults = template.replace(MARKER, (text) => {
    const m = settingMarkers(text)[0]!;
    return m.fallback ?? sample(m.name);
  });
  return filled === defaults ? [filled] : [filled, defaults];
}

export function usesTags(template: string): boolean {
  return settingMarkers(template).some((m) => m.name.startsWith('tags.'));
}
