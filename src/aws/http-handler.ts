import { readFileSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { Readable } from 'node:stream';
import * as tls from 'node:tls';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { FanoutError } from '../errors.js';

/** What the transport saw, for the run's metrics. */
export interface HttpStats {
  requests: number;
  /** Responses that were AWS throttling (429, 503 SlowDown, or a Throttling/TooManyRequests error type). */
  throttled: number;
}

export interface HttpSettings {
  /** Sockets per host kept open and reused; sized to the run's concurrency so requests never queue. */
  maxSockets: number;
  /** The SDK's "socket usage at capacity" warning; it would otherwise go to console, not the JSON log. */
  onWarning?: (message: string) => void;
}

const THROTTLE = /throttl|toomanyrequests|slowdown|requestlimitexceeded/i;

// One handler for every SDK client of the process: a single socket pool per endpoint, so the limit below
// is the real number of connections, whatever the number of per-account clients.
let shared: { handler: CountingHttpHandler; settings: HttpSettings } | undefined;
export const httpStats: HttpStats = { requests: 0, throttled: 0 };

/** Sizes the shared pool; call before creating clients (`run` does, from `concurrency`). */
export function configureHttp(settings: HttpSettings, env: NodeJS.ProcessEnv = process.env): void {
  shared?.handler.close();
  const warn = (...args: unknown[]) => settings.onWarning?.(args.map(String).join(' '));
  const logger = { trace() {}, debug() {}, info() {}, warn, error: warn };
  shared = { handler: new CountingHttpHandler({ ...agentOptions(settings, env), logger }), settings };
}

export function sharedHttpHandler(env: NodeJS.ProcessEnv = process.env): NodeHttpHandler {
  if (!shared) configureHttp({ maxSockets: 50 }, env);
  return shared!.handler;
}

/**
 * Agent options from the environment. The SDK ignores HTTPS_PROXY/HTTP_PROXY/NO_PROXY; Node's agents
 * implement them when given `proxyEnv` (Node >= 22.21 / 24.5). AWS_CA_BUNDLE replaces nothing: it is
 * added to Node's trusted roots (which already include NODE_EXTRA_CA_CERTS).
 */
export function agentOptions(settings: HttpSettings, env: NodeJS.ProcessEnv) {
  const proxyEnv: Record<string, string> = {};
  for (const k of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy']) {
    const v = env[k];
    if (v !== undefined && v !== '') proxyEnv[k] = v;
  }
  if (Object.keys(proxyEnv).length > 0 && !nodeHasAgentProxy(process.versions.node)) {
    // Silently going around a mandatory proxy would only show up as timeouts.
    throw new FanoutError(
      `HTTPS_PROXY/HTTP_PROXY is set, but Node ${process.versions.node} cannot send requests through a proxy: use Node >= 22.21 or >= 24.5`,
    );
  }
  const common = {
    keepAlive: true,
    maxSockets: settings.maxSockets,
    maxFreeSockets: settings.maxSockets,
    ...(Object.keys(proxyEnv).length > 0 ? { proxyEnv } : {}),
  };
  const ca = caBundle(env);
  return {
    httpAgent: new HttpAgent(common),
    httpsAgent: new HttpsAgent({ ...common, ...(ca ? { ca } : {}) }),
  };
}

function caBundle(env: NodeJS.ProcessEnv): string[] | undefined {
  const file = env.AWS_CA_BUNDLE;
  if (!file) return undefined;
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    throw new FanoutError(`AWS_CA_BUNDLE=${file} cannot be read: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const getCa = (tls as { getCACertificates?: (type: string) => string[] }).getCACertificates;
  const defaults = getCa ? getCa('default') : [...tls.rootCertificates];
  return [...defaults, pem];
}

class CountingHttpHandler extends NodeHttpHandler {
  // Clients call destroy() on their handler; this one is shared, so a client must not close the
  // sockets of the others. The process's exit closes them.
  override destroy(): void {}

  close(): void {
    super.destroy();
  }

  override async handle(
    request: Parameters<NodeHttpHandler['handle']>[0],
    options?: Parameters<NodeHttpHandler['handle']>[1],
  ): ReturnType<NodeHttpHandler['handle']> {
    httpStats.requests++;
    const out = await super.handle(request, options);
    const { statusCode, headers } = out.response;
    if (statusCode === 429) {
      httpStats.throttled++;
    } else if (statusCode >= 400) {
      const type = headers['x-amzn-errortype'] ?? headers['X-Amzn-ErrorType'];
      if (type !== undefined) {
        if (THROTTLE.test(type)) httpStats.throttled++;
      } else {
        // Query (STS) and REST-XML (S3) protocols name the error only in the body: error bodies are
        // small, so read it and hand the SDK an identical stream.
        const body = await collect(out.response.body as AsyncIterable<Uint8Array> | undefined);
        if (THROTTLE.test(body.subarray(0, 4096).toString('utf8'))) httpStats.throttled++;
        out.response.body = Readable.from([body]);
      }
    }
    return out;
  }
}

async function collect(body: AsyncIterable<Uint8Array> | undefined): Promise<Buffer> {
  if (!body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Agents honour `proxyEnv` from Node 22.21 and 24.5 on. */
export function nodeHasAgentProxy(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (major === 22) return minor >= 21;
  if (major === 24) return minor >= 5;
  return major > 24;
}
