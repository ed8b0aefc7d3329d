// Scale and the monitor, seen on the wire: after scale out the new
// instance's namespace receives probes (its own ICMP counters rise); after
// scale in nothing probes the removed IPs any more (a namespace of the test's
// own holding the address sees no echo request, while the remaining
// instances keep receiving theirs), and the removal is never taken for a
// failure (no policy action, no MONITOR event).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCALE_VNF_WORKFLOW } from '../../src/conductor/contract.js';
import { createVnf, liveInstances, sampleTemplate, vnfEvents, vnfStatus } from '../helpers/fixtures.js';
import {
  delay,
  listenOn,
  monitorStatus,
  netnsVimEnv,
  requestOperation,
  type VimEnv,
} from '../helpers/lifecycle.js';
import { icmpInEchos, netnsUnavailable } from '../helpers/netns.js';
import { pingSoon } from '../vim/helpers.js';
import { eventually, startStack, type TestStack } from '../helpers/workers.js';

const skip = await netnsUnavailable();
if (skip) console.warn(`SKIPPED monitor scaling tests: ${skip}`);

describe.skipIf(skip)('monitor: scale out/in on netns VDUs', () => {
  let stack: TestStack;
  let env: VimEnv;
  const cleanups: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    stack = await startStack();
    env = await netnsVimEnv(stack.db);
  });
  afterAll(async () => {
    for (const c of cleanups) await c();
    await stack?.stop();
    await env?.cleanup();
  });

  const echos = async (ns: string) => (await icmpInEchos(ns)) ?? -1;
  const rising = (ns: string, by = 2) =>
    echos(ns).then((start) =>
      eventually(`probes reaching ${ns}`, async () => (await echos(ns)) >= start + by, 15_000),
    );

  it('new instances are probed after scale out; removed IPs are not probed after scale in', async () => {
    const vnfId = await createVnf(
      stack,
      env,
      sampleTemplate('vnfd-ping-scaling', { period: 1, monitoring_delay: 1 }),
    );
    await eventually('VNF ACTIVE', async () => (await vnfStatus(stack.db, vnfId)) === 'ACTIVE');
    const [first] = await liveInstances(stack.db, vnfId);
    await rising(first!.vimResourceId!);

    for (const n of [2, 3]) {
      const req = await requestOperation(stack, SCALE_VNF_WORKFLOW, { vnfId, policy: 'SP1', type: 'out' });
      expect(req.answer.accepted).toBe(true);
      expect((await req.result()).status).toBe('ACTIVE');
      const live = await liveInstances(stack.db, vnfId);
      expect(live).toHaveLength(n);
      await rising(live.at(-1)!.vimResourceId!);
    }
    const three = await liveInstances(stack.db, vnfId);
    expect((await monitorStatus(stack, vnfId)).targets.map((t) => t.ip).sort()).toEqual(
      three.map((i) => i.mgmtIp).sort(),
    );

    for (const n of [2, 1]) {
      const before = await liveInstances(stack.db, vnfId);
      const gone = before.at(-1)!;
      const req = await requestOperation(stack, SCALE_VNF_WORKFLOW, { vnfId, policy: 'SP1', type: 'in' });
      expect(req.answer.accepted).toBe(true);
      expect((await req.result()).status).toBe('ACTIVE');
      expect((await liveInstances(stack.db, vnfId)).map((i) => i.id)).toEqual(
        before.slice(0, n).map((i) => i.id),
      );

      // Someone else now answers on the removed address: does anything probe it?
      const listener = await listenOn(env, gone.mgmtIp!);
      cleanups.push(listener.remove);
      expect(await pingSoon(gone.mgmtIp!)).toBe(true); // the listener works (our echoes only)
      const mine = await echos(listener.ns);
      expect(mine).toBeGreaterThanOrEqual(1);
      const keep = before.slice(0, n);
      const start = await Promise.all(keep.map((i) => echos(i.vimResourceId!)));
      await delay(3500); // 3.5 periods
      expect(await echos(listener.ns)).toBe(mine);
      const end = await Promise.all(keep.map((i) => echos(i.vimResourceId!)));
      keep.forEach((_, i) => expect(end[i]!).toBeGreaterThanOrEqual(start[i]! + 2));
      await listener.remove();
    }

    // Removal was never a failure.
    expect(await vnfStatus(stack.db, vnfId)).toBe('ACTIVE');
    expect((await liveInstances(stack.db, vnfId)).map((i) => i.id)).toEqual([first!.id]);
    expect(await stack.db.policyActionExecution.count({ where: { vnfId } })).toBe(0);
    expect((await vnfEvents(stack.db, vnfId)).filter((e) => e.eventType === 'MONITOR')).toEqual([]);
    const s = await monitorStatus(stack, vnfId);
    expect(s.targets.map((t) => t.ip)).toEqual([first!.mgmtIp]);
    expect(s.history).toEqual([]);
  });
});
