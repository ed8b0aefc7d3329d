// Found by the chaos test (test/chaos, CHAOS_SEED=1658794652 CHAOS_LONG=1): a
// scale whose lifecycle workflow is terminated before it answers `accepted`
// (a force delete replaced it) made the API answer 500. It is a conflict: the
// operation did not run, another one took the VNF over. Found again by
// CHAOS_SEED=1145512979: terminated before its first workflow task, the
// update-with-start call itself fails (NOT_FOUND, "workflow update was aborted
// by closing workflow") rather than the wait for its outcome.
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lifecycleWorkflowId } from '../../src/conductor/contract.js';
import { startTestApi, type TestApi, type TestTenant } from '../helpers/api.js';
import { databaseUrl } from '../helpers/env.js';
import { sampleTemplate } from '../helpers/fixtures.js';
import { eventually, startStack, type TestStack } from '../helpers/workers.js';
import { onboardVnfd, staticVim } from './fixtures.js';

let stack: TestStack;
let api: TestApi;
let t: TestTenant;
let vnfdId: string;

beforeAll(async () => {
  stack = await startStack({ pingEngine: 'ping' });
  api = await startTestApi({ temporalConfig: stack.temporal });
  t = await api.tenant();
  await staticVim(t, { name: 'loopback', cidrs: ['127.0.0.0/8'] });
  vnfdId = (await onboardVnfd(t, sampleTemplate('vnfd-ping-scaling', { period: 1 }), 'scaling')).id;
});
afterAll(async () => {
  await api?.close();
  await stack?.stop();
});

/** An ACTIVE VNF whose create workflow has closed, and the handle of its lifecycle workflow id. */
async function idleVnf(ips: string[]) {
  const created = await t.http.post('/v1.0/vnfs', {
    vnf: {
      name: `v-${randomUUID().slice(0, 6)}`,
      vnfd_id: vnfdId,
      attributes: { param_values: { mgmt_ips: { VDU1: ips } } },
    },
  });
  expect(created.status, created.text).toBe(201);
  const vnfId = created.body.vnf.id as string;
  await eventually(
    'ACTIVE',
    async () => (await t.http.get(`/v1.0/vnfs/${vnfId}`)).body.vnf.status === 'ACTIVE',
  );
  const handle = stack.client.workflow.getHandle(lifecycleWorkflowId(vnfId));
  await eventually(
    'the create workflow closed',
    async () => (await handle.describe()).status.name !== 'RUNNING',
  );
  return { vnfId, handle };
}

/** A scale out whose workflow is terminated once running (as a force delete does): answered 409. */
async function scaleReplaced(http: TestTenant['http'], vnfId: string, handle: WorkflowHandle) {
  const answer = http.post(`/v1.0/vnfs/${vnfId}/actions`, { scale: { type: 'out', policy: 'SP1' } });
  await eventually('the scale workflow running', async () => {
    const d = await handle.describe();
    return d.type === 'scaleVnfWorkflow' && d.status.name === 'RUNNING';
  });
  // As a force delete does (workflowIdConflictPolicy TERMINATE_EXISTING).
  await handle.terminate('test: replaced by a force delete');
  const res = await answer;
  expect(res.status, res.text).toBe(409);
  expect(res.body.TackerError.type).toBe('VNFInUse');
  expect(res.body.TackerError.message).toMatch(/ended before it accepted/);
}

describe('an operation replaced before it was accepted', () => {
  it('answers 409, not 500, when its workflow is terminated before it answers', async () => {
    const { vnfId, handle } = await idleVnf(['127.0.0.21', '127.0.0.22']);

    // The scale's claim waits for the VNF's row, so its workflow cannot answer yet.
    const locker = new pg.Client({ connectionString: databaseUrl() });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('SELECT id FROM vnfs WHERE id = $1::uuid FOR UPDATE', [vnfId]);
      await scaleReplaced(t.http, vnfId, handle);
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
    }
  });
  it('answers 409, not 500, when its workflow is terminated before its first workflow task', async () => {
    const { vnfId, handle } = await idleVnf(['127.0.0.23', '127.0.0.24']);
    // An API whose conductor queue nobody polls: the scale's workflow starts and never runs a task.
    const idle = await startTestApi({
      temporalConfig: { ...stack.temporal, conductorTaskQueue: `nobody-polls-${randomUUID().slice(0, 8)}` },
    });
    try {
      const same = await idle.tenant({ name: t.name });
      await scaleReplaced(same.http, vnfId, handle);
    } finally {
      await idle.close();
    }
  });
});
