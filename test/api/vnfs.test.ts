// /v1.0/vnfs without a conductor worker: create up to 201 PENDING_CREATE with
// the create workflow started in Temporal, Tacker's wire shapes (instances
// written here the way the conductor writes them), list filters, and every
// refusal of delete, scale, update, resources and monitor.
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREATE_VNF_WORKFLOW, lifecycleWorkflowId } from '../../src/conductor/contract.js';
import { monitorWorkflowId } from '../../src/monitoring/contract.js';
import { startTestApi, type Json, type TestApi, type TestTenant } from '../helpers/api.js';
import {
  onboardVnfd,
  SCALING_VNFD,
  staticVim,
  TWO_INSTANCES_VNFD,
  TWO_VDUS_VNFD,
  netnsVim,
} from './fixtures.js';

let api: TestApi;
let t: TestTenant;
let admin: TestTenant;
let vim: { id: string };
let vnfd: { id: string };

const mgmt = (ips: Record<string, string | string[]>) => ({ param_values: { mgmt_ips: ips } });

beforeAll(async () => {
  // No conductor runs here: operations that need its answer time out fast.
  api = await startTestApi({ app: { lifecycleTimeoutMs: 1500, queryTimeoutMs: 1000 } });
  [t, admin] = await Promise.all([api.tenant(), api.tenant({ admin: true })]);
  vim = await staticVim(t, { cidrs: ['192.0.2.0/24'] });
  vnfd = await onboardVnfd(t);
});
afterAll(() => api?.close());

async function createVnf(u: TestTenant, body: Record<string, unknown> = {}) {
  const res = await u.http.post('/v1.0/vnfs', {
    vnf: { name: 'vnf', vnfd_id: vnfd.id, attributes: mgmt({ VDU1: '192.0.2.10' }), ...body },
  });
  expect(res.status, res.text).toBe(201);
  return res.body.vnf as Json;
}

/** Stand-in for the conductor's writes: instances booted, VNF ACTIVE. */
async function activate(vnfId: string, instances: { vdu: string; ip: string; index?: number }[]) {
  for (const [i, x] of instances.entries()) {
    await api.db.vduInstance.create({
      data: {
        vnfId,
        vduName: x.vdu,
        index: x.index ?? i,
        mgmtIp: x.ip,
        status: 'ACTIVE',
        vimResourceId: x.ip,
        bootedAt: new Date(),
      },
    });
  }
  await api.db.vnf.update({ where: { id: vnfId }, data: { status: 'ACTIVE' } });
}

describe('VNF create', () => {
  it('answers 201 PENDING_CREATE in Tacker’s shape and starts the create workflow', async () => {
    const res = await t.http.post('/v1.0/vnfs', {
      vnf: {
        name: 'web',
        description: 'front',
        vnfd_id: vnfd.id,
        vim_id: vim.id,
        attributes: { config: { a: 1 }, ...mgmt({ VDU1: ['192.0.2.10'] }) },
        placement_attr: { region_name: 'RegionOne' },
      },
    });
    expect(res.status).toBe(201);
    const vnf = res.body.vnf;
    expect(vnf).toEqual({
      id: expect.any(String),
      tenant_id: t.tenantId,
      name: 'web',
      description: 'front',
      vnfd_id: vnfd.id,
      vim_id: vim.id,
      instance_id: null,
      status: 'PENDING_CREATE',
      mgmt_ip_address: null,
      attributes: {
        config: { a: 1 },
        param_values: { mgmt_ips: { VDU1: ['192.0.2.10'] } },
        monitoring_policy: expect.any(String),
      },
      placement_attr: { region_name: 'RegionOne', vim_name: 'static' },
      error_reason: null,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    // Tacker's monitoring_policy: a JSON string, Python's layout.
    expect(vnf.attributes.monitoring_policy).toMatch(/^\{"vdus": \{"VDU1": \{"ping": \{"name": "ping", /);
    expect(JSON.parse(vnf.attributes.monitoring_policy)).toMatchObject({
      vdus: { VDU1: { ping: { name: 'ping', actions: { failure: 'respawn' }, parameters: { count: 2 } } } },
    });

    const desc = await api.temporal.workflow.getHandle(lifecycleWorkflowId(vnf.id)).describe();
    expect(desc.type).toBe(CREATE_VNF_WORKFLOW);
    expect(desc.status.name).toBe('RUNNING');
    expect(desc.taskQueue).toBe(api.temporalConfig.conductorTaskQueue);

    const events = (await t.http.get(`/v1.0/events?resource_id=${vnf.id}`)).body.events;
    expect(events).toMatchObject([
      {
        resource_type: 'vnf',
        event_type: 'CREATE',
        resource_state: 'PENDING_CREATE',
        event_details: { message: 'VNF UUID assigned.' },
      },
    ]);
  });

  it('takes an inline vnfd_template and the tenant’s default VIM', async () => {
    const vnf = await createVnf(t, { vnfd_id: undefined, vnfd_template: parse(SCALING_VNFD) });
    expect(vnf.vim_id).toBe(vim.id);
    const inline = (await t.http.get(`/v1.0/vnfds/${vnf.vnfd_id}`)).body.vnfd;
    expect(inline.template_source).toBe('inline');
  });

  it('refuses bad input with 400 naming the field, writing nothing', async () => {
    const netns = await netnsVim(t);
    const before = await api.db.vnf.count({ where: { tenantId: t.tenantId } });
    const vnfdsBefore = await api.db.vnfd.count({ where: { tenantId: t.tenantId } });
    const cases: [Record<string, unknown>, string][] = [
      [{ vnfd_id: undefined }, 'vnf.vnfd_id'],
      [{ vnfd_template: parse(SCALING_VNFD) }, 'vnf.vnfd_template'],
      [{ vnfd_id: 'nope' }, 'vnf.vnfd_id'],
      [{ name: '' }, 'vnf.name'],
      [{ name: 'x'.repeat(256) }, 'vnf.name'],
      [{ attributes: {} }, 'vnf.attributes.param_values.mgmt_ips.VDU1'],
      [{ attributes: mgmt({ VDU1: '198.51.100.1' }) }, 'vnf.attributes.param_values.mgmt_ips.VDU1'],
      [
        { attributes: mgmt({ VDU1: ['192.0.2.1', '198.51.100.1'] }) },
        'vnf.attributes.param_values.mgmt_ips.VDU1[1]',
      ],
      [
        { attributes: mgmt({ VDU1: '192.0.2.1', VDU9: '192.0.2.2' }) },
        'vnf.attributes.param_values.mgmt_ips.VDU9',
      ],
      [{ attributes: mgmt({ VDU1: 'not-an-ip' }) }, 'vnf.attributes.param_values.mgmt_ips.VDU1'],
      [
        { attributes: mgmt({ VDU1: ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4'] }) },
        'vnf.attributes.param_values.mgmt_ips.VDU1',
      ],
      [{ attributes: { param_values: 'mgmt_ips: {}' } }, 'vnf.attributes.param_values'],
      [
        { attributes: { param_values: { deep: JSON.parse('['.repeat(40) + ']'.repeat(40)) } } },
        'vnf.attributes.param_values.deep',
      ],
      [{ attributes: { config: { 'a\u0000': 1 } } }, 'vnf.attributes.config'],
      [{ attributes: { heat_template: 'x' } }, 'vnf.attributes'],
      [{ vim_id: netns.id }, 'vnf.attributes.param_values.mgmt_ips'],
      [
        { vnfd_id: undefined, vnfd_template: { tosca_definitions_version: 'nope' } },
        'vnf.vnfd_template.tosca_definitions_version',
      ],
      [{ vnfd_id: undefined, vnfd_template: 'key: [' }, 'vnf.vnfd_template'],
    ];
    for (const [body, field] of cases) {
      const res = await t.http.post('/v1.0/vnfs', {
        vnf: { name: 'vnf', vnfd_id: vnfd.id, attributes: mgmt({ VDU1: '192.0.2.10' }), ...body },
      });
      expect(res.status, `${JSON.stringify(body).slice(0, 200)}: ${res.text}`).toBe(400);
      expect(res.body.TackerError.type).toBe('InvalidInput');
      expect(
        res.body.TackerError.message.startsWith(field),
        `${field} ≠ ${res.body.TackerError.message}`,
      ).toBe(true);
    }
    expect(await api.db.vnf.count({ where: { tenantId: t.tenantId } })).toBe(before);
    expect(await api.db.vnfd.count({ where: { tenantId: t.tenantId } })).toBe(vnfdsBefore);
  });

  it('answers 404 for an unknown VNFD or VIM, and without a default VIM', async () => {
    const missing = randomUUID();
    const unknownVnfd = await t.http.post('/v1.0/vnfs', { vnf: { name: 'x', vnfd_id: missing } });
    expect(unknownVnfd.body.TackerError).toMatchObject({
      type: 'VNFDNotFound',
      message: `VNFD ${missing} could not be found`,
    });
    const unknownVim = await t.http.post('/v1.0/vnfs', {
      vnf: { name: 'x', vnfd_id: vnfd.id, vim_id: missing },
    });
    expect(unknownVim.status).toBe(404);
    expect(unknownVim.body.TackerError.type).toBe('VimNotFoundException');
    const lonely = await api.tenant();
    const own = await onboardVnfd(lonely);
    const noDefault = await lonely.http.post('/v1.0/vnfs', { vnf: { name: 'x', vnfd_id: own.id } });
    expect(noDefault.status).toBe(404);
    expect(noDefault.body.TackerError.type).toBe('VimDefaultNotDefined');
  });

  it('accepts extra IPs up to max_instances and several instances per VDU', async () => {
    const two = await onboardVnfd(t, TWO_INSTANCES_VNFD, 'two');
    const tooFew = await t.http.post('/v1.0/vnfs', {
      vnf: { name: 'x', vnfd_id: two.id, attributes: mgmt({ VDU1: '192.0.2.20' }) },
    });
    expect(tooFew.status).toBe(400);
    expect(tooFew.body.TackerError.message).toContain('needs 2 management IPs');
    await createVnf(t, {
      vnfd_id: two.id,
      attributes: mgmt({ VDU1: ['192.0.2.20', '192.0.2.21', '192.0.2.22'] }),
    });
  });
});

describe('VNF wire shapes', () => {
  it('gives mgmt_ip_address as a JSON string: a list for a scaled VDU, a string otherwise', async () => {
    const scaled = await createVnf(t);
    await activate(scaled.id, [{ vdu: 'VDU1', ip: '192.0.2.10' }]);
    const shown = (await t.http.get(`/v1.0/vnfs/${scaled.id}`)).body.vnf;
    expect(shown.status).toBe('ACTIVE');
    expect(shown.mgmt_ip_address).toBe('{"VDU1": ["192.0.2.10"]}');
    expect(shown.instance_id).toBe(scaled.id);

    const twoVdus = await onboardVnfd(t, TWO_VDUS_VNFD, 'two-vdus');
    const plain = await createVnf(t, {
      vnfd_id: twoVdus.id,
      attributes: mgmt({ VDU1: '192.0.2.30', VDU2: '192.0.2.31' }),
    });
    await activate(plain.id, [
      { vdu: 'VDU1', ip: '192.0.2.30' },
      { vdu: 'VDU2', ip: '192.0.2.31', index: 0 },
    ]);
    const got = (await t.http.get(`/v1.0/vnfs/${plain.id}`)).body.vnf;
    expect(got.mgmt_ip_address).toBe('{"VDU1": "192.0.2.30", "VDU2": "192.0.2.31"}');
    expect(JSON.parse(got.mgmt_ip_address)).toEqual({ VDU1: '192.0.2.30', VDU2: '192.0.2.31' });
    const policy = JSON.parse(got.attributes.monitoring_policy);
    expect(Object.keys(policy.vdus)).toEqual(['VDU1', 'VDU2']);
    expect(policy.vdus.VDU2.http_ping.monitoring_params.port).toBe(8080);

    const resources = await t.http.get(`/v1.0/vnfs/${plain.id}/resources`);
    expect(resources.status).toBe(200);
    expect(resources.body).toEqual({
      resources: [
        { name: 'VDU1', type: 'vnfm::static::Host', id: '192.0.2.30' },
        { name: 'VDU2', type: 'vnfm::static::Host', id: '192.0.2.31' },
      ],
    });
  });

  it('lists with filters by name, status, vnfd_id and vim_id, and accepts Tacker clients’ .json suffix', async () => {
    const u = await api.tenant();
    const uVim = await staticVim(u);
    const uVnfd = await onboardVnfd(u);
    const a = await createVnf(u, { name: 'alpha', vnfd_id: uVnfd.id });
    const b = await createVnf(u, { name: 'beta', vnfd_id: uVnfd.id });
    await activate(b.id, [{ vdu: 'VDU1', ip: '192.0.2.10' }]);
    const ids = async (q: string) => (await u.http.get(`/v1.0/vnfs${q}`)).body.vnfs.map((v: Json) => v.id);
    expect(await ids('')).toEqual([a.id, b.id]);
    expect(await ids('?name=alpha')).toEqual([a.id]);
    expect(await ids('?status=ACTIVE')).toEqual([b.id]);
    expect(await ids('?status=PENDING_CREATE&name=alpha')).toEqual([a.id]);
    expect(await ids(`?vnfd_id=${uVnfd.id}&vim_id=${uVim.id}`)).toEqual([a.id, b.id]);
    expect(await ids(`?vim_id=${vim.id}`)).toEqual([]);
    expect((await u.http.get('/v1.0/vnfs?status=RUNNING')).status).toBe(400);
    expect((await u.http.get('/v1.0/vnfs.json?name=alpha')).body.vnfs.map((v: Json) => v.id)).toEqual([a.id]);
    expect((await u.http.get(`/v1.0/vnfs/${a.id}.json`)).body.vnf.id).toBe(a.id);
  });
});

describe('VNF operations refused before any workflow runs', () => {
  it('answers 404 for unknown, malformed and other tenants’ VNFs on every operation', async () => {
    const other = await api.tenant();
    const mine = await createVnf(t);
    for (const id of [randomUUID(), 'not-a-uuid', mine.id]) {
      const who = id === mine.id ? other : t;
      const calls = [
        who.http.get(`/v1.0/vnfs/${id}`),
        who.http.put(`/v1.0/vnfs/${id}`, { vnf: { attributes: { config: {} } } }),
        who.http.delete(`/v1.0/vnfs/${id}`),
        who.http.post(`/v1.0/vnfs/${id}/actions`, { scale: { policy: 'SP1', type: 'out' } }),
        who.http.get(`/v1.0/vnfs/${id}/resources`),
        who.http.get(`/v1.0/vnfs/${id}/monitor`),
      ];
      for (const res of await Promise.all(calls)) {
        expect(res.status, res.text).toBe(404);
        expect(res.body.TackerError.type).toBe('VNFNotFound');
      }
    }
  });

  it('refuses delete, update, scale and resources while PENDING_CREATE', async () => {
    const vnf = await createVnf(t);
    const del = await t.http.delete(`/v1.0/vnfs/${vnf.id}`);
    expect(del.status).toBe(409);
    expect(del.body.TackerError).toMatchObject({ type: 'VNFInUse' });
    expect(del.body.TackerError.message).toContain('PENDING_CREATE');
    expect((await t.http.put(`/v1.0/vnfs/${vnf.id}`, { vnf: { attributes: { config: {} } } })).status).toBe(
      409,
    );
    expect(
      (await t.http.post(`/v1.0/vnfs/${vnf.id}/actions`, { scale: { policy: 'SP1', type: 'out' } })).status,
    ).toBe(409);
    const res = await t.http.get(`/v1.0/vnfs/${vnf.id}/resources`);
    expect(res.status).toBe(400);
    expect(res.body.TackerError.type).toBe('VNFInactive');
  });

  it('checks the scale body, the policy and its range', async () => {
    const vnf = await createVnf(t);
    await activate(vnf.id, [{ vdu: 'VDU1', ip: '192.0.2.10' }]);
    const act = (body: unknown) => t.http.post(`/v1.0/vnfs/${vnf.id}/actions`, body);
    const badType = await act({ scale: { policy: 'SP1', type: 'up' } });
    expect(badType.status).toBe(400);
    expect(badType.body.TackerError.message).toMatch(/^scale\.type: /);
    expect((await act({ scale: { policy: 'SP1' } })).body.TackerError.message).toMatch(
      /^scale\.type: is required/,
    );
    expect((await act({ policy: 'SP1', type: 'out' })).status).toBe(400);
    const noPolicy = await act({ scale: { policy: 'SP9', type: 'out' } });
    expect(noPolicy.status).toBe(404);
    expect(noPolicy.body.TackerError.type).toBe('VnfPolicyNotFound');
    const below = await act({ scale: { policy: 'SP1', type: 'in' } });
    expect(below.status).toBe(409);
    expect(below.body.TackerError).toMatchObject({ type: 'VNFScaleLimit' });
    expect(below.body.TackerError.message).toContain('1..3');
  });

  it('refuses force delete without an admin token, and update bodies without attributes', async () => {
    const vnf = await createVnf(t);
    await activate(vnf.id, [{ vdu: 'VDU1', ip: '192.0.2.10' }]);
    const forced = await t.http.delete(`/v1.0/vnfs/${vnf.id}`, { vnf: { attributes: { force: true } } });
    expect(forced.status).toBe(403);
    expect(forced.body.TackerError.type).toBe('Forbidden');
    expect(
      (await t.http.delete(`/v1.0/vnfs/${vnf.id}`, { vnf: { attributes: { force: 'yes' } } })).status,
    ).toBe(400);
    for (const body of [
      { vnf: { attributes: {} } },
      { vnf: {} },
      { vnf: { attributes: { config: {} }, name: 'x' } },
    ]) {
      expect((await t.http.put(`/v1.0/vnfs/${vnf.id}`, body)).status, JSON.stringify(body)).toBe(400);
    }
    const badIps = await t.http.put(`/v1.0/vnfs/${vnf.id}`, {
      vnf: { attributes: mgmt({ VDU1: '203.0.113.1' }) },
    });
    expect(badIps.status).toBe(400);
    expect(badIps.body.TackerError.message).toMatch(/^vnf\.attributes\.param_values\.mgmt_ips\.VDU1: /);
  });

  it('answers 409 VNFInUse when another operation’s workflow runs on the VNF', async () => {
    // The row says ACTIVE, but the create workflow (no conductor here) still runs under the VNF's lifecycle id.
    const vnf = await createVnf(t);
    await activate(vnf.id, [{ vdu: 'VDU1', ip: '192.0.2.10' }]);
    for (const res of [
      await t.http.delete(`/v1.0/vnfs/${vnf.id}`),
      await t.http.post(`/v1.0/vnfs/${vnf.id}/actions`, { scale: { policy: 'SP1', type: 'out' } }),
      await t.http.put(`/v1.0/vnfs/${vnf.id}`, { vnf: { attributes: { config: { b: 2 } } } }),
    ]) {
      expect(res.status, res.text).toBe(409);
      expect(res.body.TackerError.type).toBe('VNFInUse');
      expect(res.body.TackerError.message).toContain('another operation is running');
    }
    expect((await t.http.get(`/v1.0/vnfs/${vnf.id}`)).body.vnf.status).toBe('ACTIVE');
  });

  it('answers 503 when no conductor accepts the operation in time', async () => {
    const vnf = await createVnf(t);
    await activate(vnf.id, [{ vdu: 'VDU1', ip: '192.0.2.10' }]);
    await api.temporal.workflow.getHandle(lifecycleWorkflowId(vnf.id)).terminate('test: no conductor');
    const res = await t.http.delete(`/v1.0/vnfs/${vnf.id}`);
    expect(res.status).toBe(503);
    expect(res.body.TackerError.type).toBe('ServiceUnavailable');
    expect(res.headers.get('retry-after')).toBe('5');
  });
});

describe('VNF monitor', () => {
  it('answers 404 MonitorNotFound for a VNF without a monitor', async () => {
    const vnf = await createVnf(t);
    await expect(api.temporal.workflow.getHandle(monitorWorkflowId(vnf.id)).describe()).rejects.toThrow(
      WorkflowNotFoundError,
    );
    const res = await t.http.get(`/v1.0/vnfs/${vnf.id}/monitor`);
    expect(res.status).toBe(404);
    expect(res.body.TackerError.type).toBe('MonitorNotFound');
  });

  it('answers 503 when the monitor workflow exists but no worker answers its query', async () => {
    const vnf = await createVnf(t);
    await api.temporal.workflow.start('vnfMonitorWorkflow', {
      workflowId: monitorWorkflowId(vnf.id),
      taskQueue: `nobody-${randomUUID()}`,
      args: [],
    });
    const res = await t.http.get(`/v1.0/vnfs/${vnf.id}/monitor`);
    expect(res.status).toBe(503);
    expect(res.body.TackerError.message).toContain('monitor worker');
    await api.temporal.workflow.getHandle(monitorWorkflowId(vnf.id)).terminate('test done');
  });

  it('is visible to admins too', async () => {
    const vnf = await createVnf(t);
    expect((await admin.http.get(`/v1.0/vnfs/${vnf.id}/monitor`)).status).toBe(404);
    expect((await admin.http.get(`/v1.0/vnfs/${vnf.id}`)).status).toBe(200);
  });
});
