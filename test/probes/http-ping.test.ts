// The http_ping driver against real local HTTP servers.
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpPingDriver } from '../../src/probes/http-ping.js';
import { httpPolicy } from './policies.js';

interface Server {
  port: number;
  /** Requests seen, as "METHOD path". */
  seen: string[];
  server: http.Server;
  close(): Promise<void>;
}

async function serve(handler: http.RequestListener, host = '127.0.0.1'): Promise<Server> {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url} host=${req.headers.host}`);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    server,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

const openConnections = (s: http.Server) =>
  new Promise<number>((resolve, reject) => s.getConnections((err, n) => (err ? reject(err) : resolve(n))));

describe('http_ping driver', () => {
  const driver = new HttpPingDriver();
  const servers: Server[] = [];
  let ok: Server, redirect: Server, unavailable: Server, hang: Server, big: Server;

  beforeAll(async () => {
    ok = await serve((_req, res) => res.end('ok'));
    redirect = await serve((_req, res) => {
      res.writeHead(302, { Location: 'http://127.0.0.1:1/elsewhere' });
      res.end();
    });
    unavailable = await serve((_req, res) => {
      res.writeHead(503);
      res.end('down');
    });
    hang = await serve(() => {
      // never answers
    });
    big = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024, 1);
      let sent = 0;
      const pump = () => {
        while (sent < 64 * 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
      res.on('error', () => {});
    });
    servers.push(ok, redirect, unavailable, hang, big);
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  it('2xx is healthy, with the time to response headers', async () => {
    const r = await driver.probe('127.0.0.1', httpPolicy(ok.port, 1, '/healthz?x=1'));
    expect(r.ok).toBe(true);
    expect(r.latencyMs).toBeGreaterThanOrEqual(0);
    expect(ok.seen.at(-1)).toBe(`GET /healthz?x=1 host=127.0.0.1:${ok.port}`);
  });

  it('3xx is healthy and the redirect is not followed', async () => {
    const r = await driver.probe('127.0.0.1', httpPolicy(redirect.port));
    expect(r).toMatchObject({ ok: true });
    expect(redirect.seen).toHaveLength(1);
  });

  it('another status fails with it', async () => {
    expect(await driver.probe('127.0.0.1', httpPolicy(unavailable.port))).toMatchObject({
      ok: false,
      error: 'HTTP 503',
    });
  });

  it('a server that never answers fails after the timeout, and the connection is closed', async () => {
    const t0 = performance.now();
    const r = await driver.probe('127.0.0.1', httpPolicy(hang.port, 0.5));
    const ms = performance.now() - t0;
    expect(r).toEqual({ ok: false, error: 'timeout after 0.5 s' });
    expect(ms).toBeGreaterThan(450);
    expect(ms).toBeLessThan(1500);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await openConnections(hang.server)).toBe(0);
  });

  it('a closed port fails with connect ECONNREFUSED', async () => {
    expect(await driver.probe('127.0.0.1', httpPolicy(await closedPort()))).toEqual({
      ok: false,
      error: 'connect ECONNREFUSED',
    });
  });

  it('reads only a bounded part of a large body', async () => {
    const t0 = performance.now();
    const r = await driver.probe('127.0.0.1', httpPolicy(big.port, 2));
    expect(r).toMatchObject({ ok: true });
    expect(performance.now() - t0).toBeLessThan(1000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await openConnections(big.server)).toBe(0);
  });

  it('IPv6 targets get http://[ip]:port', async (ctx) => {
    let v6: Server;
    try {
      v6 = await serve((_req, res) => res.end('ok'), '::1');
    } catch {
      ctx.skip(); // no IPv6 loopback here
      return;
    }
    try {
      expect(await driver.probe('::1', httpPolicy(v6.port))).toMatchObject({ ok: true });
      expect(v6.seen).toEqual([`GET / host=[::1]:${v6.port}`]);
    } finally {
      await v6.close();
    }
  });

  it('abort rejects at once and closes the connection', async () => {
    const ac = new AbortController();
    const p = driver.probe('127.0.0.1', httpPolicy(hang.port, 5), ac.signal);
    setTimeout(() => ac.abort(), 100);
    const t0 = performance.now();
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    expect(performance.now() - t0).toBeLessThan(500);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await openConnections(hang.server)).toBe(0);
  });

  it('1,000 concurrent probes leave no socket behind', async () => {
    const mixed = [ok, redirect, unavailable];
    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => driver.probe('127.0.0.1', httpPolicy(mixed[i % 3]!.port, 5))),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(667);
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (const s of mixed) expect(await openConnections(s.server)).toBe(0);
    const sockets = process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap');
    expect(sockets).toHaveLength(0);
  });

  it('refuses what is not a literal address and wrong policies, sending nothing', async () => {
    const before = ok.seen.length;
    expect(await driver.probe('localhost', httpPolicy(ok.port))).toEqual({
      ok: false,
      error: 'invalid address "localhost"',
      fault: true,
    });
    expect(ok.seen).toHaveLength(before);
  });
});
