import type { AwsCredentialIdentity } from '@smithy/types';

export interface TimedCredentials {
  identity: AwsCredentialIdentity;
  /** When they were obtained (ms since epoch): with `expiration`, gives their lifetime. */
  obtainedAt: number;
}

const MAX_MARGIN_MS = 5 * 60_000;
const MARGIN_FRACTION = 0.2;

/**
 * How long before expiry to refresh: min(5 min, 20 % of the lifetime). The SDK's fixed 5 minutes would
 * make credentials of 5 minutes or less look expired on arrival and cost one AssumeRole per request.
 */
export function refreshMarginMs(lifetimeMs: number): number {
  return Math.min(MAX_MARGIN_MS, Math.max(0, lifetimeMs) * MARGIN_FRACTION);
}

export function credentialsNeedRefresh(c: TimedCredentials, now: number): boolean {
  const expiration = c.identity.expiration?.getTime();
  if (expiration === undefined) return false;
  return now >= expiration - refreshMarginMs(expiration - c.obtainedAt);
}
