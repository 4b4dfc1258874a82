import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentityProvider } from '@smithy/types';

export type CredentialProvider = AwsCredentialIdentityProvider;

/**
 * The SDK default chain: environment, profile (`opts.profile` or AWS_PROFILE), SSO, credential_process,
 * web identity, ECS/EKS container credentials, IMDS. The SDK memoizes it, so calling it often is cheap.
 */
export function baseCredentialProvider(opts: { profile?: string } = {}): CredentialProvider {
  return fromNodeProviderChain(opts.profile === undefined ? {} : { profile: opts.profile });
}
