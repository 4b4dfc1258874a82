import pLimit from 'p-limit';
import type { CredentialProvider } from '../aws/index.js';
import { memoizeAsync } from '../scheduler/index.js';

/**
 * Each account's credential provider, made once per account. STS pressure: an account's first
 * credentials wait for one of `accounts` setup slots (concurrency.accounts chains assumed at once);
 * later calls go straight to the chain, which caches and refreshes them.
 */
export function setupGatedCredentials(
  accounts: number,
  providerFor: (accountId: string) => CredentialProvider,
): (accountId: string) => Promise<CredentialProvider> {
  const setup = pLimit(accounts);
  return memoizeAsync((accountId: string) => {
    const inner = providerFor(accountId);
    let ready = false;
    const gated: CredentialProvider = async (...args: Parameters<CredentialProvider>) => {
      if (ready) return inner(...args);
      const creds = await setup(() => inner(...args));
      ready = true;
      return creds;
    };
    return Promise.resolve(gated);
  });
}
