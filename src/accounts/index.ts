export type { Account, SkippedAccount } from './account.js';
export {
  describeOrganization,
  listOrganizationAccounts,
  type OrganizationInfo,
  type OrganizationsSender,
} from './list-organization-accounts.js';
export {
  accountsFromList,
  selectAccounts,
  type AccountSelection,
  type SelectAccountsOptions,
} from './select-accounts.js';
