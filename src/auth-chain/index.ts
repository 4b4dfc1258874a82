export {
  baseCredentialProvider,
  type BaseCredentialOptions,
  type CredentialProvider,
} from './base-credentials.js';
export { sourceIsRoleSession, type CredentialSource, type MfaSource } from './credential-source.js';
export {
  awsClientConfig,
  organizationsRegion,
  type AwsClientConfig,
  type AwsService,
} from './aws-client-config.js';
export {
  RoleChainResolver,
  type AssumeRoleEvent,
  type RoleChainResolverOptions,
} from './role-chain-resolver.js';
export { refreshMarginMs } from './refresh.js';
export * from './role-hop.js';
export { configureHttp, httpStats, type HttpSettings, type HttpStats } from './http-handler.js';
export { loadedSettings } from './loaded-settings.js';
