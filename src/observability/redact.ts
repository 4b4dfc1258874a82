/**
 * Secret scrubbing for everything the CLI prints. Two nets: fields whose name says they carry a secret
 * are replaced wherever they sit in a log object, and known secret values (from the environment and
 * the config) are cut out of any text, because AWS and SDK messages sometimes echo them.
 */

export const REDACTED = '[redacted]';

// Names matched case-insensitively, ignoring "-" and "_": secretAccessKey, SessionToken, x-amz-security-token,
// ExternalId, TokenCode, SAMLAssertion, WebIdentityToken, Authorization, password, ...
const SECRET_KEY =
  /secret|token|password|passwd|externalid|assertion|authorization|credential|privatekey|apikey|signature|cookie/i;
// Fields named like secrets that only ever hold harmless values.
const SAFE_KEYS = new Set(['tokenfile', 'nexttoken', 'clientrequesttoken', 'credentialssource']);

export function isSecretKey(key: string): boolean {
  const k = key.replace(/[-_]/g, '').toLowerCase();
  return !SAFE_KEYS.has(k) && SECRET_KEY.test(k);
}

const knownSecrets = new Set<string>();

/** Values that must never be printed. Shorter than 6 characters they would mangle ordinary text, so
 * they are left to the field-name redaction. */
export function registerSecrets(...values: (string | undefined)[]): void {
  for (const v of values) if (v !== undefined && v.length >= 6) knownSecrets.add(v);
}

/** The environment variables that hold credentials when they are set. */
export function registerEnvSecrets(env: NodeJS.ProcessEnv = process.env): void {
  registerSecrets(
    env.AWS_SECRET_ACCESS_KEY,
    env.AWS_SESSION_TOKEN,
    env.AWS_SECURITY_TOKEN,
    env.AWS_CONTAINER_AUTHORIZATION_TOKEN,
    env.PUSHGATEWAY_PASSWORD,
  );
}

// The userinfo of a URL (`scheme://user:password@host`), up to the last `@` before the path, query,
// fragment, whitespace or a quote (so a URL inside JSON text or a sentence ends where it should).
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#"'`<>\\]+@/gi;

/** `text` with every URL's credentials (`scheme://[redacted]@host`), whatever their length or source. */
export function redactUrlCredentials(text: string): string {
  return text.includes('@') ? text.replace(URL_USERINFO, `$1${REDACTED}@`) : text;
}

/** `text` with known secret values and every URL's credentials cut out. */
export function scrubText(text: string): string {
  let out = text;
  for (const s of knownSecrets) if (out.includes(s)) out = out.split(s).join(REDACTED);
  return redactUrlCredentials(out);
}

/** A copy of `value` with secret-named fields replaced and known secret values cut out of strings. */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  if (value instanceof Error) return redactValue(errorObject(value), depth);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] =
      isSecretKey(k) && v !== undefined && v !== null && typeof v !== 'boolean'
        ? REDACTED
        : redactValue(v, depth + 1);
  }
  return out;
}

function errorObject(err: Error): Record<string, unknown> {
  const json = (err as { toJSON?: () => unknown }).toJSON?.();
  const base =
    json && typeof json === 'object'
      ? (json as Record<string, unknown>)
      : Object.fromEntries(Object.entries(err));
  return { type: err.name, message: err.message, ...base, ...(err.cause ? { cause: err.cause } : {}) };
}

/** A copy with known secret values cut out of every string (field names are left alone: a manifest's schema is fixed). */
export function scrubStrings<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return scrubText(value) as T;
  if (value === null || typeof value !== 'object' || depth > 16) return value;
  if (Array.isArray(value)) return value.map((v: unknown) => scrubStrings(v, depth + 1)) as T;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubStrings(v, depth + 1)])) as T;
}
