import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { IdentityStore, type Principal, type StoredCredential } from './identity.js';
import { ApiError, newRequestId, send, sendError, type ApiResult, type Service } from './protocol.js';
import type { EmulatorRecord, RecordedCall } from './record.js';
import { s3Action, type S3Store } from './s3.js';
import { S3Faults } from './s3-faults.js';
import { encryptionParams } from './s3-sse.js';
import type { Scenario } from './scenario.js';
import { parseAuthorization, verifySignature } from './sigv4.js';
import { FEDERATED_ACTIONS, handleSts } from './sts.js';

/** A JSON-protocol service: an action name and the parsed body in, a JSON result out. */
export type JsonHandler = (
  caller: Principal,
  action: string,
  input: Record<string, unknown>,
) => Promise<unknown>;

export interface ServerDeps {
  scenario: Scenario;
  identities: IdentityStore;
  record: EmulatorRecord;
  s3: S3Store;
  athena: JsonHandler;
  organizations: JsonHandler;
}

const TARGETS: Record<string, Service> = {
  AmazonAthena: 'athena',
  AWSOrganizationsV20161128: 'organizations',
};

const AUTH_ERRORS: Record<
  Service,
  Record<'missing' | 'unknown' | 'token' | 'signature' | 'expired', ApiError>
> = {
  sts: {
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
  },
  athena: jsonAuthErrors(),
  organizations: jsonAuthErrors(),
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

function jsonAuthErrors(): Record<'missing' | 'unknown' | 'token' | 'signature' | 'expired', ApiError> {
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

const THROTTLE: Record<Service, ApiError> = {
  sts: new ApiError('Throttling', 'Rate exceeded', 400),
  organizations: new ApiError(
    'TooManyRequestsException',
    "AWS Organizations can't complete your request because the request rate is too high. Try again later.",
    400,
    { Type: 'client' },
  ),
  athena: new ApiError('ThrottlingException', 'Rate exceeded', 400),
  s3: new ApiError('SlowDown', 'Please reduce your request rate.', 503),
};

/** Deterministic so that a seeded throttling scenario misbehaves the same way every run. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

function authenticate(
  deps: ServerDeps,
  service: Service,
  req: IncomingMessage,
  rawPath: string,
  rawQuery: string,
  body: Buffer,
  call: RecordedCall,
): StoredCredential {
  const claim = parseAuthorization(req.headers.authorization);
  const errors = AUTH_ERRORS[service];
  if (!claim) throw errors.missing;
  call.accessKeyId = claim.accessKeyId;
  call.region = claim.region;
  const cred = deps.identities.get(claim.accessKeyId);
  if (!cred) throw errors.unknown;
  const token = req.headers['x-amz-security-token'];
  if (cred.sessionToken !== token) throw errors.token;
  const signed = verifySignature(claim, cred.secretAccessKey, {
    method: req.method ?? 'GET',
    rawPath,
    rawQuery,
    headers: req.headers,
    body,
  });
  if (!signed) throw errors.signature;
  if (cred.expiresAt !== undefined && cred.expiresAt <= Date.now()) throw errors.expired;
  call.callerArn = cred.principal.arn;
  call.accountId = cred.principal.accountId;
  return cred;
}

function detectService(req: IncomingMessage): Service {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') {
    const service = TARGETS[target.split('.')[0]!];
    if (service) return service;
  }
  const claimed = parseAuthorization(req.headers.authorization)?.service;
  if (claimed === 'sts' || claimed === 'athena' || claimed === 'organizations' || claimed === 's3')
    return claimed;
  const type = req.headers['content-type'] ?? '';
  return req.method === 'POST' && type.startsWith('application/x-www-form-urlencoded') ? 'sts' : 's3';
}

export function startServer(deps: ServerDeps, port: number): Promise<Server> {
  const random = mulberry32(deps.scenario.knobs.throttle.seed);
  const s3Faults = new S3Faults(deps.scenario.knobs.failS3);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = newRequestId();
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    const rawQuery = q < 0 ? '' : url.slice(q + 1);
    const body = await readBody(req);
    const service = detectService(req);
    const call: RecordedCall = { at: Date.now(), service, action: 'Unknown', status: 0, params: {} };
    deps.record.calls.push(call);
    try {
      let action: string;
      let params: Record<string, unknown>;
      let s3Target: { bucket: string; key: string; query: URLSearchParams } | undefined;
      if (service === 'sts') {
        const form = Object.fromEntries(new URLSearchParams(body.toString('utf8')));
        action = form.Action ?? 'Unknown';
        delete form.Action;
        delete form.Version;
        params = form;
      } else if (service === 's3') {
        const segments = rawPath.split('/');
        const bucket = decodeURIComponent(segments[1] ?? '');
        const key = segments.slice(2).map(decodeURIComponent).join('/');
        const query = new URLSearchParams(rawQuery);
        action = s3Action(method, key, query);
        params = {
          Bucket: bucket,
          Key: key === '' ? undefined : key,
          ...Object.fromEntries(query),
          ...encryptionParams(req.headers),
        };
        s3Target = { bucket, key, query };
      } else {
        action = String(req.headers['x-amz-target']).split('.')[1] ?? 'Unknown';
        try {
          params = body.length === 0 ? {} : (JSON.parse(body.toString('utf8')) as Record<string, unknown>);
        } catch {
          throw new ApiError('SerializationException', 'Request body is not valid JSON', 400);
        }
      }
      call.action = action;
      call.params = params;
      // AssumeRoleWithWebIdentity/SAML are unsigned: the token or assertion is the proof of identity.
      const unsigned = service === 'sts' && FEDERATED_ACTIONS.has(action);
      const caller = unsigned
        ? undefined
        : authenticate(deps, service, req, rawPath, rawQuery, body, call).principal;
      const { rate, actions } = deps.scenario.knobs.throttle;
      if (rate > 0 && (actions.length === 0 || actions.includes(action)) && random() < rate)
        throw THROTTLE[service];
      if (service !== 'sts' && caller?.permissions !== undefined && !caller.permissions.includes(service)) {
        throw new ApiError(
          service === 's3' ? 'AccessDenied' : 'AccessDeniedException',
          `User: ${caller.arn} is not authorized to perform: ${service}:${action} because no identity-based policy allows the ${service}:${action} action`,
          service === 's3' ? 403 : 400,
        );
      }
      let result: ApiResult;
      if (service === 'sts') {
        result = handleSts(
          deps.scenario,
          deps.identities,
          deps.record,
          caller,
          action,
          params as Record<string, string>,
          requestId,
          Date.now(),
        );
      } else if (s3Target) {
        s3Faults.check(action, s3Target.key);
        result = deps.s3.handle(action, {
          method,
          ...s3Target,
          headers: req.headers,
          body,
          ...(call.region === undefined ? {} : { region: call.region }),
          ...(call.accountId === undefined ? {} : { accountId: call.accountId }),
        });
      } else {
        const handler = service === 'athena' ? deps.athena : deps.organizations;
        if (!caller) throw AUTH_ERRORS[service].missing;
        result = { json: await handler(caller, action, params) };
      }
      const latency = deps.scenario.knobs.actionLatencyMs[action];
      if (latency) await sleep(latency);
      call.status = result.status ?? 200;
      call.answeredAt = Date.now();
      send(res, service, requestId, result);
    } catch (err) {
      const apiErr =
        err instanceof ApiError
          ? err
          : new ApiError('InternalFailure', `emulator bug: ${(err as Error).message}`, 500);
      call.status = apiErr.status;
      call.errorCode = apiErr.code;
      call.answeredAt = Date.now();
      sendError(res, service, requestId, apiErr, method);
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      res.destroy(err instanceof Error ? err : new Error(String(err)));
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

export const serverPort = (server: Server): number => (server.address() as AddressInfo).port;
