export { type AccessCheck, checkAccess, formatAccessCheck, formatStopped } from './check-access.js';
export { iamPolicies } from './iam-policy/iam-policies.js';
export type { PolicyDocument, PolicyStatement } from './iam-policy/policy-document.js';
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
