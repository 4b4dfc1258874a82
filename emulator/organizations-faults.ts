import type { Principal } from './identity.js';
import { ApiError } from './protocol.js';
import type { Scenario } from './scenario.js';

/**
 * The failTagReads knob: an IAM deny on one account's tags, or an account gone since it was listed,
 * each answered with the error and words Organizations gives.
 */
export function failTagRead(
  scenario: Scenario,
  arnPrefix: string,
  caller: Principal,
  resourceId: unknown,
): void {
  const rule = scenario.knobs.failTagReads.find((r) => r.account === resourceId);
  if (rule?.error === 'Removed') {
    throw new ApiError(
      'TargetNotFoundException',
      "We can't find a root, OU, account, or policy with the TargetId that you specified.",
      400,
    );
  }
  if (rule?.error === 'AccessDenied') {
    const resource = `${arnPrefix}:account/${scenario.organization.id}/${rule.account}`;
    throw new ApiError(
      'AccessDeniedException',
      `User: ${caller.arn} is not authorized to perform: organizations:ListTagsForResource on resource: ${resource} with an explicit deny in an identity-based policy`,
      400,
    );
  }
}
