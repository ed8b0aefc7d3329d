// A tiny /metrics endpoint for the worker processes (the API serves its own).
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { StartupError } from '../fatal.js';

export async function serveMetrics(
  registry: Registry,
  port: number,
  host = '0.0.0.0',
): Promise<Server | undefined> {
  if (!port) return undefined;
  const server = createServer((req, res) => {
    if (req.url === '/metrics') {
      registry
        .metrics()
        .then((body) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(body);
        })
        .catch((err: Error) => {
          res.writeHead(500);
          res.end(err.message);
        });
    } else if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok"}');
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new StartupError(
              `metrics port ${port} is already in use: set another port (or 0 to turn metrics off)`,
            )
          : err,
      ),
    );
    server.listen(port, host, () => resolve());
  });
  return server;
}
