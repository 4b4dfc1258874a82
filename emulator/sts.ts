import { ApiError, STS_NS, toXml, type ApiResult } from './protocol.js';
import { resolveRole, trusts, type IdentityStore, type Principal } from './identity.js';
import type { EmulatorRecord } from './record.js';
import type { Scenario } from './scenario.js';

const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

function accessDenied(caller: Principal, roleArn: string): ApiError {
  return new ApiError(
    'AccessDenied',
    `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
    403,
  );
}

function validation(message: string): ApiError {
  return new ApiError('ValidationError', message, 400);
}

function wrap(action: string, result: Record<string, unknown>, requestId: string): string {
  return (
    `<${action}Response xmlns="${STS_NS}"><${action}Result>${toXml(result)}</${action}Result>` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`
  );
}

function assumeRole(
  scenario: Scenario,
  identities: IdentityStore,
  caller: Principal,
  params: Record<string, string>,
  now: number,
): Record<string, unknown> {
  const roleArn = params.RoleArn ?? '';
  const sessionName = params.RoleSessionName ?? '';
  if (roleArn.length < 20) {
    throw validation(
      `1 validation error detected: Value '${roleArn}' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20`,
    );
  }
  if (!SESSION_NAME.test(sessionName)) {
    throw validation(
      `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]* and have length between 2 and 64`,
    );
  }
  const duration = params.DurationSeconds === undefined ? 3600 : Number(params.DurationSeconds);
  if (!Number.isInteger(duration) || duration < 900 || duration > 43200) {
    throw validation(
      `1 validation error detected: Value '${params.DurationSeconds}' at 'durationSeconds' failed to satisfy constraint: Member must have value ${duration < 900 ? 'greater than or equal to 900' : 'less than or equal to 43200'}`,
    );
  }
  if (params.ExternalId !== undefined && !/^[\w+=,.@:/-]{2,1224}$/.test(params.ExternalId)) {
    throw validation(
      `1 validation error detected: Value '${params.ExternalId}' at 'externalId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]*`,
    );
  }
  const found = resolveRole(scenario, roleArn);
  if (!found) throw accessDenied(caller, roleArn);
  const account = scenario.accounts.find((a) => a.id === found.accountId);
  if (account && account.state !== 'ACTIVE') throw accessDenied(caller, roleArn);
  if (found.role.deny.includes(found.accountId)) throw accessDenied(caller, roleArn);
  if (!trusts(found.trust, caller)) throw accessDenied(caller, roleArn);
  // The trust policy's sts:ExternalId condition: present and equal when configured; absent otherwise.
  if (found.role.externalId !== params.ExternalId) throw accessDenied(caller, roleArn);
  if (caller.roleArn !== undefined && duration > 3600) {
    throw validation(
      'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
    );
  }
  if (duration > found.role.maxSessionDuration) {
    throw validation('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  }
  const lifetime =
    scenario.knobs.credentialLifetimeSeconds > 0 ? scenario.knobs.credentialLifetimeSeconds : duration;
  const cred = identities.issueRoleSession(found.role, roleArn, sessionName, now + lifetime * 1000);
  return {
    AssumedRoleUser: { Arn: cred.principal.arn, AssumedRoleId: cred.principal.userId },
    Credentials: {
      AccessKeyId: cred.accessKeyId,
      SecretAccessKey: cred.secretAccessKey,
      SessionToken: cred.sessionToken,
      Expiration: new Date(cred.expiresAt!).toISOString(),
    },
    PackedPolicySize: 6,
  };
}

export function handleSts(
  scenario: Scenario,
  identities: IdentityStore,
  record: EmulatorRecord,
  caller: Principal,
  action: string,
  params: Record<string, string>,
  requestId: string,
  now: number,
): ApiResult {
  if (action === 'GetCallerIdentity') {
    return {
      xml: wrap(action, { Arn: caller.arn, UserId: caller.userId, Account: caller.accountId }, requestId),
    };
  }
  if (action === 'AssumeRole') {
    const entry = {
      at: now,
      callerArn: caller.arn,
      roleArn: params.RoleArn ?? '',
      externalId: params.ExternalId,
      sessionName: params.RoleSessionName ?? '',
      durationSeconds: params.DurationSeconds === undefined ? 3600 : Number(params.DurationSeconds),
      ok: false,
      errorCode: undefined as string | undefined,
    };
    record.assumeRoles.push(entry);
    try {
      const result = assumeRole(scenario, identities, caller, params, now);
      entry.ok = true;
      return { xml: wrap(action, result, requestId) };
    } catch (err) {
      if (err instanceof ApiError) entry.errorCode = err.code;
      throw err;
    }
  }
  throw new ApiError('InvalidAction', `Could not find operation ${action} for version 2011-06-15`, 400);
}
