import type { IncomingMessage } from 'node:http';
import { ApiError, type Service } from './protocol.js';
import { s3Action } from './s3.js';
import { encryptionParams } from './s3-sse.js';
import { parseAuthorization } from './sigv4.js';

const TARGETS: Record<string, Service> = {
  AmazonAthena: 'athena',
  AWSOrganizationsV20161128: 'organizations',
  AWSGlue: 'glue',
};

/** A request as received: the raw path and query (SigV4 signs them as sent) and the whole body. */
export interface RawRequest {
  method: string;
  rawPath: string;
  rawQuery: string;
  body: Buffer;
  service: Service;
}

/** What a request asks for: the action, its parameters as recorded, and for S3 the object addressed. */
export interface ParsedAction {
  action: string;
  params: Record<string, unknown>;
  s3Target?: { bucket: string; key: string; query: URLSearchParams };
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

/** Which service a request is for: JSON target header, else the SigV4 scope, else the protocol's shape. */
function detectService(req: IncomingMessage): Service {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') {
    const service = TARGETS[target.split('.')[0]!];
    if (service) return service;
  }
  const claimed = parseAuthorization(req.headers.authorization)?.service;
  if (
    claimed === 'sts' ||
    claimed === 'sns' ||
    claimed === 'athena' ||
    claimed === 'organizations' ||
    claimed === 'glue' ||
    claimed === 's3'
  )
    return claimed;
  const type = req.headers['content-type'] ?? '';
  return req.method === 'POST' && type.startsWith('application/x-www-form-urlencoded') ? 'sts' : 's3';
}

export async function readRequest(req: IncomingMessage): Promise<RawRequest> {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return {
    method: req.method ?? 'GET',
    rawPath: q < 0 ? url : url.slice(0, q),
    rawQuery: q < 0 ? '' : url.slice(q + 1),
    body: await readBody(req),
    service: detectService(req),
  };
}

/** The action and parameters in each protocol's encoding: awsQuery form, REST path + query, or JSON. */
export function parseAction(req: IncomingMessage, raw: RawRequest): ParsedAction {
  if (raw.service === 'sts' || raw.service === 'sns') {
    const form = Object.fromEntries(new URLSearchParams(raw.body.toString('utf8')));
    const action = form.Action ?? 'Unknown';
    delete form.Action;
    delete form.Version;
    return { action, params: form };
  }
  if (raw.service === 's3') {
    const segments = raw.rawPath.split('/');
    const bucket = decodeURIComponent(segments[1] ?? '');
    const key = segments.slice(2).map(decodeURIComponent).join('/');
    const query = new URLSearchParams(raw.rawQuery);
    return {
      action: s3Action(raw.method, key, query),
      params: {
        Bucket: bucket,
        Key: key === '' ? undefined : key,
        ...Object.fromEntries(query),
        ...encryptionParams(req.headers),
      },
      s3Target: { bucket, key, query },
    };
  }
  const action = String(req.headers['x-amz-target']).split('.')[1] ?? 'Unknown';
  try {
    const params =
      raw.body.length === 0 ? {} : (JSON.parse(raw.body.toString('utf8')) as Record<string, unknown>);
    return { action, params };
  } catch {
    throw new ApiError('SerializationException', 'Request body is not valid JSON', 400);
  }
}
