import { ApiError } from './protocol.js';
import { resolveRole, type IdentityStore } from './identity.js';
import type { RecordedAssumeRole } from './record.js';
import type { Scenario } from './scenario.js';
import { checkDuration, checkSessionName, issueSession, validation } from './sts-params.js';

/** STS actions that are not signed: the token or assertion is the proof of identity. */
export const FEDERATED_ACTIONS = new Set(['AssumeRoleWithWebIdentity', 'AssumeRoleWithSAML']);

function federatedRole(scenario: Scenario, roleArn: string, provider: string, action: string) {
  const found = resolveRole(scenario, roleArn);
  if (!found || !found.trust.includes(provider)) {
    throw new ApiError('AccessDenied', `Not authorized to perform sts:${action}`, 403);
  }
  return found;
}

function checkMaxSession(duration: number, max: number): void {
  if (duration > max) {
    throw validation('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  }
}

export function assumeRoleWithWebIdentity(
  scenario: Scenario,
  identities: IdentityStore,
  params: Record<string, string>,
  now: number,
  entry: RecordedAssumeRole,
): Record<string, unknown> {
  const token = params.WebIdentityToken ?? '';
  const sessionName = params.RoleSessionName ?? '';
  checkSessionName(sessionName);
  const duration = checkDuration(params.DurationSeconds);
  const provider = scenario.federation.oidc.find((p) => p.tokens.includes(token));
  if (!provider) {
    throw new ApiError(
      'InvalidIdentityToken',
      "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements",
      400,
    );
  }
  entry.callerArn = provider.provider;
  const found = federatedRole(scenario, params.RoleArn ?? '', provider.provider, 'AssumeRoleWithWebIdentity');
  checkMaxSession(duration, found.role.maxSessionDuration);
  const result = issueSession(
    scenario,
    identities,
    found.role,
    params.RoleArn!,
    sessionName,
    duration,
    now,
    entry,
  );
  return {
    ...result,
    SubjectFromWebIdentityToken: provider.subject,
    Provider: provider.provider,
    Audience: 'sts.amazonaws.com',
  };
}

export function assumeRoleWithSaml(
  scenario: Scenario,
  identities: IdentityStore,
  params: Record<string, string>,
  now: number,
  entry: RecordedAssumeRole,
): Record<string, unknown> {
  const principalArn = params.PrincipalArn ?? '';
  const duration = checkDuration(params.DurationSeconds);
  const provider = scenario.federation.saml.find((p) => p.provider === principalArn);
  if (!provider) {
    throw new ApiError('InvalidIdentityToken', `Specified provider doesn't exist`, 400);
  }
  if (!provider.assertions.includes(params.SAMLAssertion ?? '')) {
    throw new ApiError('InvalidIdentityToken', 'Invalid SAML assertion: signature verification failed', 400);
  }
  const found = federatedRole(scenario, params.RoleArn ?? '', provider.provider, 'AssumeRoleWithSAML');
  // The session is named by the assertion's RoleSessionName attribute: here, the subject.
  entry.sessionName = provider.subject;
  checkMaxSession(duration, found.role.maxSessionDuration);
  const result = issueSession(
    scenario,
    identities,
    found.role,
    params.RoleArn!,
    provider.subject,
    duration,
    now,
    entry,
  );
  return {
    ...result,
    Subject: provider.subject,
    SubjectType: 'persistent',
    Issuer: 'https://idp.example.com/saml',
    Audience: 'https://signin.aws.amazon.com/saml',
    NameQualifier: 'emulator',
  };
}
