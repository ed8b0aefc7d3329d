// Authentication and tenancy over real HTTP: 401 without a valid token,
// another tenant's resources answered as missing, admin tokens see all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeApiToken } from '../../src/auth/tokens.js';
import { startTestApi, type Json, type TestApi, type TestTenant } from '../helpers/api.js';
import { onboardVnfd, staticVim } from './fixtures.js';

let api: TestApi;
let acme: TestTenant;
let globex: TestTenant;
let admin: TestTenant;

beforeAll(async () => {
  api = await startTestApi({ app: { tokenCacheMs: 500 } });
  [acme, globex, admin] = await Promise.all([api.tenant(), api.tenant(), api.tenant({ admin: true })]);
});
afterAll(() => api?.close());

function expectTackerError(
  res: { status: number; body: Json; headers: Headers },
  status: number,
  type: string,
) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toEqual({
    TackerError: { type, message: expect.any(String), detail: expect.any(String) },
  });
  expect(res.headers.get('x-request-id')).toMatch(/\S{8,}/);
}

describe('tokens', () => {
  it('answers 401 without a token, with a malformed one and with an unknown one', async () => {
    expectTackerError(await api.http.get('/v1.0/vnfs'), 401, 'Unauthorized');
    expectTackerError(
      await api.http.get('/v1.0/vnfs', { headers: { 'X-Auth-Token': 'nope' } }),
      401,
      'Unauthorized',
    );
    const unknown = 'vnfm_' + 'A'.repeat(43);
    expectTackerError(
      await api.http.get('/v1.0/vims', { headers: { 'X-Auth-Token': unknown } }),
      401,
      'Unauthorized',
    );
    expectTackerError(
      await api.http.get('/v1.0/vims', { headers: { Authorization: 'Basic abc' } }),
      401,
      'Unauthorized',
    );
    const res = await api.http.get('/v1.0/vims');
    expect(res.headers.get('www-authenticate')).toContain('Bearer');
  });

  it('accepts X-Auth-Token and Authorization: Bearer', async () => {
    expect((await api.http.get('/v1.0/vims', { headers: { 'X-Auth-Token': acme.token } })).status).toBe(200);
    expect(
      (await api.http.get('/v1.0/vims', { headers: { Authorization: `Bearer ${acme.token}` } })).status,
    ).toBe(200);
  });

  it('refuses two different tokens in one request', async () => {
    const other = await api.tenant();
    const res = await api.http.get('/v1.0/vims', {
      headers: { 'X-Auth-Token': acme.token, Authorization: `Bearer ${other.token}` },
    });
    expect(res.status).toBe(401);
    expect(res.body.TackerError.message).toMatch(/different/);
  });

  it('stops accepting a revoked token within seconds and records use', async () => {
    const t = await api.tenant();
    expect((await t.http.get('/v1.0/vnfds')).status).toBe(200);
    // last_used_at is written off the request path.
    await expect
      .poll(async () => (await api.db.apiToken.findUniqueOrThrow({ where: { id: t.tokenId } })).lastUsedAt)
      .not.toBeNull();
    const row = await api.db.apiToken.findUniqueOrThrow({ where: { id: t.tokenId } });
    expect(row.tokenHash).not.toContain(t.token.slice(5));
    expect(row.prefix).toBe(t.token.slice(0, row.prefix.length));
    expect(await revokeApiToken(api.db, t.tokenId)).toBe(true);
    const deadline = Date.now() + 5000;
    let status = 200;
    while (Date.now() < deadline && status !== 401) {
      status = (await t.http.get('/v1.0/vnfds')).status;
      if (status !== 401) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(401);
  });

  it('leaves /healthz, /readyz, /metrics and /openapi.json open', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json']) {
      expect((await api.http.get(path)).status, path).toBe(200);
    }
  });
});

describe('tenancy', () => {
  it("answers another tenant's resources as missing, and lists only one's own", async () => {
    const vim = await staticVim(acme);
    const vnfd = await onboardVnfd(acme);
    expectTackerError(await globex.http.get(`/v1.0/vims/${vim.id}`), 404, 'VimNotFoundException');
    expectTackerError(await globex.http.get(`/v1.0/vnfds/${vnfd.id}`), 404, 'VNFDNotFound');
    expectTackerError(await globex.http.delete(`/v1.0/vims/${vim.id}`), 404, 'VimNotFoundException');
    expectTackerError(await globex.http.delete(`/v1.0/vnfds/${vnfd.id}`), 404, 'VNFDNotFound');
    expectTackerError(
      await globex.http.put(`/v1.0/vims/${vim.id}`, { vim: { name: 'x' } }),
      404,
      'VimNotFoundException',
    );
    const vnf = await globex.http.post('/v1.0/vnfs', {
      vnf: { name: 'x', vnfd_id: vnfd.id, vim_id: vim.id },
    });
    expectTackerError(vnf, 404, 'VNFDNotFound');
    expect((await globex.http.get('/v1.0/vims')).body.vims).toEqual([]);
    expect((await globex.http.get('/v1.0/vnfds')).body.vnfds).toEqual([]);
    const events = (await globex.http.get(`/v1.0/events?resource_id=${vnfd.id}`)).body.events;
    expect(events).toEqual([]);
    const acmeEvents = (await acme.http.get(`/v1.0/events?resource_id=${vnfd.id}`)).body.events;
    expect(acmeEvents).toHaveLength(1);
    expectTackerError(
      await globex.http.get(`/v1.0/events/${acmeEvents[0].id}`),
      404,
      'EventNotFoundException',
    );
  });

  it('lets admin tokens see and act on every tenant', async () => {
    const vim = await staticVim(globex, { name: 'globex-vim' });
    expect((await admin.http.get(`/v1.0/vims/${vim.id}`)).body.vim.tenant_id).toBe(globex.tenantId);
    const names = (await admin.http.get('/v1.0/vims?limit=1000')).body.vims.map((v: Json) => v.tenant_id);
    expect(names).toEqual(expect.arrayContaining([acme.tenantId, globex.tenantId]));
    // Creating for another tenant is for admins only.
    const body = {
      vim: {
        name: 'for-globex',
        type: 'static',
        allowed_cidrs: ['198.51.100.0/24'],
        tenant_id: globex.tenantId,
      },
    };
    expectTackerError(await acme.http.post('/v1.0/vims', body), 403, 'Forbidden');
    const made = await admin.http.post('/v1.0/vims', body);
    expect(made.status).toBe(201);
    expect(made.body.vim.tenant_id).toBe(globex.tenantId);
    const unknownTenant = { vim: { ...body.vim, tenant_id: '00000000-0000-4000-8000-000000000000' } };
    expectTackerError(await admin.http.post('/v1.0/vims', unknownTenant), 404, 'TenantNotFound');
  });
});
