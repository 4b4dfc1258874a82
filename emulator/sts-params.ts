import { ApiError } from './protocol.js';
import type { IdentityStore } from './identity.js';
import type { RecordedAssumeRole } from './record.js';
import type { Scenario, ScenarioRole } from './scenario.js';

const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
/** STS's tag key rule; values may be empty. */
const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;
const MAX_TAGS = 50;

export function validation(message: string): ApiError {
  return new ApiError('ValidationError', message, 400);
}

export function checkSessionName(sessionName: string): void {
  if (!SESSION_NAME.test(sessionName)) {
    throw validation(
      `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]* and have length between 2 and 64`,
    );
  }
}

export function checkDuration(raw: string | undefined): number {
  const duration = raw === undefined ? 3600 : Number(raw);
  if (!Number.isInteger(duration) || duration < 900 || duration > 43200) {
    throw validation(
      `1 validation error detected: Value '${raw}' at 'durationSeconds' failed to satisfy constraint: Member must have value ${duration < 900 ? 'greater than or equal to 900' : 'less than or equal to 43200'}`,
    );
  }
  return duration;
}

/** `Tags.member.N.Key` / `.Value` of the Query protocol, checked as STS checks them. */
export function sessionTags(params: Record<string, string>): Record<string, string> | undefined {
  const tags: Record<string, string> = {};
  let count = 0;
  for (let n = 1; params[`Tags.member.${n}.Key`] !== undefined; n++) {
    const key = params[`Tags.member.${n}.Key`]!;
    const value = params[`Tags.member.${n}.Value`] ?? '';
    if (!TAG_KEY.test(key) || !TAG_VALUE.test(value)) {
      throw validation(
        `1 validation error detected: Value at 'tags.${n}.member' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+`,
      );
    }
    if (Object.keys(tags).some((k) => k.toLowerCase() === key.toLowerCase())) {
      throw validation('Duplicate tag keys found. Please note that Tag keys are case insensitive.');
    }
    tags[key] = value;
    count = n;
  }
  if (count > MAX_TAGS) {
    throw validation(
      `1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to ${MAX_TAGS}`,
    );
  }
  return count === 0 ? undefined : tags;
}

/** Mints the session and the Credentials/AssumedRoleUser members every AssumeRole* answer carries. */
export function issueSession(
  scenario: Scenario,
  identities: IdentityStore,
  role: ScenarioRole,
  roleArn: string,
  sessionName: string,
  duration: number,
  now: number,
  entry: RecordedAssumeRole,
  extra: { sourceIdentity?: string | undefined } = {},
): Record<string, unknown> {
  const lifetime =
    scenario.knobs.credentialLifetimeSeconds > 0 ? scenario.knobs.credentialLifetimeSeconds : duration;
  const cred = identities.issueRoleSession(
    role,
    roleArn,
    sessionName,
    now + lifetime * 1000,
    extra.sourceIdentity,
  );
  entry.expiresAt = cred.expiresAt;
  return {
    AssumedRoleUser: { Arn: cred.principal.arn, AssumedRoleId: cred.principal.userId },
    Credentials: {
      AccessKeyId: cred.accessKeyId,
      SecretAccessKey: cred.secretAccessKey,
      SessionToken: cred.sessionToken,
      Expiration: new Date(cred.expiresAt!).toISOString(),
    },
    PackedPolicySize: 6,
    ...(extra.sourceIdentity === undefined ? {} : { SourceIdentity: extra.sourceIdentity }),
  };
}
