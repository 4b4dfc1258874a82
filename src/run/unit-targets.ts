import { AthenaClient } from '@aws-sdk/client-athena';
import { awsClientConfig, type CredentialProvider, loadedSettings } from '../aws/index.js';
import type { PipelineConfig } from '../config/index.js';
import { DurationEstimator, type QueryGate, StatusPoller } from '../extract/index.js';
import type { UnitSpec } from '../plan/index.js';
import { AimdLimit, memoizeAsync, type Semaphore } from '../scheduler/index.js';
import { querySlots } from './query-slots.js';
import { setupGatedCredentials } from './setup-gated-credentials.js';

/** What the units of one (account, region) share. */
export interface UnitTarget {
  athena: AthenaClient;
  /** Batched status checks. */
  poller: StatusPoller;
  /** The account's adaptive limit in front of the run's `inAthena`. */
  gate: QueryGate;
}

export interface UnitTargets {
  /** The (account, region)'s target, made for its first unit. */
  get(accountId: string, region: string): Promise<UnitTarget>;
  /** One unit of `key` (`targetKey`) settled: the last one lets go of the target. */
  settled(key: string): void;
}

export const targetKey = (accountId: string, region: string): string => `${accountId}/${region}`;

/**
 * The targets of the run's units. A target whose units have all settled lets go of its client, poller
 * and gate: memory stays proportional to the targets in flight, not to the organization.
 */
export function unitTargets(
  config: PipelineConfig,
  units: readonly UnitSpec[],
  providerFor: (accountId: string) => CredentialProvider,
  inAthena: Semaphore,
): UnitTargets {
  const credentials = setupGatedCredentials(config.concurrency.accounts, providerFor);
  // Per region: a query's executions in one region learn their duration from each other.
  const durations = memoizeAsync((_region: string) => Promise.resolve(new DurationEstimator()));
  const targets = memoizeAsync(async (_key: string, accountId: string, region: string) => {
    const athena = new AthenaClient({
      ...awsClientConfig('athena', { region, credentials: await credentials(accountId) }),
      ...loadedSettings(`athena/${region}`, () => new AthenaClient(awsClientConfig('athena', { region }))),
    });
    return {
      athena,
      poller: new StatusPoller(athena, undefined, await durations(region)),
      gate: querySlots(new AimdLimit({ max: config.concurrency.perAccount }), inAthena),
    };
  });
  const unitsLeft = new Map<string, number>();
  for (const u of units) {
    const key = targetKey(u.account.id, u.region);
    unitsLeft.set(key, (unitsLeft.get(key) ?? 0) + 1);
  }
  return {
    get: (accountId, region) => targets(targetKey(accountId, region), accountId, region),
    settled(key) {
      const left = (unitsLeft.get(key) ?? 1) - 1;
      unitsLeft.set(key, left);
      if (left === 0) targets.delete(key);
    },
  };
}
