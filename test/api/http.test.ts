// HTTP-level behaviour: health and readiness (including with the database
// and Temporal unreachable), request ids, and the 4xx answers for what the
// routes never see — malformed JSON, other content types, huge bodies,
// unknown paths and methods.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { createDb } from '../../src/db/client.js';
import { httpClient, startTestApi, type TestApi, type TestTenant } from '../helpers/api.js';
import { testTemporalConfig } from '../helpers/env.js';

let api: TestApi;
let t: TestTenant;

beforeAll(async () => {
  api = await startTestApi();
  t = await api.tenant();
});
afterAll(() => api?.close());

describe('health', () => {
  it('answers /healthz and /readyz when everything is up', async () => {
    expect((await api.http.get('/healthz')).body).toEqual({ status: 'ok' });
    expect((await api.http.get('/readyz')).body).toEqual({
      status: 'ok',
      checks: { database: 'ok', temporal: 'ok' },
    });
  });

  it('answers /readyz 503 naming what is down, and 503 (not 500) to requests needing the database', async () => {
    const db = createDb('postgresql://postgres@127.0.0.1:1/nowhere', { max: 1 });
    const temporal = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
    const app = createApp({
      db,
      temporal,
      temporalConfig: testTemporalConfig(),
      logger: pino({ level: 'silent' }),
    });
    const server: Server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const http = httpClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, t.token);
      expect((await http.get('/healthz')).status).toBe(200);
      const ready = await http.get('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body.status).toBe('unavailable');
      expect(ready.body.checks.database).toMatch(/^error: /);
      expect(ready.body.checks.temporal).toMatch(/^error: /);
      const res = await http.get('/v1.0/vnfs');
      expect(res.status, res.text).toBe(503);
      expect(res.body.TackerError.type).toBe('ServiceUnavailable');
    } finally {
      server.close();
      await db.$disconnect();
    }
  });
});

describe('request ids', () => {
  it('echoes a sane X-Request-Id and makes one otherwise', async () => {
    const mine = await t.http.get('/v1.0/vims', { headers: { 'X-Request-Id': 'trace-12345678' } });
    expect(mine.headers.get('x-request-id')).toBe('trace-12345678');
    const made = await t.http.get('/v1.0/vims', { headers: { 'X-Request-Id': 'bad id with spaces' } });
    expect(made.headers.get('x-request-id')).toMatch(/^req-[0-9a-f-]{36}$/);
    expect((await api.http.get('/nope')).headers.get('x-request-id')).toMatch(/^req-/);
  });
});

describe('bad requests never reach a 500', () => {
  const post = (body: string, headers: Record<string, string> = {}) =>
    t.http.request('POST', '/v1.0/vims', {
      body,
      headers: { 'Content-Type': 'application/json', ...headers },
    });

  it('answers malformed JSON with 400', async () => {
    for (const body of ['{', '{"vim": }', 'null', '"text"', '42', '[]', '{"vim": {"name": "\\ud800"}}']) {
      const res = await post(body);
      expect(res.status, body).toBe(400);
      expect(res.body.TackerError.type).toBe('InvalidInput');
    }
  });

  it('answers a missing body 400, other content types 415 and huge bodies 413', async () => {
    const empty = await t.http.request('POST', '/v1.0/vims');
    expect(empty.status).toBe(400);
    expect(empty.body.TackerError.message).toContain('JSON request body is required');
    const form = await post('vim=1', { 'Content-Type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    expect(form.body.TackerError.type).toBe('UnsupportedMediaType');
    expect((await post('{}', { 'Content-Type': 'application/json; charset=latin1' })).status).toBe(415);
    expect((await post('{}', { 'Content-Encoding': 'compress' })).status).toBe(415);
    const huge = await post(JSON.stringify({ vim: { name: 'x'.repeat(2 * 1024 * 1024) } }));
    expect(huge.status).toBe(413);
    expect(huge.body.TackerError.type).toBe('RequestEntityTooLarge');
  });

  it('answers unknown paths 404, other methods 405 with Allow, OPTIONS with Allow, and HEAD like GET', async () => {
    expect((await t.http.get('/v1.0/nothing')).body.TackerError.type).toBe('NotFound');
    expect((await api.http.get('/v1.0/nothing')).status).toBe(401);
    expect((await api.http.get('/nothing')).status).toBe(404);
    const patch = await t.http.request('PATCH', '/v1.0/vims');
    expect(patch.status).toBe(405);
    expect(patch.headers.get('allow')).toBe('POST, GET, HEAD, OPTIONS');
    const options = await t.http.request('OPTIONS', '/v1.0/vnfs/00000000-0000-4000-8000-000000000000');
    expect(options.status).toBe(204);
    expect(options.headers.get('allow')).toContain('DELETE');
    const head = await t.http.request('HEAD', '/v1.0/vims');
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
  });

  it('answers malformed path encodings and odd ids with 4xx', async () => {
    for (const path of [
      '/v1.0/vnfs/%',
      '/v1.0/vnfs/%E0%A4%A',
      '/v1.0/vnfs/..%2F..%2Fetc',
      `/v1.0/vnfs/${'9'.repeat(5000)}`,
    ]) {
      const res = await t.http.get(path);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
    }
  });
});
