import { createServer, request, type Server } from 'node:http';
import { connect } from 'node:net';

/** A forward proxy on 127.0.0.1: absolute-URI HTTP requests are forwarded, CONNECT is tunnelled. */
export interface LocalProxy {
  url: string;
  /** Absolute URIs of forwarded requests. */
  forwarded: string[];
  /** host:port of CONNECT tunnels. */
  tunnels: string[];
  close(): Promise<void>;
}

export async function startLocalProxy(): Promise<LocalProxy> {
  const forwarded: string[] = [];
  const tunnels: string[] = [];
  const server: Server = createServer((req, res) => {
    forwarded.push(req.url ?? '');
    const target = new URL(req.url ?? '');
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: req.method,
        headers: req.headers,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.on('connect', (req, client, head) => {
    tunnels.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    forwarded,
    tunnels,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => {
          r();
        });
      }),
  };
}
