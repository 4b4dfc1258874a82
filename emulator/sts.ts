import { ApiError, STS_NS, toXml, type ApiResult } from './protocol.js';
import { checkPermission, deniedMessage } from './iam/check-permission.js';
import { resolveRole, trusts, type IdentityStore, type Principal } from './identity.js';
import type { EmulatorRecord, RecordedAssumeRole } from './record.js';
import type { Scenario } from './scenario.js';
import { assumeRoleWithSaml, assumeRoleWithWebIdentity, FEDERATED_ACTIONS } from './sts-federation.js';
import { checkDuration, checkSessionName, issueSession, sessionTags, validation } from './sts-params.js';

export { FEDERATED_ACTIONS };

function accessDenied(caller: Principal, roleArn: string): ApiError {
  return new ApiError(
    'AccessDenied',
    `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
    403,
  );
}

function wrap(action: string, result: Record<string, unknown>, requestId: string): string {
  return (
    `<${action}Response xmlns="${STS_NS}"><${action}Result>${toXml(result)}</${action}Result>` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`
  );
}

const SOURCE_IDENTITY = /^[\w+=,.@-]{2,64}$/;

/** SerialNumber/TokenCode as STS checks them: format first, then the device and its current code. */
function checkMfa(
  caller: Principal,
  params: Record<string, string>,
  requireMfa: boolean,
  roleArn: string,
): void {
  const { SerialNumber: serial, TokenCode: code } = params;
  if (code !== undefined && !/^\d{6}$/.test(code)) {
    throw validation(
      "1 validation error detected: Value at 'tokenCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\d]* and have length 6",
    );
  }
  if (serial === undefined && code === undefined) {
    if (requireMfa) throw accessDenied(caller, roleArn);
    return;
  }
  if (serial === undefined || code === undefined || caller.mfa?.serialNumber !== serial) {
    throw new ApiError('AccessDenied', 'MultiFactorAuthentication failed, unable to validate MFA code.', 403);
  }
  if (caller.mfa.code !== code) {
    throw new ApiError(
      'AccessDenied',
      'MultiFactorAuthentication failed with invalid MFA one time pass code.',
      403,
    );
  }
}

function assumeRole(
  scenario: Scenario,
  identities: IdentityStore,
  caller: Principal,
  params: Record<string, string>,
  now: number,
  entry: RecordedAssumeRole,
): Record<string, unknown> {
  const roleArn = params.RoleArn ?? '';
  const sessionName = params.RoleSessionName ?? '';
  if (roleArn.length < 20) {
    throw validation(
      `1 validation error detected: Value '${roleArn}' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20`,
    );
  }
  checkSessionName(sessionName);
  const duration = checkDuration(params.DurationSeconds);
  if (params.ExternalId !== undefined && !/^[\w+=,.@:/-]{2,1224}$/.test(params.ExternalId)) {
    throw validation(
      `1 validation error detected: Value '${params.ExternalId}' at 'externalId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]*`,
    );
  }
  const tags = sessionTags(params);
  if (tags) entry.tags = tags;
  const sourceIdentity = params.SourceIdentity;
  if (sourceIdentity !== undefined && !SOURCE_IDENTITY.test(sourceIdentity)) {
    throw validation(
      `1 validation error detected: Value '${sourceIdentity}' at 'sourceIdentity' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]* and have length between 2 and 64`,
    );
  }
  // As in AWS, the caller's own identity policy must allow sts:AssumeRole on the role, besides its trust.
  const wanted = { action: 'sts:AssumeRole', resource: roleArn };
  const decision = checkPermission(caller, wanted);
  if (!decision.allowed) throw new ApiError('AccessDenied', deniedMessage(caller, wanted, decision), 403);
  const found = resolveRole(scenario, roleArn);
  if (!found) throw accessDenied(caller, roleArn);
  const account = scenario.accounts.find((a) => a.id === found.accountId);
  if (account && account.state !== 'ACTIVE') throw accessDenied(caller, roleArn);
  if (found.role.deny.includes(found.accountId)) throw accessDenied(caller, roleArn);
  if (!trusts(found.trust, caller)) throw accessDenied(caller, roleArn);
  // The trust policy's sts:ExternalId condition: present and equal when configured; absent otherwise.
  if (found.role.externalId !== params.ExternalId) throw accessDenied(caller, roleArn);
  checkMfa(caller, params, found.role.requireMfa, roleArn);
  // Once set in a chain, the source identity cannot be changed by a later session.
  if (caller.sourceIdentity !== undefined && sourceIdentity !== undefined) {
    if (caller.sourceIdentity !== sourceIdentity) throw accessDenied(caller, roleArn);
  }
  if (caller.roleArn !== undefined && duration > 3600) {
    throw validation(
      'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
    );
  }
  if (duration > found.role.maxSessionDuration) {
    throw validation('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  }
  return issueSession(scenario, identities, found.role, roleArn, sessionName, duration, now, entry, {
    sourceIdentity: sourceIdentity ?? caller.sourceIdentity,
  });
}

export function handleSts(
  scenario: Scenario,
  identities: IdentityStore,
  record: EmulatorRecord,
  caller: Principal | undefined,
  action: string,
  params: Record<string, string>,
  requestId: string,
  now: number,
): ApiResult {
  if (action === 'GetCallerIdentity' && caller) {
    return {
      xml: wrap(action, { Arn: caller.arn, UserId: caller.userId, Account: caller.accountId }, requestId),
    };
  }
  if (action === 'AssumeRole' || FEDERATED_ACTIONS.has(action)) {
    const entry: RecordedAssumeRole = {
      at: now,
      action,
      callerArn: caller?.arn ?? params.PrincipalArn ?? '',
      roleArn: params.RoleArn ?? '',
      externalId: params.ExternalId,
      sessionName: params.RoleSessionName ?? '',
      durationSeconds: params.DurationSeconds === undefined ? 3600 : Number(params.DurationSeconds),
      ok: false,
      ...(params.SourceIdentity === undefined ? {} : { sourceIdentity: params.SourceIdentity }),
      ...(params.SerialNumber === undefined ? {} : { serialNumber: params.SerialNumber }),
    };
    record.assumeRoles.push(entry);
    try {
      let result: Record<string, unknown>;
      if (action === 'AssumeRoleWithWebIdentity') {
        result = assumeRoleWithWebIdentity(scenario, identities, params, now, entry);
      } else if (action === 'AssumeRoleWithSAML') {
        result = assumeRoleWithSaml(scenario, identities, params, now, entry);
      } else {
        result = assumeRole(scenario, identities, caller!, params, now, entry);
      }
      entry.ok = true;
      return { xml: wrap(action, result, requestId) };
    } catch (err) {
      if (err instanceof ApiError) entry.errorCode = err.code;
      throw err;
    }
  }
  throw new ApiError('InvalidAction', `Could not find operation ${action} for version 2011-06-15`, 400);
}
