import { Readable } from 'node:stream';

/** One AssumeRole the fake STS received, with the access key that signed it. */
export interface AssumeRoleCall {
  callerKey: string;
  roleArn: string;
  sessionName: string;
  durationSeconds: number;
  externalId?: string;
}

interface FakeRequest {
  headers: Record<string, string>;
  body?: unknown;
  hostname?: string;
  port?: number;
}

export interface FakeStsOptions {
  /** Lifetime of issued credentials (default: the requested DurationSeconds). */
  lifetimeSeconds?: number;
  /** Return an AWS error for this call instead of credentials. */
  fail?: (call: AssumeRoleCall) => { status: number; code: string; message: string } | undefined;
  /** Hold every response until this promise settles. */
  gate?: () => Promise<void>;
}

const xml = (s: string) => s.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);

/**
 * An STS stand-in plugged into the real STSClient as its request handler: the SDK still serializes,
 * signs and parses the Query/XML wire format, only the HTTP hop is skipped.
 */
export function fakeSts(opts: FakeStsOptions = {}) {
  const calls: AssumeRoleCall[] = [];
  const hosts: string[] = [];
  let issued = 0;
  let inFlight = 0;
  const stats = { peakInFlight: 0 };
  const requestHandler = {
    async handle(request: FakeRequest) {
      inFlight++;
      stats.peakInFlight = Math.max(stats.peakInFlight, inFlight);
      try {
        return await answer(request);
      } finally {
        inFlight--;
      }
    },
  };
  async function answer(request: FakeRequest) {
    hosts.push(`${request.hostname ?? ''}:${request.port ?? ''}`);
    const body = typeof request.body === 'string' ? request.body : String(request.body);
    const params = new URLSearchParams(body);
    const auth = request.headers.authorization ?? request.headers.Authorization ?? '';
    const call: AssumeRoleCall = {
      callerKey: /Credential=([^/]+)\//.exec(auth)?.[1] ?? '',
      roleArn: params.get('RoleArn') ?? '',
      sessionName: params.get('RoleSessionName') ?? '',
      durationSeconds: Number(params.get('DurationSeconds')),
      ...(params.get('ExternalId') ? { externalId: params.get('ExternalId')! } : {}),
    };
    calls.push(call);
    await opts.gate?.();
    const error = opts.fail?.(call);
    let status = 200;
    let text: string;
    if (error) {
      status = error.status;
      text =
        `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>` +
        `<Code>${error.code}</Code><Message>${xml(error.message)}</Message></Error>` +
        `<RequestId>req-${calls.length}</RequestId></ErrorResponse>`;
    } else {
      issued++;
      const [, account, role] = /^arn:aws:iam::(\d{12}):role\/(.+)$/.exec(call.roleArn) ?? [];
      const lifetime = opts.lifetimeSeconds ?? call.durationSeconds;
      const expiration = new Date(Date.now() + lifetime * 1000).toISOString();
      text =
        `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>` +
        `<AssumedRoleUser><AssumedRoleId>AROA:${call.sessionName}</AssumedRoleId>` +
        `<Arn>arn:aws:sts::${account}:assumed-role/${role}/${call.sessionName}</Arn></AssumedRoleUser>` +
        `<Credentials><AccessKeyId>ASIA${role}${issued}</AccessKeyId><SecretAccessKey>secret${issued}</SecretAccessKey>` +
        `<SessionToken>token${issued}</SessionToken><Expiration>${expiration}</Expiration></Credentials>` +
        `</AssumeRoleResult><ResponseMetadata><RequestId>req-${calls.length}</RequestId></ResponseMetadata>` +
        `</AssumeRoleResponse>`;
    }
    return {
      response: {
        statusCode: status,
        headers: { 'content-type': 'text/xml', 'x-amzn-requestid': `req-${calls.length}` },
        body: Readable.from([Buffer.from(text)]),
      },
    };
  }
  return { calls, hosts, stats, requestHandler };
}
