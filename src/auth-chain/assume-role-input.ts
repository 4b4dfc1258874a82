import type { AssumeRoleCommandInput, AssumeRoleCommandOutput, Credentials } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';
import { ROLE_CHAINING_MAX_SECONDS, type RoleHop } from '../config/role-hop.js';

/** The AssumeRole request for `hop` (placeholders already filled); MFA only when a code was given. */
export function assumeRoleInput(
  hop: RoleHop,
  durationSeconds: number,
  mfa?: { serialNumber: string; tokenCode: string | undefined },
): AssumeRoleCommandInput {
  return {
    RoleArn: hop.arn,
    RoleSessionName: hop.sessionName,
    DurationSeconds: durationSeconds,
    ...(hop.externalId ? { ExternalId: hop.externalId } : {}),
    ...(hop.tags ? { Tags: Object.entries(hop.tags).map(([Key, Value]) => ({ Key, Value })) } : {}),
    ...(hop.sourceIdentity ? { SourceIdentity: hop.sourceIdentity } : {}),
    ...(mfa && mfa.tokenCode !== undefined
      ? { SerialNumber: mfa.serialNumber, TokenCode: mfa.tokenCode }
      : {}),
  };
}

/**
 * The session length to ask for: any AssumeRole made with role (session) credentials is role chaining,
 * which AWS caps at 1 hour.
 */
export function sessionDuration(hop: RoleHop, hopIndex: number, caller: AwsCredentialIdentity): number {
  const chained = hopIndex > 0 || caller.sessionToken !== undefined;
  return chained ? Math.min(hop.durationSeconds, ROLE_CHAINING_MAX_SECONDS) : hop.durationSeconds;
}

/** The session's credentials; STS answering without them is a failure of the hop. */
export function sessionIdentity(out: AssumeRoleCommandOutput, roleArn: string): AwsCredentialIdentity {
  return stsIdentity(out.Credentials, roleArn);
}

/** Credentials as STS returns them (AssumeRole, …WithWebIdentity, …WithSAML), as the SDK takes them. */
export function stsIdentity(c: Credentials | undefined, roleArn: string): AwsCredentialIdentity {
  if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`STS returned no credentials for ${roleArn}`);
  return {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
    ...(c.Expiration ? { expiration: c.Expiration } : {}),
  };
}
