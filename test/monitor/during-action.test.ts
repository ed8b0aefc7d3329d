// While an action on one target runs — here a vdu_autoheal of VDU1 waiting out
// its back-off — the VNF's other targets stay watched: VDU2's responder keeps
// receiving http_ping connections, counted inside its own namespace.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monitorWorkflowId, type MonitorStatus } from '../../src/monitoring/contract.js';
import { createVnf, liveInstances, sampleTemplate, vnfEvents, vnfStatus } from '../helpers/fixtures.js';
import { netnsVimEnv, type VimEnv } from '../helpers/lifecycle.js';
import { netnsExec, netnsUnavailable } from '../helpers/netns.js';
import { eventually, startStack, type TestStack } from '../helpers/workers.js';

const skip = await netnsUnavailable();
if (skip) console.warn(`SKIPPED monitor during-action tests: ${skip}`);

/** TCP connections accepted inside a namespace (Tcp PassiveOpens). */
async function passiveOpens(ns: string): Promise<number> {
  const lines = (await netnsExec(ns, 'cat', '/proc/net/snmp'))
    .split('\n')
    .filter((l) => l.startsWith('Tcp:'));
  const names = lines[0]!.split(/\s+/);
  return Number(lines[1]!.split(/\s+/)[names.indexOf('PassiveOpens')]);
}

describe.skipIf(skip)('monitor: other targets stay watched during an action', () => {
  let stack: TestStack;
  let env: VimEnv;
  beforeAll(async () => {
    stack = await startStack({ heartbeatTimeoutMs: 3000 });
    env = await netnsVimEnv(stack.db);
  });
  afterAll(async () => {
    await stack?.stop();
    await env?.cleanup();
  });

  it('probes VDU2 while VDU1 heals in back-off', async () => {
    const vnfId = await createVnf(
      stack,
      env,
      sampleTemplate('vnfd-two-vdus', { period: 1, monitoring_delay: 1, respawn_backoff: 15 }),
    );
    await eventually('VNF ACTIVE', async () => (await vnfStatus(stack.db, vnfId)) === 'ACTIVE');
    const handle = stack.client.workflow.getHandle(monitorWorkflowId(vnfId));
    await eventually(
      'both targets probed',
      async () => (await handle.query<MonitorStatus>('status')).state === 'PROBING',
    );

    // First heal goes at once; the second one within the window waits out the back-off.
    const first = (await liveInstances(stack.db, vnfId)).find((i) => i.vduName === 'VDU1')!;
    await env.inject(first.id, 'link-down');
    const second = await eventually('VDU1 healed once', async () => {
      const v1 = (await liveInstances(stack.db, vnfId)).find((i) => i.vduName === 'VDU1');
      return v1 && v1.id !== first.id && v1.status === 'ACTIVE' ? v1 : undefined;
    });
    await eventually('VNF ACTIVE', async () => (await vnfStatus(stack.db, vnfId)) === 'ACTIVE');
    await env.inject(second.id, 'link-down');
    await eventually('the heal waiting out its back-off', async () =>
      (await vnfEvents(stack.db, vnfId)).some(
        (e) => (e.eventDetails as { guard?: string }).guard === 'backoff',
      ),
    );
    expect((await handle.query<MonitorStatus>('status')).state).toBe('ACTING');

    const vdu2 = (await liveInstances(stack.db, vnfId)).find((i) => i.vduName === 'VDU2')!;
    const before = await passiveOpens(vdu2.vimResourceId!);
    await new Promise((r) => setTimeout(r, 5000));
    const after = await passiveOpens(vdu2.vimResourceId!);
    expect(after - before, 'http_ping connections to VDU2 during the 5 s of back-off').toBeGreaterThanOrEqual(
      2,
    );
    expect((await handle.query<MonitorStatus>('status')).state).toBe('ACTING');
  });
});
