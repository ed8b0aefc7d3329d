// The acceptance scenarios' core against the real Temporal server: a local
// cluster (src/temporal/cluster.ts — frontend, history, matching and worker
// as four processes on PostgreSQL, configured by the template
// docker-compose.yml runs) instead of the dev server, driven through the
// HTTP API like test/acceptance/scenarios.test.ts: create → ACTIVE and
// probed, the VDU goes dark → exactly one respawn, scale out and in, delete →
// the monitor completes and the VNF is gone. (VNFM_TEST_TEMPORAL=cluster runs
// every acceptance file, and the whole suite, on a cluster.)
//
// Skipped only when the server is not installed (npm run temporal:install
// builds it; CI does) or network namespaces are unavailable.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findTemporalServer } from '../../src/temporal/cli.js';
import { netnsUnavailable } from '../helpers/netns.js';
import {
  createVnf,
  describeEvents,
  eventsText,
  getVnf,
  linkDown,
  mgmtIps,
  monitorView,
  onboard,
  probesReach,
  registerNetnsVim,
  removeListeners,
  removeRegisteredVims,
  resources,
  sample,
  until,
  vnfEvents,
  waitStatus,
} from './operator.js';
import { Stack } from './stack.js';

const skip =
  (findTemporalServer()
    ? undefined
    : 'the Temporal server is not installed (npm run temporal:install builds it)') ??
  (await netnsUnavailable());
if (skip) console.warn(`SKIPPED acceptance on a Temporal cluster: ${skip}`);

const FAST = { monitoring_delay: 1, period: 1 };

describe.skipIf(skip)(
  `acceptance on a Temporal cluster (real server, PostgreSQL)${skip ? ` (skipped: ${skip})` : ''}`,
  { timeout: 120_000 },
  () => {
    let stack: Stack;

    beforeAll(async () => {
      stack = await Stack.start({ name: 'cluster', temporal: 'cluster' });
      await registerNetnsVim(stack);
    }, 180_000);
    afterEach((ctx) => {
      if (ctx.task.result?.state === 'fail' && stack) stack.failed = true;
    });
    afterAll(async () => {
      await stack?.close();
      await removeListeners();
      await removeRegisteredVims();
    });

    const events = async (id: string) => describeEvents(await vnfEvents(stack, id));
    const count = (list: string[], re: RegExp) => list.filter((e) => re.test(e)).length;

    it('runs as four server processes', () => {
      expect([...stack.cluster!.services.keys()].sort()).toEqual([
        'frontend',
        'history',
        'matching',
        'worker',
      ]);
      for (const s of stack.cluster!.services.values()) expect(s.process.exitCode, s.name).toBeNull();
    });

    it('create → ACTIVE and probed; VDU dark → exactly one respawn; scale out and in; delete', async () => {
      const vnfdId = await onboard(stack, sample('vnfd-ping-scaling', { '*': FAST }), 'cluster-scaling');
      const id = await createVnf(stack, vnfdId, 'on-cluster');
      const vnf = await waitStatus(stack, id, 'ACTIVE');
      const [oldIp] = mgmtIps(vnf).VDU1!;
      const [oldRes] = await resources(stack, id);
      await until(
        'the monitor to be PROBING',
        () => monitorView(stack, id),
        (m) => m?.state === 'PROBING' && m.targets[0]?.lastResult === 'ok',
        { context: () => eventsText(stack, id) },
      );
      await probesReach(oldRes!.id);

      // Respawn.
      await linkDown(oldRes!.id);
      await until(
        `VNF ${id} ACTIVE again on a new IP`,
        () => getVnf(stack, id),
        (v) => v?.status === 'ACTIVE' && mgmtIps(v).VDU1?.[0] !== oldIp,
        { timeoutMs: 60_000, context: () => eventsText(stack, id) },
      );
      const [newRes] = await resources(stack, id);
      await probesReach(newRes!.id);
      expect(count(await events(id), /VNF respawned/)).toBe(1);

      // Scale out, then in.
      const scale = async (type: 'out' | 'in', n: number) => {
        const r = await stack.http().post(`/v1.0/vnfs/${id}/actions`, { scale: { policy: 'SP1', type } });
        expect(r.status, r.text).toBe(201);
        return (await until(
          `VNF ${id} ACTIVE with ${n} instances`,
          () => getVnf(stack, id),
          (v) => v?.status === 'ACTIVE' && mgmtIps(v).VDU1?.length === n,
          { context: () => eventsText(stack, id) },
        ))!;
      };
      await scale('out', 2);
      const two = await resources(stack, id);
      expect(two).toHaveLength(2);
      await Promise.all(two.map((x) => probesReach(x.id)));
      await scale('in', 1);
      expect(count(await events(id), /^SCALE:ACTIVE/)).toBe(2);

      // Delete.
      const del = await stack.http().delete(`/v1.0/vnfs/${id}`);
      expect(del.status, del.text).toBe(204);
      const desc = await until(
        'the monitor workflow to complete',
        () => stack.client.workflow.getHandle(`vnf-monitor-${id}`).describe(),
        (d) => d.status.name === 'COMPLETED',
        { context: () => eventsText(stack, id) },
      );
      expect(desc.raw.pendingActivities ?? []).toEqual([]);
      await until(
        `VNF ${id} to be gone (404)`,
        () => getVnf(stack, id),
        (v) => v === undefined,
      );
      const list = await events(id);
      expect(list.at(-1)).toMatch(/^DELETE:DELETED/);
      expect(count(list, /VNF respawned/), list.join('\n')).toBe(1);
    });
  },
);
