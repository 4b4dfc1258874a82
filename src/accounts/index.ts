export type { Account, SkippedAccount } from './account.js';
export {
  describeOrganization,
  listOrganizationAccounts,
  type OrganizationInfo,
  type OrganizationsCallOptions,
} from './list-organization-accounts.js';
export {
  callOrganizations,
  type OrganizationsRetry,
  type OrganizationsSender,
} from './organizations-call.js';
export {
  walkOrganizationTree,
  type OrganizationalUnit,
  type OrganizationTree,
  type OrganizationTreeOptions,
} from './organization-tree.js';
export { AccountTagReader, tagMismatch } from './account-tags.js';
export {
  discoverOrganizationAccounts,
  type AccountScope,
  type DiscoveredAccounts,
} from './discover-accounts.js';
export {
  accountsFromList,
  selectAccounts,
  type AccountSelection,
  type SelectAccountsOptions,
} from './select-accounts.js';
