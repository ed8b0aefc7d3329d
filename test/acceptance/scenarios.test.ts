// The seed's six scenarios, end to end, the way an operator meets them: the
// real processes (api, monitor worker, conductor worker, a Temporal dev
// server with a database file, PostgreSQL) driven only through the HTTP API,
// the `vnfm` CLI and Temporal's visibility API / `temporal` CLI, and checked
// on the VDUs themselves (network namespaces on this host: their own ICMP
// counters, `ip netns`). Faults are injected on the VDUs from the host.
//
// 1 instantiation + respawn, 2 deletion, 3 scale 1→2→3→1, 4 http_ping + log
// episodes, 5 two VDUs (vdu_autoheal, log_and_kill), 6 crash loop → ERROR.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { netnsUnavailable } from '../helpers/netns.js';
import {
  createVnf,
  describeEvents,
  eventsText,
  getVnf,
  hostNamespaces,
  linkDown,
  listenOn,
  listWorkflows,
  mgmtIps,
  monitorQuery,
  monitorView,
  onboard,
  probesReach,
  registerNetnsVim,
  removeListeners,
  removeRegisteredVims,
  resources,
  sample,
  sleep,
  startResponderIn,
  stopResponder,
  temporalCli,
  until,
  vimNamespaces,
  vnfEvents,
  waitStatus,
  type NetnsVim,
} from './operator.js';
import { Stack } from './stack.js';

const skip = await netnsUnavailable();
if (skip) console.warn(`SKIPPED acceptance scenarios: ${skip}`);

/** Seconds-scale monitoring so each scenario takes seconds (Tacker's defaults would take minutes). */
const FAST = { monitoring_delay: 1, period: 1 };

describe.skipIf(skip)(
  `acceptance: the seed's scenarios over HTTP${skip ? ` (skipped: ${skip})` : ''}`,
  // Generous: a loaded 2-core CI machine; each wait inside has its own, shorter deadline.
  { timeout: 240_000 },
  () => {
    let stack: Stack;
    let vim: NetnsVim;

    beforeAll(async () => {
      stack = await Stack.start({ name: 'scenarios' });
      vim = await registerNetnsVim(stack);
    }, 300_000);
    afterEach((ctx) => {
      if (ctx.task.result?.state === 'fail' && stack) stack.failed = true;
    });
    afterAll(async () => {
      await stack?.close();
      await removeListeners();
      await removeRegisteredVims();
    });

    /** Events of the VNF as `TYPE:STATE message`. */
    const events = async (id: string) => describeEvents(await vnfEvents(stack, id));
    const count = (list: string[], re: RegExp) => list.filter((e) => re.test(e)).length;

    let vnfId: string; // scenario 1's VNF, deleted in scenario 2

    it('1. instantiation: ACTIVE, monitor running and probing; VDU unreachable → DEAD, one respawn, new IP probed, old namespace gone', async () => {
      const file = join(stack.dir, 'ping-respawn.yaml');
      await writeFile(file, sample('vnfd-ping-respawn', { '*': FAST }));
      const vnfd = await stack.cliJson<{ id: string }>([
        'vnfd',
        'create',
        '--name',
        'ping-respawn',
        '--file',
        file,
      ]);
      const created = await stack.cliJson<{ id: string; status: string }>([
        'vnf',
        'create',
        '--name',
        'web1',
        '--vnfd-id',
        vnfd.id,
      ]);
      expect(created.status).toBe('PENDING_CREATE');
      vnfId = created.id;
      const wait = await stack.cli([
        'vnf',
        'wait',
        vnfId,
        '--status',
        'ACTIVE',
        '--timeout',
        '60',
        '--interval',
        '0.5',
      ]);
      expect(wait.code, `vnfm vnf wait: ${wait.stderr}\n${await eventsText(stack, vnfId)}`).toBe(0);

      const vnf = (await getVnf(stack, vnfId))!;
      const [oldIp] = mgmtIps(vnf).VDU1!;
      const [oldRes] = await resources(stack, vnfId);
      const oldNs = oldRes!.id;
      expect(await vimNamespaces(vim)).toContain(oldNs);

      // The monitor, as the API, Temporal's visibility (the Web UI's list) and the temporal CLI show it.
      const view = await until(
        'the monitor to be PROBING over HTTP',
        () => monitorView(stack, vnfId),
        (m) => m?.state === 'PROBING',
        {
          context: () => eventsText(stack, vnfId),
        },
      );
      expect(view).toMatchObject({
        workflowId: `vnf-monitor-${vnfId}`,
        execution: 'RUNNING',
        targets: [{ vduName: 'VDU1', ip: oldIp }],
      });
      const running = await until(
        'one running vnf-monitor workflow with VnfId set',
        () => listWorkflows(stack, `${monitorQuery(vnfId)} AND ExecutionStatus = 'Running'`),
        (rows) => rows.length === 1,
      );
      expect(running[0]!.workflowId).toBe(`vnf-monitor-${vnfId}`);
      const described = await temporalCli(stack, [
        'workflow',
        'describe',
        '--workflow-id',
        `vnf-monitor-${vnfId}`,
      ]);
      expect(JSON.stringify(described)).toContain(vnfId);
      await probesReach(oldNs);

      // The VDU stops answering.
      await linkDown(oldNs);
      const respawned = await until(
        `VNF ${vnfId} ACTIVE again on a new management IP after the respawn`,
        () => getVnf(stack, vnfId),
        (v) => v?.status === 'ACTIVE' && mgmtIps(v).VDU1?.[0] !== oldIp,
        { timeoutMs: 60_000, context: () => eventsText(stack, vnfId) },
      );
      const [newIp] = mgmtIps(respawned!).VDU1!;
      const [newRes] = await resources(stack, vnfId);
      expect(newRes!.id).not.toBe(oldNs);
      await probesReach(newRes!.id);
      await until(
        'the old namespace to be gone',
        () => hostNamespaces(oldNs),
        (l) => l.length === 0,
      );
      await until(
        'the monitor to probe the new IP',
        () => monitorView(stack, vnfId),
        (m) => m?.state === 'PROBING' && m.targets[0]?.ip === newIp && m.targets[0]?.lastResult === 'ok',
      );

      const list = await events(vnfId);
      const created_ = list.findIndex((e) => e.startsWith('CREATE:ACTIVE'));
      const dead = list.findIndex((e) => e.startsWith('MONITOR:DEAD'));
      const active = list.findIndex((e) => /^MONITOR:ACTIVE VNF respawned/.test(e));
      expect(created_, list.join('\n')).toBeGreaterThanOrEqual(0);
      expect(dead, list.join('\n')).toBeGreaterThan(created_);
      expect(active, list.join('\n')).toBeGreaterThan(dead);
      expect(count(list, /VNF respawned/), `exactly one respawn:\n${list.join('\n')}`).toBe(1);
      const monitor = await monitorView(stack, vnfId);
      expect(monitor.history.filter((h: { action: string }) => h.action === 'respawn')).toHaveLength(1);
      // Still one respawn a few healthy rounds later (the action is not repeated).
      await probesReach(newRes!.id, 3);
      expect(count(await events(vnfId), /VNF respawned/)).toBe(1);
    });

    it('2. deletion: 204; the monitor completes with no activity left; nothing probes the IP; namespaces and IPs released; gone from lists', async () => {
      const before = (await getVnf(stack, vnfId))!;
      expect(before.status).toBe('ACTIVE');
      const [ip] = mgmtIps(before).VDU1!;
      const nss = (await resources(stack, vnfId)).map((r) => r.id);

      const del = await stack.http().delete(`/v1.0/vnfs/${vnfId}`);
      expect(del.status, del.text).toBe(204);

      const handle = stack.client.workflow.getHandle(`vnf-monitor-${vnfId}`);
      const desc = await until(
        'the monitor workflow to complete',
        () => handle.describe(),
        (d) => d.status.name === 'COMPLETED',
        {
          context: () => eventsText(stack, vnfId),
        },
      );
      expect(desc.raw.pendingActivities ?? [], 'no probe loop (activity) left running').toEqual([]);
      await until(
        `VNF ${vnfId} to be gone (404)`,
        () => getVnf(stack, vnfId),
        (v) => v === undefined,
        { context: () => eventsText(stack, vnfId) },
      );
      for (const ns of nss) expect(await hostNamespaces(ns), `namespace ${ns} removed`).toEqual([]);

      // The address, taken over by a namespace of ours, receives nothing for several periods.
      const listener = await listenOn(vim, ip!);
      try {
        await sleep(4 * FAST.period * 1000);
        expect(await listener.echoes(), `echo requests to ${ip} after the delete`).toBe(0);
        await listener.selfCheck();
      } finally {
        await listener.remove();
      }
      const held = await stack.sql(
        `SELECT ip FROM ip_allocations WHERE vnf_id = $1 AND released_at IS NULL`,
        [vnfId],
      );
      expect(held, 'IP allocations still held by the deleted VNF').toEqual([]);
      const listed = await stack.http().get('/v1.0/vnfs?limit=1000');
      expect(listed.body.vnfs.map((v: { id: string }) => v.id)).not.toContain(vnfId);
      const list = await events(vnfId);
      expect(list.at(-1)).toMatch(/^DELETE:DELETED/);
    });

    it('3. scale out 1→2→3: each new instance is probed; in 3→1: the removed IPs are probed no more', async () => {
      const vnfdId = await onboard(stack, sample('vnfd-ping-scaling', { '*': FAST }), 'scaling');
      const id = await createVnf(stack, vnfdId, 'scaled');
      let vnf = await waitStatus(stack, id, 'ACTIVE');

      for (const n of [2, 3]) {
        const r = await stack.cli(['vnf', 'scale', id, '--policy', 'SP1', '--type', 'out']);
        expect(r.code, r.stderr).toBe(0);
        vnf = (await until(
          `VNF ${id} ACTIVE with ${n} instances`,
          () => getVnf(stack, id),
          (v) => v?.status === 'ACTIVE' && mgmtIps(v).VDU1?.length === n,
          {
            context: () => eventsText(stack, id),
          },
        ))!;
        const res = await resources(stack, id);
        expect(res).toHaveLength(n);
        // Every instance, the new one included, receives the monitor's probes.
        await Promise.all(res.map((x) => probesReach(x.id)));
      }
      const three = mgmtIps(vnf).VDU1!;

      for (const n of [2, 1]) {
        const r = await stack
          .http()
          .post(`/v1.0/vnfs/${id}/actions`, { scale: { policy: 'SP1', type: 'in' } });
        expect(r.status, r.text).toBe(201);
        vnf = (await until(
          `VNF ${id} ACTIVE with ${n} instances`,
          () => getVnf(stack, id),
          (v) => v?.status === 'ACTIVE' && mgmtIps(v).VDU1?.length === n,
          {
            context: () => eventsText(stack, id),
          },
        ))!;
      }
      const left = mgmtIps(vnf).VDU1!;
      const removed = three.filter((ip) => !left.includes(ip));
      expect(removed).toHaveLength(2);
      const listeners = await Promise.all(removed.map((ip) => listenOn(vim, ip)));
      try {
        const [remaining] = await resources(stack, id);
        await probesReach(remaining!.id, 4); // the kept instance is still probed, round after round…
        for (const [i, l] of listeners.entries()) {
          expect(await l.echoes(), `echo requests to removed IP ${removed[i]} after scale in`).toBe(0); // …the removed ones never
          await l.selfCheck();
        }
      } finally {
        await Promise.all(listeners.map((l) => l.remove()));
      }
      const list = await events(id);
      expect(count(list, /^SCALE:ACTIVE/), list.join('\n')).toBe(4);
      expect(count(list, /^MONITOR:/), `no failure taken for the scale in:\n${list.join('\n')}`).toBe(0);
      await stack.http().delete(`/v1.0/vnfs/${id}`);
    });

    it('4. http_ping + log: one MONITOR event per failure episode; recovery ends it; a second outage gives a second event', async () => {
      const vnfdId = await onboard(stack, sample('vnfd-http-ping-log', { '*': FAST }), 'http-log');
      const id = await createVnf(stack, vnfdId, 'web-log');
      await waitStatus(stack, id, 'ACTIVE');
      const [res] = await resources(stack, id);
      const ns = res!.id;
      await until(
        'the monitor PROBING with a healthy HTTP probe',
        () => monitorView(stack, id),
        (m) => m?.state === 'PROBING' && m.targets[0]?.lastResult === 'ok',
        {
          context: () => eventsText(stack, id),
        },
      );
      const logged = async () => count(await events(id), /^MONITOR:.*ActionLogOnly invoked/);

      await stopResponder(ns);
      await until('one "ActionLogOnly invoked" MONITOR event', logged, (n) => n >= 1, {
        context: () => eventsText(stack, id),
      });
      // Many more failed rounds: the episode stays open and writes nothing more. (Rounds of 1 s;
      // their heartbeat, what the monitor view shows, comes at most once a minute.)
      await new Promise((r) => setTimeout(r, 5500));
      expect(await logged(), await eventsText(stack, id)).toBe(1);

      await startResponderIn(ns, 8000);
      await until(
        'a MONITOR event ending the episode',
        () => events(id),
        (l) => count(l, /^MONITOR:/) === 2,
        { context: () => eventsText(stack, id) },
      );
      expect(await logged()).toBe(1);

      await stopResponder(ns);
      await until('a second "ActionLogOnly invoked" event for the second outage', logged, (n) => n === 2, {
        context: () => eventsText(stack, id),
      });
      const vnf = await getVnf(stack, id);
      expect(vnf!.status, 'log changes nothing on the VNF').toBe('ACTIVE');
      await stack.http().delete(`/v1.0/vnfs/${id}`);
    });

    it('5. two VDUs: vdu_autoheal recreates only VDU1 (VDU2 keeps its IP); a VDU2 failure with log_and_kill deletes the VNF', async () => {
      const vnfdId = await onboard(stack, sample('vnfd-two-vdus', { '*': FAST }), 'two-vdus');
      const id = await createVnf(stack, vnfdId, 'pair');
      const vnf = await waitStatus(stack, id, 'ACTIVE');
      const ips = mgmtIps(vnf);
      const res = await resources(stack, id);
      const nsOf = (vdu: string) => res.find((r) => r.name === vdu)!.id;
      const [vdu1Ns, vdu2Ns] = [nsOf('VDU1'), nsOf('VDU2')];
      await probesReach(vdu1Ns);
      // Both targets probed (the view's counters come with the loop's heartbeat, at most once a
      // minute per loop, so the rounds themselves are waited for: delay 1 s, period 1 s).
      await until(
        'both targets probed',
        () => monitorView(stack, id),
        (m) => m?.targets.length === 2 && m.targets.every((t: { state?: string }) => t.state === 'probing'),
      );
      await sleep(3000);

      await linkDown(vdu1Ns);
      const healed = await until(
        `VNF ${id} ACTIVE with a new VDU1 IP`,
        () => getVnf(stack, id),
        (v) => v?.status === 'ACTIVE' && mgmtIps(v).VDU1?.[0] !== ips.VDU1![0],
        {
          timeoutMs: 60_000,
          context: () => eventsText(stack, id),
        },
      );
      expect(mgmtIps(healed!).VDU2, 'VDU2 keeps its IP').toEqual(ips.VDU2);
      const after = await resources(stack, id);
      expect(after.find((r) => r.name === 'VDU2')!.id, 'VDU2 keeps its namespace').toBe(vdu2Ns);
      const newVdu1Ns = after.find((r) => r.name === 'VDU1')!.id;
      expect(newVdu1Ns).not.toBe(vdu1Ns);
      await probesReach(newVdu1Ns);
      const list = await events(id);
      expect(count(list, /^HEAL:ACTIVE/), list.join('\n')).toBe(1);
      expect(count(list, /VNF respawned/), list.join('\n')).toBe(0);

      await stopResponder(vdu2Ns);
      await until(
        `VNF ${id} deleted by log_and_kill`,
        () => getVnf(stack, id),
        (v) => v === undefined,
        { timeoutMs: 60_000, context: () => eventsText(stack, id) },
      );
      const final = await events(id);
      expect(
        final.some((e) => /^MONITOR:DEAD.*log_and_kill/.test(e)),
        final.join('\n'),
      ).toBe(true);
      expect(final.at(-1)).toMatch(/^DELETE:DELETED/);
      await until(
        'the monitor to complete',
        () => stack.client.workflow.getHandle(`vnf-monitor-${id}`).describe(),
        (d) => d.status.name === 'COMPLETED',
      );
      for (const ns of [newVdu1Ns, vdu2Ns])
        expect(await hostNamespaces(ns), `namespace ${ns} removed`).toEqual([]);
    });

    it('6. crash loop: a VDU that never answers is respawned with growing gaps, then ERROR naming the limit', async () => {
      const BACKOFF = 4;
      const vnfdId = await onboard(
        stack,
        sample(
          'vnfd-ping-respawn',
          { '*': { ...FAST, respawn_backoff: BACKOFF, respawn_limit: 3, respawn_backoff_max: 60 } },
          'broken-image',
        ),
        'crash-loop',
      );
      const id = await createVnf(stack, vnfdId, 'crashy');
      const vnf = await waitStatus(stack, id, 'ERROR', 120_000);
      expect(vnf.error_reason).toMatch(
        /respawn limit reached: 3 recreation\(s\) within 900 s \(respawn_limit 3\)/,
      );

      const ev = await vnfEvents(stack, id);
      const list = describeEvents(ev);
      const at = (re: RegExp) =>
        ev
          .filter((e) => re.test(`${e.event_type}:${e.resource_state} ${e.event_details?.message ?? ''}`))
          .map((e) => Date.parse(e.timestamp));
      const done = at(/VNF respawned/);
      const started = at(/respawning VNF/);
      expect(done, list.join('\n')).toHaveLength(3);
      expect(started).toHaveLength(3);
      // Gap from one respawn's end to the next one's start: at least the
      // back-off, which doubles (4 s, then 8 s). When detecting the failure
      // takes longer than a back-off (a loaded machine), that gap is the
      // detection time instead, so only the lower bounds are guaranteed.
      const gaps = [started[1]! - done[0]!, started[2]! - done[1]!];
      const why = `gaps ${gaps.join(', ')} ms\n${list.join('\n')}`;
      expect(gaps[0], why).toBeGreaterThanOrEqual(BACKOFF * 1000 - 250);
      expect(gaps[1], why).toBeGreaterThanOrEqual(2 * BACKOFF * 1000 - 250);
      // Each back-off the conductor announced is the doubled one for its recreation.
      const announced = list.flatMap((e) => {
        const m = /back-off (\d+) s after recreation (\d+)/.exec(e);
        return m ? [[Number(m[1]), Number(m[2])] as const] : [];
      });
      if (!announced.length)
        console.warn(`[scenarios] crash loop: detection outlasted every back-off (${why.split('\n')[0]})`);
      for (const [secs, k] of announced) expect(secs, why).toBe(BACKOFF * 2 ** (k - 1));
      const last = list.at(-1)!;
      expect(last, list.join('\n')).toMatch(
        /^MONITOR:ERROR respawn stopped: respawn limit reached.*respawn_limit 3/,
      );
      // The VNF in ERROR stays watched (issue 12): the monitor runs on, HELD, and acts no more.
      await until(
        'the monitor to hold, still running (vnfm monitor status)',
        async () => {
          const d = await stack.client.workflow.getHandle(`vnf-monitor-${id}`).describe();
          const st = await stack.cliJson<{ state: string }>(['monitor', 'status', id]);
          return `${d.status.name} ${st.state}`;
        },
        (s) => s === 'RUNNING HELD',
      );
      await sleep(2 * BACKOFF * 1000);
      const later = describeEvents(await vnfEvents(stack, id));
      expect(
        later.filter((e) => /respawning VNF/.test(e)),
        `no action after the limit put the VNF in ERROR\n${later.join('\n')}`,
      ).toHaveLength(3);

      // An operator cleans up: a VNF in ERROR can be deleted, and nothing is left on the host.
      const nss = (
        await stack.sql<{ ns: string }>(`SELECT vim_resource_id AS ns FROM vdu_instances WHERE vnf_id = $1`, [
          id,
        ])
      ).map((r) => r.ns);
      expect((await stack.http().delete(`/v1.0/vnfs/${id}`)).status).toBe(204);
      await until(
        `VNF ${id} gone`,
        () => getVnf(stack, id),
        (v) => v === undefined,
      );
      for (const ns of nss) expect(await hostNamespaces(ns)).toEqual([]);
    });
  },
);
