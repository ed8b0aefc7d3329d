// A monitored VNF on netns VDUs: create → ACTIVE with a running monitor whose
// probes reach the VDU; the VDU made unreachable → exactly one respawn, the
// VNF ACTIVE again on a new IP that the monitor probes; history flat while
// healthy; delete → monitor completes and probes stop.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monitorWorkflowId, type MonitorStatus } from '../../src/monitoring/contract.js';
import { vimDriverFor } from '../../src/vim/registry.js';
import { DELETE_VNF_WORKFLOW, lifecycleWorkflowId } from '../../src/conductor/contract.js';
import {
  createVnf,
  liveInstances,
  netnsVim,
  sampleTemplate,
  vnfEvents,
  vnfStatus,
  type NetnsEnv,
} from '../helpers/fixtures.js';
import { icmpInEchos, namespaceExists, netnsUnavailable } from '../helpers/netns.js';
import { eventually, startStack, type TestStack } from '../helpers/workers.js';

const skip = await netnsUnavailable();
if (skip) console.warn(`SKIPPED monitor respawn tests: ${skip}`);

describe.skipIf(skip)('monitor: ping + respawn on netns VDUs', () => {
  let stack: TestStack;
  let env: NetnsEnv;
  beforeAll(async () => {
    stack = await startStack();
    env = await netnsVim(stack.db);
  });
  afterAll(async () => {
    await stack?.stop();
    await env?.cleanup();
  });

  it('respawns an unreachable VDU once and then probes its new IP', async () => {
    const template = sampleTemplate('vnfd-ping-respawn', { period: 1, monitoring_delay: 1 });
    const vnfId = await createVnf(stack, env, template);
    await eventually('VNF ACTIVE', async () => (await vnfStatus(stack.db, vnfId)) === 'ACTIVE');
    const [first] = await liveInstances(stack.db, vnfId);
    expect(first?.mgmtIp).toBeTruthy();
    const ns = first!.vimResourceId!;

    // The monitor runs and its probes reach the namespace.
    const handle = stack.client.workflow.getHandle(monitorWorkflowId(vnfId));
    await eventually(
      'monitor PROBING',
      async () => (await handle.query<MonitorStatus>('status')).state === 'PROBING',
    );
    const before = (await icmpInEchos(ns))!;
    await eventually(
      'echo requests reaching the VDU',
      async () => ((await icmpInEchos(ns)) ?? 0) >= before + 3,
    );

    // Healthy probing costs no history.
    const len1 = (await handle.fetchHistory()).events!.length;
    await new Promise((r) => setTimeout(r, 4000));
    const len2 = (await handle.fetchHistory()).events!.length;
    expect(len2).toBe(len1);

    // Unreachable → DEAD → respawn → ACTIVE on a new IP.
    const vim = await stack.db.vim.findUniqueOrThrow({ where: { id: env.vimId } });
    await vimDriverFor(vim, { db: stack.db }).injectFault(first!.id, 'link-down');
    const respawned = await eventually(
      'a new instance after respawn',
      async () => {
        const live = await liveInstances(stack.db, vnfId);
        return live.length === 1 && live[0]!.id !== first!.id && live[0]!.status === 'ACTIVE'
          ? live[0]
          : undefined;
      },
      60_000,
    );
    await eventually('VNF ACTIVE again', async () => (await vnfStatus(stack.db, vnfId)) === 'ACTIVE');
    expect(respawned!.mgmtIp).not.toBe(first!.mgmtIp);
    expect(await namespaceExists(ns)).toBe(false);
    const newNs = respawned!.vimResourceId!;
    await eventually(
      'probes reaching the new VDU',
      async () => ((await icmpInEchos(newNs)) ?? 0) >= 3,
      30_000,
    );

    const events = await vnfEvents(stack.db, vnfId);
    const kinds = events.map((e) => `${e.eventType}:${e.resourceState}`);
    expect(kinds[0]).toBe('CREATE:ACTIVE');
    expect(kinds).toContain('MONITOR:DEAD');
    expect(kinds.at(-1)).toBe('MONITOR:ACTIVE');
    const executions = await stack.db.policyActionExecution.findMany({ where: { vnfId } });
    expect(executions).toHaveLength(1);
    expect(executions[0]!.status).toBe('DONE');
    const status = await handle.query<MonitorStatus>('status');
    expect(status.history).toHaveLength(1);
    expect(status.targets.map((t) => t.ip)).toEqual([respawned!.mgmtIp]);

    // Delete: the monitor completes and no probe reaches the IP afterwards.
    await stack.client.workflow.execute(DELETE_VNF_WORKFLOW, {
      workflowId: lifecycleWorkflowId(vnfId),
      taskQueue: stack.temporal.conductorTaskQueue,
      args: [{ vnfId, force: false }],
    });
    await eventually(
      'monitor completed',
      async () => (await handle.describe()).status.name === 'COMPLETED',
      10_000,
    );
    expect(await namespaceExists(newNs)).toBe(false);
    expect((await stack.db.vnf.findUniqueOrThrow({ where: { id: vnfId } })).deletedAt).not.toBeNull();
  });
});
