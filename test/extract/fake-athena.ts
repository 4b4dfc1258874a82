import { AthenaClient, type ColumnInfo, type Row } from '@aws-sdk/client-athena';
import { Readable } from 'node:stream';

/** What a fake Athena action answers: a JSON body, or an AWS JSON error. */
export type FakeReply =
  { body: unknown } | { error: string; message: string; status?: number; extra?: object };
export type FakeHandler = (action: string, input: Record<string, unknown>) => FakeReply | Promise<FakeReply>;

export interface FakeAthena {
  client: AthenaClient;
  calls: { action: string; input: Record<string, unknown> }[];
}

/**
 * A real AthenaClient whose HTTP layer is replaced by `handler`, so the SDK's own serializers and error
 * deserializers run (awsJson1_1: X-Amz-Target header, `__type` errors).
 */
export function fakeAthena(handler: FakeHandler): FakeAthena {
  const calls: FakeAthena['calls'] = [];
  const requestHandler = {
    async handle(request: { headers: Record<string, string>; body?: unknown }) {
      const action = (request.headers['x-amz-target'] ?? '').replace('AmazonAthena.', '');
      const input = JSON.parse(bodyText(request.body)) as Record<string, unknown>;
      calls.push({ action, input });
      const reply = await handler(action, input);
      const [status, payload] =
        'error' in reply
          ? [reply.status ?? 400, { __type: reply.error, message: reply.message, ...reply.extra }]
          : [200, reply.body];
      return {
        response: {
          statusCode: status,
          headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'req-1' },
          body: Readable.from([Buffer.from(JSON.stringify(payload))]),
        },
      };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs() {
      return {};
    },
  };
  const client = new AthenaClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
    maxAttempts: 1,
    requestHandler,
  });
  return { client, calls };
}

/** A ResultSet row; `null` is a Datum without VarCharValue (SQL NULL). */
export function row(...values: (string | null)[]): Row {
  return { Data: values.map((v) => (v === null ? {} : { VarCharValue: v })) };
}

export function col(name: string, type: string, precision?: number, scale?: number): ColumnInfo {
  return {
    Name: name,
    Label: name,
    Type: type,
    Nullable: 'UNKNOWN',
    ...(precision === undefined ? {} : { Precision: precision }),
    ...(scale === undefined ? {} : { Scale: scale }),
  };
}

/** Serves GetQueryResults from a header + data rows, split into pages of `pageSize`. */
export function resultPages(columns: ColumnInfo[], rows: Row[], pageSize: number): FakeHandler {
  const all = [row(...columns.map((c) => c.Label ?? c.Name ?? '')), ...rows];
  return (action, input) => {
    if (action !== 'GetQueryResults')
      return { error: 'InvalidRequestException', message: `unexpected ${action}` };
    const start = typeof input.NextToken === 'string' ? Number(input.NextToken.slice(4)) : 0;
    const end = Math.min(start + pageSize, all.length);
    return {
      body: {
        ResultSet: { Rows: all.slice(start, end), ResultSetMetadata: { ColumnInfo: columns } },
        ...(end < all.length ? { NextToken: `tok-${end}` } : {}),
        UpdateCount: 0,
      },
    };
  };
}

function bodyText(body: unknown): string {
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body).toString('utf8');
  if (body === undefined || body === null) return '{}';
  throw new Error(`fake Athena: unexpected request body ${typeof body}`);
}
