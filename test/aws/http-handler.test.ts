import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureHttp, httpStats } from '../../src/aws/index.js';
import { nodeHasAgentProxy, sharedHttpHandler } from '../../src/aws/http-handler.js';

/** Holds every request until `release` is called, counting concurrent requests and TCP connections. */
function holdingServer() {
  const held: ServerResponse[] = [];
  const sockets = new Set<unknown>();
  let inFlight = 0;
  let maxInFlight = 0;
  let onHeld: (() => void) | undefined;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    sockets.add(req.socket);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on('finish', () => inFlight--);
    if (req.url === '/throttle') {
      res.writeHead(400, { 'x-amzn-errortype': 'ThrottlingException' }).end('{}');
      return;
    }
    held.push(res);
    onHeld?.();
  });
  return {
    server,
    stats: () => ({ maxInFlight, connections: sockets.size }),
    reset: () => {
      maxInFlight = 0;
      sockets.clear();
    },
    /** Resolves once `n` requests are held at the same time, then answers them all. */
    releaseWhen: (n: number) =>
      new Promise<void>((resolve) => {
        onHeld = () => {
          if (held.length < n) return;
          for (const r of held.splice(0)) r.writeHead(200).end('ok');
          resolve();
        };
        onHeld();
      }),
  };
}

describe('the shared AWS HTTP handler', () => {
  const s = holdingServer();
  let port = 0;
  beforeAll(async () => {
    await new Promise<void>((r) => s.server.listen(0, '127.0.0.1', r));
    port = (s.server.address() as { port: number }).port;
  });
  afterAll(async () => {
    s.server.closeAllConnections();
    await new Promise((r) => s.server.close(r));
  });

  type Request = Parameters<ReturnType<typeof sharedHttpHandler>['handle']>[0];
  const send = (path = '/') => {
    const request = {
      protocol: 'http:',
      hostname: '127.0.0.1',
      port,
      method: 'GET',
      path,
      query: {},
      headers: { host: `127.0.0.1:${port}` },
    } as unknown as Request;
    // Drain each body as it arrives, so its socket goes back to the pool.
    return sharedHttpHandler()
      .handle(request)
      .then((r) => {
        (r.response.body as NodeJS.ReadableStream).resume();
        return r;
      });
  };

  it('keeps as many requests in flight as the configured pool, and reuses the sockets', async () => {
    configureHttp({ maxSockets: 12 }, {});
    s.reset();
    const first = Promise.all(Array.from({ length: 12 }, () => send()));
    await s.releaseWhen(12);
    await first;
    expect(s.stats()).toEqual({ maxInFlight: 12, connections: 12 });

    const second = Promise.all(Array.from({ length: 12 }, () => send()));
    await s.releaseWhen(12);
    await second;
    // Keep-alive: the second wave went over the same 12 connections.
    expect(s.stats().connections).toBe(12);
  });

  it('queues requests beyond the pool size (which is why the pool follows the concurrency)', async () => {
    configureHttp({ maxSockets: 3 }, {});
    s.reset();
    const all = Promise.all(Array.from({ length: 9 }, () => send()));
    for (let i = 0; i < 3; i++) await s.releaseWhen(3);
    await all;
    expect(s.stats().maxInFlight).toBe(3);
  });

  it('counts requests and throttling answers', async () => {
    configureHttp({ maxSockets: 2 }, {});
    const before = { ...httpStats };
    const r = await send('/throttle');
    expect(r.response.statusCode).toBe(400);
    expect(httpStats.requests - before.requests).toBe(1);
    expect(httpStats.throttled - before.throttled).toBe(1);
  });
});

describe('nodeHasAgentProxy', () => {
  it('knows which Node versions route agents through HTTPS_PROXY', () => {
    expect(nodeHasAgentProxy('22.12.0')).toBe(false);
    expect(nodeHasAgentProxy('22.21.0')).toBe(true);
    expect(nodeHasAgentProxy('23.11.0')).toBe(false);
    expect(nodeHasAgentProxy('24.4.1')).toBe(false);
    expect(nodeHasAgentProxy('24.21.0')).toBe(true);
    expect(nodeHasAgentProxy('25.0.0')).toBe(true);
  });
});
