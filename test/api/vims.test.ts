// /v1.0/vims over real HTTP: registration of netns and static VIMs, the one
// default VIM per tenant, validation naming the field, conflicts between
// netns VIMs, update and delete (409 while in use).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type Json, type TestApi, type TestTenant } from '../helpers/api.js';
import { netnsVim, onboardVnfd, staticVim } from './fixtures.js';

let api: TestApi;
let t: TestTenant;

beforeAll(async () => {
  api = await startTestApi();
  t = await api.tenant();
});
afterAll(() => api?.close());

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('VIM registration', () => {
  it('registers a static VIM in the wire shape, the first one as default', async () => {
    const t1 = await api.tenant();
    const res = await t1.http.post('/v1.0/vims', {
      vim: { name: 'lab', description: 'lab hosts', type: 'static', allowed_cidrs: ['192.0.2.0/24'] },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      vim: {
        id: expect.any(String),
        tenant_id: t1.tenantId,
        name: 'lab',
        description: 'lab hosts',
        type: 'static',
        is_default: true,
        status: 'REACHABLE',
        placement_attr: { regions: [] },
        allowed_cidrs: ['192.0.2.0/24'],
        created_at: expect.stringMatching(ISO),
        updated_at: expect.stringMatching(ISO),
      },
    });
    const second = await staticVim(t1, { name: 'second' });
    expect(second.is_default).toBe(false);
    // Making the second default takes the flag from the first, in one step.
    const third = await staticVim(t1, { name: 'third', isDefault: true });
    const list = (await t1.http.get('/v1.0/vims')).body.vims;
    expect(list.filter((v: Json) => v.is_default).map((v: Json) => v.id)).toEqual([third.id]);
    const events = (await t1.http.get(`/v1.0/events?resource_id=${res.body.vim.id}`)).body.events;
    expect(events).toMatchObject([
      { resource_type: 'vim', event_type: 'CREATE', resource_state: 'REACHABLE' },
    ]);
  });

  it('registers a netns VIM with its pool as the default allowed CIDR', async () => {
    const vim = await netnsVim(t);
    const shown = (await t.http.get(`/v1.0/vims/${vim.id}`)).body.vim;
    expect(shown).toMatchObject({
      type: 'netns',
      bridge: vim.bridge,
      pool: vim.pool,
      allowed_cidrs: [vim.pool],
    });
  });

  it('refuses bad bodies with 400 naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ vim: { name: 'x', type: 'openstack' } }, 'vim.type'],
      [{ vim: { name: 'x', type: 'static' } }, 'vim.allowed_cidrs'],
      [{ vim: { name: 'x', type: 'static', allowed_cidrs: ['10.0.0.0/33'] } }, 'vim.allowed_cidrs[0]'],
      [
        { vim: { name: 'x', type: 'static', allowed_cidrs: ['10.0.0.0/8'], pool: '10.1.0.0/24' } },
        'vim.pool',
      ],
      [{ vim: { name: 'x', type: 'netns', bridge: 'br0' } }, 'vim.pool'],
      [{ vim: { name: 'x', type: 'netns', bridge: 'br0', pool: '8.8.8.0/24' } }, 'vim.pool'],
      [
        { vim: { name: 'x', type: 'netns', bridge: 'a-very-long-bridge-name', pool: '10.9.0.0/24' } },
        'vim.bridge',
      ],
      [{ vim: { name: '', type: 'static', allowed_cidrs: ['10.0.0.0/8'] } }, 'vim.name'],
      [{ vim: { name: 'x', type: 'static', allowed_cidrs: ['10.0.0.0/8'], auth_url: 'http://k' } }, 'vim'],
      [{ name: 'x' }, 'vim'],
    ];
    for (const [body, field] of cases) {
      const res = await t.http.post('/v1.0/vims', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.TackerError.type).toBe('InvalidInput');
      expect(res.body.TackerError.message.startsWith(`${field}:`), res.body.TackerError.message).toBe(true);
    }
  });

  it('refuses a netns VIM whose pool or bridge another VIM uses, without naming another tenant’s VIM', async () => {
    const mine = await netnsVim(t, 'mine');
    const other = await api.tenant();
    const overlap = await other.http.post('/v1.0/vims', {
      vim: { name: 'x', type: 'netns', bridge: 'zz0', pool: mine.pool.replace(/\/24$/, '/25') },
    });
    expect(overlap.status).toBe(409);
    expect(overlap.body.TackerError).toMatchObject({ type: 'VimConflict' });
    expect(overlap.body.TackerError.message).toMatch(/^vim\.pool: .*another tenant/);
    expect(overlap.body.TackerError.message).not.toContain(mine.id);
    const sameBridge = await t.http.post('/v1.0/vims', {
      vim: { name: 'x', type: 'netns', bridge: mine.bridge, pool: '10.254.254.0/24' },
    });
    expect(sameBridge.status).toBe(409);
    expect(sameBridge.body.TackerError.message).toContain(mine.id);
  });
});

describe('VIM list, show, update, delete', () => {
  it('filters by name and type', async () => {
    const u = await api.tenant();
    await staticVim(u, { name: 'a' });
    await staticVim(u, { name: 'b' });
    await netnsVim(u, 'c');
    expect((await u.http.get('/v1.0/vims?name=b')).body.vims.map((v: Json) => v.name)).toEqual(['b']);
    expect((await u.http.get('/v1.0/vims?type=netns')).body.vims.map((v: Json) => v.name)).toEqual(['c']);
    expect((await u.http.get('/v1.0/vims?type=openstack')).status).toBe(400);
  });

  it('updates name, description and the default flag', async () => {
    const u = await api.tenant();
    const a = await staticVim(u, { name: 'a' });
    const b = await staticVim(u, { name: 'b' });
    const res = await u.http.put(`/v1.0/vims/${b.id}`, {
      vim: { name: 'bee', description: 'd', is_default: true },
    });
    expect(res.status).toBe(200);
    expect(res.body.vim).toMatchObject({ id: b.id, name: 'bee', description: 'd', is_default: true });
    expect((await u.http.get(`/v1.0/vims/${a.id}`)).body.vim.is_default).toBe(false);
    const bad = await u.http.put(`/v1.0/vims/${b.id}`, { vim: { type: 'netns' } });
    expect(bad.status).toBe(400);
    expect(bad.body.TackerError.message).toMatch(/^vim: Unrecognized key/);
  });

  it('deletes a VIM (then 404), and refuses while a VNF uses it', async () => {
    const u = await api.tenant();
    const vim = await staticVim(u);
    const vnfd = await onboardVnfd(u);
    const vnf = await u.http.post('/v1.0/vnfs', {
      vnf: {
        name: 'v',
        vnfd_id: vnfd.id,
        vim_id: vim.id,
        attributes: { param_values: { mgmt_ips: { VDU1: '192.0.2.5' } } },
      },
    });
    expect(vnf.status).toBe(201);
    const inUse = await u.http.delete(`/v1.0/vims/${vim.id}`);
    expect(inUse.status).toBe(409);
    expect(inUse.body.TackerError.type).toBe('VimInUseException');

    const free = await staticVim(u, { name: 'free' });
    expect((await u.http.delete(`/v1.0/vims/${free.id}`)).status).toBe(204);
    expect((await u.http.get(`/v1.0/vims/${free.id}`)).status).toBe(404);
    expect((await u.http.delete(`/v1.0/vims/${free.id}`)).status).toBe(404);
    const events = (await u.http.get(`/v1.0/events?resource_id=${free.id}&event_type=DELETE`)).body.events;
    expect(events).toHaveLength(1);
  });

  it('answers 404 for malformed and unknown ids, and 405 for other methods', async () => {
    for (const id of ['nope', '123', '00000000-0000-4000-8000-000000000000', '%E0%A4%A']) {
      const res = await t.http.get(`/v1.0/vims/${id}`);
      expect([400, 404], `${id}: ${res.text}`).toContain(res.status);
      expect(res.body.TackerError).toBeDefined();
    }
    expect((await t.http.get('/v1.0/vims/nope')).body.TackerError.type).toBe('VimNotFoundException');
    const res = await t.http.post('/v1.0/vims/00000000-0000-4000-8000-000000000000', {});
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toContain('GET');
  });
});
