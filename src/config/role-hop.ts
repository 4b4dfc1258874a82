import { fillPlaceholders } from './placeholders.js';

/** One AssumeRole step. Config normalisation fills the defaults, so every field a hop needs is here. */
export interface RoleHop {
  arn: string;
  sessionName: string;
  durationSeconds: number;
  externalId?: string;
  /** Session tags (sts:TagSession must be allowed by the role's trust policy). */
  tags?: Record<string, string>;
  /** Sticks to every session assumed from this one (sts:SetSourceIdentity). */
  sourceIdentity?: string;
}

/** The length of a run id (`20260102T030405Z-a1b2c3`), for validating names before a run has one. */
export const SAMPLE_RUN_ID = '20260102T030405Z-a1b2c3';

export function substituteRunId(text: string, runId: string): string {
  return fillPlaceholders(text, { runId });
}

/** STS rule for SourceIdentity. */
export const SOURCE_IDENTITY = /^[\w+=,.@-]{2,64}$/;

/** STS rules for session tags. */
export const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
export const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;
export const MAX_SESSION_TAGS = 50;

export const ROLE_ARN =
  /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b):iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;

/** STS RoleSessionName rule. */
export const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

export const ACCOUNT_ID = /^\d{12}$/;

/** AWS refuses longer sessions for any AssumeRole made with role credentials. */
export const ROLE_CHAINING_MAX_SECONDS = 3600;

export function substituteAccountId(text: string, accountId: string): string {
  return fillPlaceholders(text, { accountId });
}

/** Applies `fn` to every text of a hop a placeholder may appear in, except the ARN. */
export function mapHopText(hop: RoleHop, fn: (text: string) => string): RoleHop {
  return {
    ...hop,
    sessionName: fn(hop.sessionName),
    ...(hop.tags ? { tags: Object.fromEntries(Object.entries(hop.tags).map(([k, v]) => [k, fn(v)])) } : {}),
    ...(hop.sourceIdentity === undefined ? {} : { sourceIdentity: fn(hop.sourceIdentity) }),
  };
}

/** The concrete chain for one member account. */
export function renderRoleChain(template: readonly RoleHop[], accountId: string): RoleHop[] {
  return template.map((hop) => ({
    ...mapHopText(hop, (text) => substituteAccountId(text, accountId)),
    arn: substituteAccountId(hop.arn, accountId),
  }));
}
