import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { AUTH_ERRORS, authenticate, authorize } from './auth.js';
import type { IdentityStore, Principal } from './identity.js';
import { ApiError, newRequestId, send, sendError, type ApiResult } from './protocol.js';
import type { EmulatorRecord, RecordedCall } from './record.js';
import { parseAction, readRequest, type ParsedAction, type RawRequest } from './request.js';
import type { S3Store } from './s3.js';
import { S3Faults } from './s3-faults.js';
import type { Scenario } from './scenario.js';
import { handleSns } from './sns.js';
import { FEDERATED_ACTIONS, handleSts } from './sts.js';
import { throttler } from './throttle.js';

/** A JSON-protocol service: an action name and the parsed body in, a JSON result out. */
export type JsonHandler = (
  caller: Principal,
  action: string,
  input: Record<string, unknown>,
  /** The request's SigV4 region, for the ARNs of the resources it names. */
  ctx: { region?: string },
) => Promise<unknown>;

export interface ServerDeps {
  scenario: Scenario;
  identities: IdentityStore;
  record: EmulatorRecord;
  s3: S3Store;
  athena: JsonHandler;
  organizations: JsonHandler;
  glue: JsonHandler;
}

/** One authenticated request on its way to the service that answers it. */
interface Routed {
  req: IncomingMessage;
  raw: RawRequest;
  parsed: ParsedAction;
  caller: Principal | undefined;
  call: RecordedCall;
  requestId: string;
}

/** Hands the request to its service: STS, SNS, S3 (after the failS3 knob) or a JSON service. */
async function route(deps: ServerDeps, s3Faults: S3Faults, r: Routed): Promise<ApiResult> {
  const { service } = r.raw;
  const { action, params, s3Target } = r.parsed;
  if (service === 'sts') {
    const form = params as Record<string, string>;
    return handleSts(
      deps.scenario,
      deps.identities,
      deps.record,
      r.caller,
      action,
      form,
      r.requestId,
      Date.now(),
      r.call.region,
    );
  }
  if (service === 'sns') {
    if (!r.caller) throw AUTH_ERRORS.sns.missing;
    return handleSns(deps.scenario, deps.record, r.caller, action, params as Record<string, string>, {
      requestId: r.requestId,
      ...(r.call.region === undefined ? {} : { region: r.call.region }),
    });
  }
  if (s3Target) {
    const fault = s3Faults.check(action, s3Target.key, r.req.headers.range);
    return deps.s3.handle(action, {
      method: r.raw.method,
      ...s3Target,
      ...(fault ? { truncate: true } : {}),
      headers: r.req.headers,
      body: r.raw.body,
      ...(r.call.region === undefined ? {} : { region: r.call.region }),
      ...(r.call.accountId === undefined ? {} : { accountId: r.call.accountId }),
    });
  }
  const handler = service === 'athena' ? deps.athena : service === 'glue' ? deps.glue : deps.organizations;
  if (!r.caller) throw AUTH_ERRORS[service].missing;
  const ctx = r.call.region === undefined ? {} : { region: r.call.region };
  return { json: await handler(r.caller, action, params, ctx) };
}

export function startServer(deps: ServerDeps, port: number): Promise<Server> {
  const throttle = throttler(deps.scenario.knobs.throttle);
  const s3Faults = new S3Faults(deps.scenario.knobs.failS3);

  /** Every request is recorded in `record.calls`, answered or refused, with what it got. */
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = newRequestId();
    const raw = await readRequest(req);
    const { service } = raw;
    const call: RecordedCall = { at: Date.now(), service, action: 'Unknown', status: 0, params: {} };
    deps.record.calls.push(call);
    try {
      const parsed = parseAction(req, raw);
      const { action } = parsed;
      call.action = action;
      call.params = parsed.params;
      // AssumeRoleWithWebIdentity/SAML are unsigned: the token or assertion is the proof of identity.
      const unsigned = service === 'sts' && FEDERATED_ACTIONS.has(action);
      const caller = unsigned ? undefined : authenticate(deps.identities, service, req, raw, call).principal;
      throttle(service, action);
      authorize(caller, service, action);
      const result = await route(deps, s3Faults, { req, raw, parsed, caller, call, requestId });
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
      sendError(res, service, requestId, apiErr, raw.method);
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
