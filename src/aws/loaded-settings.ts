/**
 * Client settings the SDK loads for each new client from the environment and the shared config files,
 * each load of an unset one failing through a thrown error. A run creates one client per account, so
 * they are loaded once per service and region (by a template client that never sends) and handed to
 * every client as the template's memoized providers: same values, same precedence, one load.
 */
const LOADED = [
  'useFipsEndpoint',
  'useDualstackEndpoint',
  'userAgentAppId',
  'authSchemePreference',
  'defaultsMode',
  'sigv4aSigningRegionSet',
  'requestChecksumCalculation',
  'responseChecksumValidation',
  'useArnRegion',
  'disableS3ExpressSessionAuth',
] as const;

const cache = new Map<string, Record<string, unknown>>();

/** The loaded settings of `template()`'s client, made once per `key` (e.g. `athena/eu-west-1`). */
export function loadedSettings(key: string, template: () => { config: object }): Record<string, unknown> {
  let settings = cache.get(key);
  if (!settings) {
    const config = template().config as Record<string, unknown>;
    settings = {};
    for (const name of LOADED) {
      if (typeof config[name] === 'function') settings[name] = config[name];
    }
    cache.set(key, settings);
  }
  return settings;
}
