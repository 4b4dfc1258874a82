import type { IncomingMessage } from 'node:http';
import type { IdentityStore, Principal, StoredCredential } from './identity.js';
import { ApiError, type Service } from './protocol.js';
import type { RecordedCall } from './record.js';
import { parseAuthorization, verifySignature } from './sigv4.js';

type AuthFailure = 'missing' | 'unknown' | 'token' | 'signature' | 'expired';

/** Each protocol names the same authentication failure differently; the SDKs map these codes. */
export const AUTH_ERRORS: Record<Service, Record<AuthFailure, ApiError>> = {
  sts: queryAuthErrors(),
  athena: jsonAuthErrors(),
  sns: queryAuthErrors(),
  organizations: jsonAuthErrors(),
  glue: jsonAuthErrors(),
  s3: {
    missing: new ApiError('AccessDenied', 'Access Denied', 403),
    unknown: new ApiError(
      'InvalidAccessKeyId',
      'The AWS Access Key Id you provided does not exist in our records.',
      403,
    ),
    token: new ApiError('InvalidToken', 'The provided token is malformed or otherwise invalid.', 400),
    signature: new ApiError(
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      403,
    ),
    expired: new ApiError('ExpiredToken', 'The provided token has expired.', 400),
  },
};

/** The awsQuery services (STS, SNS) name authentication failures alike. */
function queryAuthErrors(): Record<AuthFailure, ApiError> {
  return {
    missing: new ApiError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403),
    unknown: new ApiError(
      'InvalidClientTokenId',
      'The security token included in the request is invalid.',
      403,
    ),
    token: new ApiError(
      'InvalidClientTokenId',
      'The security token included in the request is invalid.',
      403,
    ),
    signature: new ApiError(
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      403,
    ),
    expired: new ApiError('ExpiredToken', 'The security token included in the request is expired', 400),
  };
}

function jsonAuthErrors(): Record<AuthFailure, ApiError> {
  return {
    missing: new ApiError('MissingAuthenticationTokenException', 'Missing Authentication Token', 403),
    unknown: new ApiError(
      'UnrecognizedClientException',
      'The security token included in the request is invalid.',
      400,
    ),
    token: new ApiError(
      'UnrecognizedClientException',
      'The security token included in the request is invalid.',
      400,
    ),
    signature: new ApiError(
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      403,
    ),
    expired: new ApiError(
      'ExpiredTokenException',
      'The security token included in the request is expired',
      400,
    ),
  };
}

/**
 * The caller's credential, from a SigV4 signature recomputed with the stored secret; records the key,
 * region and caller on `call` as far as it gets, so a refused request is recorded too.
 */
export function authenticate(
  identities: IdentityStore,
  service: Service,
  req: IncomingMessage,
  signed: { rawPath: string; rawQuery: string; body: Buffer },
  call: RecordedCall,
): StoredCredential {
  const claim = parseAuthorization(req.headers.authorization);
  const errors = AUTH_ERRORS[service];
  if (!claim) throw errors.missing;
  call.accessKeyId = claim.accessKeyId;
  call.region = claim.region;
  const cred = identities.get(claim.accessKeyId);
  if (!cred) throw errors.unknown;
  const token = req.headers['x-amz-security-token'];
  if (cred.sessionToken !== token) throw errors.token;
  const valid = verifySignature(claim, cred.secretAccessKey, {
    method: req.method ?? 'GET',
    rawPath: signed.rawPath,
    rawQuery: signed.rawQuery,
    headers: req.headers,
    body: signed.body,
  });
  if (!valid) throw errors.signature;
  if (cred.expiresAt !== undefined && cred.expiresAt <= Date.now()) throw errors.expired;
  call.callerArn = cred.principal.arn;
  call.accountId = cred.principal.accountId;
  return cred;
}

/** A role's `permissions` allow-list: other services refuse its sessions (STS always answers). */
export function authorize(caller: Principal | undefined, service: Service, action: string): void {
  if (service === 'sts' || caller?.permissions === undefined || caller.permissions.includes(service)) return;
  throw new ApiError(
    service === 's3' ? 'AccessDenied' : 'AccessDeniedException',
    `User: ${caller.arn} is not authorized to perform: ${service}:${action} because no identity-based policy allows the ${service}:${action} action`,
    service === 's3' ? 403 : 400,
  );
}
