/**
 * Whether the account chain is assumed from the master chain's last role rather than from the base
 * credentials: `accountChainFrom: master` with a master chain to start from (with none, the base
 * credentials are all there is). Normalisation (role-chaining duration cap), the run and iam-policy
 * all decide it here.
 */
export function accountChainStartsAtMaster(auth: {
  accountChainFrom: 'base' | 'master';
  masterRoleChain: readonly unknown[];
}): boolean {
  return auth.accountChainFrom === 'master' && auth.masterRoleChain.length > 0;
}
