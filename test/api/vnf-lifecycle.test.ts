// The accepted paths over HTTP with the real conductor and monitor workers
// (no root needed: a static VIM whose hosts are loopback addresses). Create →
// ACTIVE with its monitor, scale out and in, update, delete, admin force
// delete; each answer is the lifecycle workflow's own acceptance.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lifecycleWorkflowId } from '../../src/conductor/contract.js';
import { startTestApi, type Json, type TestApi, type TestTenant } from '../helpers/api.js';
import { sampleTemplate } from '../helpers/fixtures.js';
import { eventually, startStack, type TestStack } from '../helpers/workers.js';
import { onboardVnfd, staticVim } from './fixtures.js';

let stack: TestStack;
let api: TestApi;
let t: TestTenant;
let admin: TestTenant;
let vnfdId: string;

const FAST = { period: 1, monitoring_delay: 0, count: 1 };

beforeAll(async () => {
  stack = await startStack({ pingEngine: 'ping' });
  api = await startTestApi({ temporalConfig: stack.temporal });
  [t, admin] = await Promise.all([api.tenant(), api.tenant({ admin: true })]);
  await staticVim(t, { name: 'loopback', cidrs: ['127.0.0.0/8'] });
  vnfdId = (await onboardVnfd(t, sampleTemplate('vnfd-ping-scaling', FAST), 'scaling')).id;
});
afterAll(async () => {
  await api?.close();
  await stack?.stop();
});

async function waitFor(id: string, status: string): Promise<Json> {
  return eventually(`VNF ${id} ${status}`, async () => {
    const vnf = (await t.http.get(`/v1.0/vnfs/${id}`)).body.vnf;
    if (vnf?.status === 'ERROR' && status !== 'ERROR') throw new Error(`ERROR: ${vnf.error_reason}`);
    return vnf?.status === status ? vnf : undefined;
  });
}

async function createActive(ips: string[] = ['127.0.0.11', '127.0.0.12', '127.0.0.13']) {
  const res = await t.http.post('/v1.0/vnfs', {
    vnf: {
      name: `v-${randomUUID().slice(0, 6)}`,
      vnfd_id: vnfdId,
      attributes: { param_values: { mgmt_ips: { VDU1: ips } } },
    },
  });
  expect(res.status, res.text).toBe(201);
  return waitFor(res.body.vnf.id, 'ACTIVE');
}

/** Until the VNF's lifecycle workflow has finished its last steps (after the final status). */
async function settled(vnfId: string) {
  const handle = stack.client.workflow.getHandle(lifecycleWorkflowId(vnfId));
  await eventually(
    'lifecycle workflow closed',
    async () => (await handle.describe()).status.name !== 'RUNNING',
  );
}

describe('VNF lifecycle through the conductor', () => {
  it('creates a VNF that becomes ACTIVE with its management IP, resources and a monitor', async () => {
    const vnf = await createActive();
    expect(vnf.mgmt_ip_address).toBe('{"VDU1": ["127.0.0.11"]}');
    const resources = (await t.http.get(`/v1.0/vnfs/${vnf.id}/resources`)).body.resources;
    expect(resources).toEqual([{ name: 'VDU1', type: 'vnfm::static::Host', id: '127.0.0.11' }]);
    const monitor = await eventually('a healthy probe', async () => {
      const res = await t.http.get(`/v1.0/vnfs/${vnf.id}/monitor`);
      return res.status === 200 && res.body.monitor.targets[0]?.lastResult === 'ok'
        ? res.body.monitor
        : undefined;
    });
    expect(monitor).toMatchObject({
      vnfId: vnf.id,
      execution: 'RUNNING',
      targets: [{ ip: '127.0.0.11', vduName: 'VDU1' }],
    });
    const other = await api.tenant();
    expect((await other.http.get(`/v1.0/vnfs/${vnf.id}/monitor`)).status).toBe(404);
    const events = (await t.http.get(`/v1.0/events?resource_id=${vnf.id}&event_type=CREATE`)).body.events;
    expect(events.map((e: Json) => e.resource_state)).toEqual(['PENDING_CREATE', 'ACTIVE']);
  });

  it('scales out and in, answering 201 with the body once the workflow has claimed the VNF', async () => {
    const vnf = await createActive();
    const out = await t.http.post(`/v1.0/vnfs/${vnf.id}/actions`, { scale: { policy: 'SP1', type: 'out' } });
    expect(out.status, out.text).toBe(201);
    expect(out.body).toEqual({ scale: { policy: 'SP1', type: 'out' } });
    // The claim happened before the answer: the VNF is no longer ACTIVE, or already done.
    expect(['PENDING_SCALE_OUT', 'ACTIVE']).toContain(
      (await t.http.get(`/v1.0/vnfs/${vnf.id}`)).body.vnf.status,
    );
    const scaled = await eventually('two instances', async () => {
      const v = (await t.http.get(`/v1.0/vnfs/${vnf.id}`)).body.vnf;
      return v.status === 'ACTIVE' && v.mgmt_ip_address?.includes('127.0.0.12') ? v : undefined;
    });
    expect(scaled.mgmt_ip_address).toBe('{"VDU1": ["127.0.0.11", "127.0.0.12"]}');
    const inn = await t.http.post(`/v1.0/vnfs/${vnf.id}/actions`, { scale: { policy: 'SP1', type: 'in' } });
    expect(inn.status, inn.text).toBe(201);
    await eventually('one instance', async () => {
      const v = (await t.http.get(`/v1.0/vnfs/${vnf.id}`)).body.vnf;
      return v.status === 'ACTIVE' && v.mgmt_ip_address === '{"VDU1": ["127.0.0.11"]}';
    });
    const scales = (await t.http.get(`/v1.0/events?resource_id=${vnf.id}&event_type=SCALE`)).body.events;
    expect(scales.filter((e: Json) => e.resource_state === 'ACTIVE')).toHaveLength(2);
  });

  it('updates param_values through the update workflow', async () => {
    const vnf = await createActive();
    const res = await t.http.put(`/v1.0/vnfs/${vnf.id}`, {
      vnf: { attributes: { param_values: { mgmt_ips: { VDU1: ['127.0.0.11', '127.0.0.14'] }, extra: 1 } } },
    });
    expect(res.status, res.text).toBe(200);
    expect(['PENDING_UPDATE', 'ACTIVE']).toContain(res.body.vnf.status);
    const done = await waitFor(vnf.id, 'ACTIVE');
    expect(done.attributes.param_values).toEqual({
      mgmt_ips: { VDU1: ['127.0.0.11', '127.0.0.14'] },
      extra: 1,
    });
  });

  it('deletes a VNF: 204, then gone from show and list', async () => {
    const vnf = await createActive();
    const res = await t.http.delete(`/v1.0/vnfs/${vnf.id}`);
    expect(res.status, res.text).toBe(204);
    expect(res.text).toBe('');
    await eventually('VNF gone', async () => (await t.http.get(`/v1.0/vnfs/${vnf.id}`)).status === 404);
    const ids = (await t.http.get('/v1.0/vnfs?limit=1000')).body.vnfs.map((v: Json) => v.id);
    expect(ids).not.toContain(vnf.id);
    const again = await t.http.delete(`/v1.0/vnfs/${vnf.id}`);
    expect(again.status).toBe(404);
  });

  it('lets an admin force-delete a VNF while another operation holds it', async () => {
    const vnf = await createActive();
    await settled(vnf.id);
    // An operation that never finishes: a workflow of an unknown type under the VNF's lifecycle id.
    await stack.client.workflow.start('stuckOperation', {
      workflowId: lifecycleWorkflowId(vnf.id),
      taskQueue: `nobody-${randomUUID()}`,
      args: [],
    });
    expect((await t.http.delete(`/v1.0/vnfs/${vnf.id}`)).status).toBe(409);
    const forced = await admin.http.delete(`/v1.0/vnfs/${vnf.id}`, { vnf: { attributes: { force: true } } });
    expect(forced.status, forced.text).toBe(204);
    await eventually('VNF gone', async () => (await t.http.get(`/v1.0/vnfs/${vnf.id}`)).status === 404);
    const events = (await t.http.get(`/v1.0/events?resource_id=${vnf.id}&event_type=DELETE`)).body.events;
    expect(events[0].event_details.message).toContain('force delete requested by tenant');
  });

  it('counts lifecycle operations and recorded policy actions in /metrics', async () => {
    // Policy action rows as the conductor records them (this file's VNFs stay healthy).
    const vnf = await createActive();
    for (const [episode, status, result] of [
      [1, 'DONE', { result: 'ok' }],
      [2, 'RUNNING', null],
    ] as const) {
      await api.db.policyActionExecution.create({
        data: {
          vnfId: vnf.id,
          actionId: randomUUID(),
          episode,
          action: 'log',
          vduName: 'VDU1',
          status,
          ...(result ? { result } : {}),
        },
      });
    }
    const text = (await api.http.get('/metrics')).text;
    expect(text).toMatch(/vnfm_policy_action_executions\{action="log",result="ok"\} [1-9]/);
    expect(text).toMatch(/vnfm_policy_action_executions\{action="log",result="running"\} [1-9]/);
    expect(text).toMatch(/vnfm_api_lifecycle_operations_total\{operation="create",result="accepted"\} [1-9]/);
    expect(text).toMatch(/vnfm_api_lifecycle_operations_total\{operation="scale_out",result="accepted"\} 1/);
    expect(text).toMatch(/vnfm_api_lifecycle_operations_total\{operation="delete",result="in_use"\} 1/);
    expect(text).toMatch(
      /vnfm_api_request_duration_seconds_count\{route="\/v1.0\/vnfs\/\{vnf_id\}",method="GET",status="200"\}/,
    );
  });
});
