import { fromIni, fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { CredentialProvider } from '../aws/index.js';
import type { CredentialSource } from '../config/credential-source.js';
import { refreshing, samlProvider, webIdentityProvider } from './federated-credentials.js';

export interface BaseCredentialOptions {
  /** STS region for the web identity and SAML exchanges. */
  region?: string;
  /** Extra STS client options (endpoint, retries, request handler). */
  clientOptions?: Record<string, unknown>;
}

/**
 * The SDK memoizes its chain but treats anything expiring within 5 minutes as expired, so short web
 * identity or container sessions would be fetched again for every request; our margin fits the lifetime.
 */
function sdkChain(provider: CredentialProvider): CredentialProvider {
  return refreshing(() => provider());
}

/**
 * The base credentials every chain starts from. `default` is the SDK chain: environment, AWS_PROFILE,
 * SSO, credential_process, web identity from AWS_WEB_IDENTITY_TOKEN_FILE, ECS/EKS container credentials,
 * IMDS; `profile` reads one named profile of the shared files (SSO sessions and credential_process
 * included, which is the route for Okta/ADFS/Entra helpers). The SDK memoizes both.
 */
export function baseCredentialProvider(
  source: CredentialSource | { profile?: string } = { kind: 'default' },
  opts: BaseCredentialOptions = {},
): CredentialProvider {
  if (!('kind' in source)) {
    return sdkChain(fromNodeProviderChain(source.profile === undefined ? {} : { profile: source.profile }));
  }
  switch (source.kind) {
    case 'default':
      return sdkChain(fromNodeProviderChain());
    case 'profile': {
      // fromIni caches nothing: without this, a credential_process helper would run for every request.
      const fromProfile = fromIni({ profile: source.profile });
      return refreshing(() => fromProfile());
    }
    case 'static': {
      const identity = {
        accessKeyId: source.accessKeyId,
        secretAccessKey: source.secretAccessKey,
        ...(source.sessionToken ? { sessionToken: source.sessionToken } : {}),
      };
      return () => Promise.resolve(identity);
    }
    case 'webIdentity':
      return webIdentityProvider(source, opts);
    case 'saml':
      return samlProvider(source, opts);
  }
}
