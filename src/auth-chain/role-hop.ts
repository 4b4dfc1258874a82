/** One AssumeRole step. Config normalisation fills the defaults, so every field a hop needs is here. */
export interface RoleHop {
  arn: string;
  sessionName: string;
  durationSeconds: number;
  externalId?: string;
}

/** Both spellings the config accepts for the member-account placeholder. */
export const ACCOUNT_PLACEHOLDER = /<accountId>|\{accountId\}/g;

export const ROLE_ARN =
  /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b):iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;

/** STS RoleSessionName rule. */
export const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

export const ACCOUNT_ID = /^\d{12}$/;

/** AWS refuses longer sessions for any AssumeRole made with role credentials. */
export const ROLE_CHAINING_MAX_SECONDS = 3600;

export function hasAccountPlaceholder(text: string): boolean {
  return new RegExp(ACCOUNT_PLACEHOLDER.source).test(text);
}

export function substituteAccountId(text: string, accountId: string): string {
  return text.replace(ACCOUNT_PLACEHOLDER, accountId);
}

/** The concrete chain for one member account. */
export function renderRoleChain(template: readonly RoleHop[], accountId: string): RoleHop[] {
  return template.map((hop) => ({
    ...hop,
    arn: substituteAccountId(hop.arn, accountId),
    sessionName: substituteAccountId(hop.sessionName, accountId),
  }));
}
