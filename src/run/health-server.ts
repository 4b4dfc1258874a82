import { createServer, type Server } from 'node:http';

/** Liveness on 127.0.0.1:`port`: GET /healthz (also / and /livez) answers `state()` as JSON. */
export function serveHealth(port: number, state: () => Record<string, unknown>): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || !['/', '/healthz', '/livez'].includes(req.url ?? '')) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(state()));
    });
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      resolve(server);
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
}
