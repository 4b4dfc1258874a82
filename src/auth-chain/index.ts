export { baseCredentialProvider, type BaseCredentialOptions } from './base-credentials.js';
export {
  RoleChainResolver,
  type AssumeRoleEvent,
  type RoleChainResolverOptions,
} from './role-chain-resolver.js';
export { refreshMarginMs } from './refresh.js';
