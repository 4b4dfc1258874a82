export {
  type AccessCheck,
  type AccessSummary,
  accessSummary,
  checkAccess,
  type CheckResult,
  formatAccessCheck,
  formatAccessSummary,
  formatStopped,
  type WorkgroupFacts,
} from './check-access.js';
export { iamPolicies, type IamPolicies, type RolePolicies } from './iam-policy/iam-policies.js';
export { cloudFormationTemplates } from './iam-policy/cloudformation-template.js';
export { terraformConfigs } from './iam-policy/terraform-config.js';
export type { PolicyDocument, PolicyStatement } from './iam-policy/policy-document.js';
export type { CatalogFacts } from './iam-policy/catalog-facts.js';
export { checkPolicies, policyProblems } from './iam-policy/check-policies.js';
export { discoverCatalog } from './iam-policy/discover-catalog.js';
export { POLICY_LIMITS, policySize } from './iam-policy/policy-size.js';
export { accountMatches, querySettingsFor, type AccountSettings } from './account-settings.js';
export { buildPlan, formatPlan, type Plan } from './plan.js';
export { resolveAccounts } from './resolve-accounts.js';
export { makeRunId, validateRunId } from './run-id.js';
export {
  itemsOfShard,
  resolveShard,
  type Shard,
  shardDir,
  shardLabel,
  shardManifestPath,
  shardMetricsPath,
  shardStagingRoot,
  stagingSink,
  sharedRunId,
  unitsOfShard,
} from './shard.js';
export { planUnits, type UnitSpec } from './units.js';
export {
  readQueryStates,
  type UnitWindow,
  unitWindow,
  unitWindows,
  type WindowOptions,
  type WindowSource,
  windowKey,
} from './unit-windows.js';
export { formatWindows, type PlannedWindow, plannedWindows } from './plan-windows.js';
export { unitVariables } from './unit-variables.js';
