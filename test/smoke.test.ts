// The skeleton's round trip through real workers on both task queues, with no
// root needed: a VNF on a static VIM (loopback host) is created by the
// conductor's workflow and watched by a monitor workflow whose probe loop
// runs on the monitor worker.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getMonitorStatus } from '../src/monitoring/status.js';
import { createVnf, liveInstances, loopbackVim, sampleTemplate, vnfStatus } from './helpers/fixtures.js';
import { eventually, startStack, type TestStack } from './helpers/workers.js';

describe('smoke: conductor and monitor workers', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({ pingEngine: 'ping' });
  });
  afterAll(async () => stack?.stop());

  it('creates a VNF on a static VIM and probes its loopback host', async () => {
    const where = await loopbackVim(stack.db, 'smoke');
    const template = sampleTemplate('vnfd-ping-respawn', { period: 1, monitoring_delay: 0, count: 1 });
    const vnfId = await createVnf(stack, where, template, 'smoke', {
      param_values: { mgmt_ips: { VDU1: '127.0.0.1' } },
    });
    await eventually('VNF ACTIVE', async () => (await vnfStatus(stack.db, vnfId)) === 'ACTIVE');
    expect((await liveInstances(stack.db, vnfId)).map((i) => i.mgmtIp)).toEqual(['127.0.0.1']);

    // What an operator sees: the status query merged with the loop's heartbeat.
    const status = await eventually('a healthy probe round', async () => {
      const s = await getMonitorStatus(stack.client, vnfId);
      return s?.state === 'PROBING' && s.targets[0]?.lastResult === 'ok' ? s : undefined;
    });
    expect(status.targets.map((t) => t.ip)).toEqual(['127.0.0.1']);
    expect(status.loop?.taskQueue).toContain(stack.temporal.monitorTaskQueue);
    expect(status.execution).toBe('RUNNING');
  });
});
