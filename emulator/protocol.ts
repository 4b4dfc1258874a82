import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';

export type Service = 'sts' | 'organizations' | 'athena' | 's3' | 'sns' | 'glue';

/** The awsQuery services (form in, XML out) and the namespace of their answers. */
export const QUERY_NAMESPACES: Partial<Record<Service, string>> = {
  sts: 'https://sts.amazonaws.com/doc/2011-06-15/',
  sns: 'http://sns.amazonaws.com/doc/2010-03-31/',
};

/** An error a service answers with; each protocol renders it the way the SDK's deserializer expects. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    /** Extra members of the error shape (e.g. Athena's `Reason`). */
    readonly extra: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** A handler's answer; `headers` and raw `body` are used by S3, the rest produce `json` or `xml`. */
export interface ApiResult {
  status?: number;
  json?: unknown;
  xml?: string;
  body?: Buffer | string;
  headers?: Record<string, string>;
}

export const xmlEscape = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!,
  );

/** `{ A: 'x', B: { C: 1 } }` → `<A>x</A><B><C>1</C></B>`; arrays repeat the element; undefined is skipped. */
export function toXml(obj: Record<string, unknown>): string {
  let out = '';
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined) continue;
    const items = Array.isArray(v) ? (v as unknown[]) : [v];
    for (const item of items) {
      if (item !== null && typeof item === 'object')
        out += `<${k}>${toXml(item as Record<string, unknown>)}</${k}>`;
      else out += `<${k}>${xmlEscape(String(item))}</${k}>`;
    }
  }
  return out;
}

const STS_NS = QUERY_NAMESPACES.sts!;

export function send(res: ServerResponse, service: Service, requestId: string, result: ApiResult): void {
  const headers: Record<string, string> = { 'x-amzn-requestid': requestId, ...result.headers };
  let body: Buffer | string = '';
  if (result.json !== undefined) {
    headers['content-type'] = 'application/x-amz-json-1.1';
    body = JSON.stringify(result.json);
  } else if (result.xml !== undefined) {
    headers['content-type'] = 'text/xml';
    body = `<?xml version="1.0" encoding="UTF-8"?>\n${result.xml}`;
  } else if (result.body !== undefined) {
    body = result.body;
  }
  if (service === 's3') headers['x-amz-request-id'] = requestId;
  headers['content-length'] ??= String(Buffer.byteLength(body));
  res.writeHead(result.status ?? 200, headers);
  res.end(body);
}

export function sendError(
  res: ServerResponse,
  service: Service,
  requestId: string,
  err: ApiError,
  method: string,
): void {
  const namespace = QUERY_NAMESPACES[service];
  if (namespace !== undefined) {
    const xml =
      `<ErrorResponse xmlns="${namespace}"><Error><Type>Sender</Type><Code>${xmlEscape(err.code)}</Code>` +
      `<Message>${xmlEscape(err.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
    send(res, service, requestId, { status: err.status, xml });
  } else if (service === 's3') {
    // HEAD responses carry no body: the SDK derives the error from the status code alone.
    if (method === 'HEAD') {
      send(res, service, requestId, { status: err.status, body: '' });
      return;
    }
    const xml = `<Error>${toXml({ Code: err.code, Message: err.message, ...err.extra, RequestId: requestId })}</Error>`;
    send(res, service, requestId, {
      status: err.status,
      xml,
      headers: { 'content-type': 'application/xml' },
    });
  } else {
    send(res, service, requestId, {
      status: err.status,
      json: { __type: err.code, message: err.message, ...err.extra },
      headers: { 'x-amzn-errortype': err.code },
    });
  }
}

export const newRequestId = (): string => randomUUID();
export { STS_NS };
