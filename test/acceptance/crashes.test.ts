// Crashes of every process, from the outside: kill -9 the API in the middle of
// a VNF create, the monitor worker while 20 VNFs are monitored (with a VDU
// failing during the outage), the conductor in the middle of a respawn, and
// the Temporal dev server (restarted on the same database file) under load.
// After each: nothing lost (the operation completes, every monitor probes
// again, every fault is acted on) and nothing done twice (one policy action
// row, one respawn, one monitor workflow per VNF, no leaked namespace, no IP
// held twice). Driven through HTTP, the `vnfm` CLI and Temporal; checked on
// the VDUs' own ICMP counters, `ip netns` and the database's rows.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { netnsUnavailable } from '../helpers/netns.js';
import {
  createVnf,
  describeEvents,
  eventsText,
  getVnf,
  hostNamespaces,
  linkDown,
  listWorkflows,
  mgmtIps,
  monitorView,
  onboard,
  probesReach,
  registerNetnsVim,
  removeRegisteredVims,
  resources,
  sample,
  sleep,
  until,
  vimNamespaces,
  vnfEvents,
  waitStatus,
  type NetnsVim,
} from './operator.js';
import { Stack } from './stack.js';

const skip = await netnsUnavailable();
if (skip) console.warn(`SKIPPED acceptance crash tests: ${skip}`);

const FAST = { monitoring_delay: 1, period: 1 };
const FLEET = 20;

describe.skipIf(skip)(
  `acceptance: kill -9 each process${skip ? ` (skipped: ${skip})` : ''}`,
  // Generous: a loaded 2-core CI machine; each wait inside has its own, shorter deadline.
  { timeout: 300_000 },
  () => {
    let stack: Stack;
    let vim: NetnsVim;
    let vnfdId: string;
    const fleet: string[] = [];

    beforeAll(async () => {
      stack = await Stack.start({ name: 'crashes' });
      vim = await registerNetnsVim(stack);
      vnfdId = await onboard(stack, sample('vnfd-ping-respawn', { '*': FAST }), 'ping-respawn');
    }, 300_000);
    afterEach((ctx) => {
      if (ctx.task.result?.state === 'fail' && stack) stack.failed = true;
    });
    afterAll(async () => {
      await stack?.close();
      await removeRegisteredVims();
    });

    const count = (list: string[], re: RegExp) => list.filter((e) => re.test(e)).length;
    const events = async (id: string) => describeEvents(await vnfEvents(stack, id));

    /** Policy action rows per VNF (the conductor's idempotency records: one per failure episode). */
    async function actionRows(): Promise<Map<string, number>> {
      const rows = await stack.sql<{ vnf_id: string; n: string }>(
        `SELECT vnf_id, count(*) AS n FROM policy_action_executions GROUP BY vnf_id`,
      );
      return new Map(rows.map((r) => [r.vnf_id, Number(r.n)]));
    }

    /** The host and the database agree: every live instance has its namespace and its own IP, and nothing else exists. */
    async function checkNoLeaks(vnfIds: string[]) {
      const live = await stack.sql<{ ns: string; ip: string; id: string }>(
        `SELECT vim_resource_id AS ns, mgmt_ip AS ip, id FROM vdu_instances WHERE deleted_at IS NULL AND vnf_id = ANY($1::uuid[])`,
        [vnfIds],
      );
      expect(await vimNamespaces(vim), 'namespaces on the host = live instances').toEqual(
        live.map((r) => r.ns).sort(),
      );
      const held = await stack.sql<{ ip: string; instance_id: string }>(
        `SELECT ip, instance_id FROM ip_allocations WHERE released_at IS NULL`,
      );
      expect(
        held.map((h) => `${h.instance_id}=${h.ip}`).sort(),
        'IP allocations held = live instances',
      ).toEqual(live.map((r) => `${r.id}=${r.ip}`).sort());
    }

    /** Every fleet VNF's namespace (one VDU each). */
    async function fleetNamespaces(ids = fleet): Promise<string[]> {
      return Promise.all(ids.map(async (id) => (await resources(stack, id))[0]!.id));
    }

    const probingQuery = `WorkflowType = 'vnfMonitorWorkflow' AND ExecutionStatus = 'Running' AND MonitorState = 'PROBING'`;
    async function allProbing(n: number, what: string) {
      await until(
        `${n} monitors PROBING (Temporal visibility: ${probingQuery}) ${what}`,
        () => listWorkflows(stack, probingQuery).then((r) => r.length),
        (c) => c === n,
        {
          timeoutMs: 90_000,
          everyMs: 1000,
          context: async () => stack.logTails(6),
        },
      );
    }

    it('kill -9 the API in the middle of a VNF create: the row is reconciled and the VNF ends ACTIVE', async () => {
      // The API writes the PENDING_CREATE row, then asks Temporal to start the
      // create workflow. A frozen Temporal server holds it right there; the API
      // dies; the server too, before reading the request. So the row exists and
      // no workflow does: only the conductor's reconciliation can finish it.
      stack.freezeTemporal();
      const name = `mid-create-${Date.now()}`;
      const posted = stack
        .http()
        .post('/v1.0/vnfs', { vnf: { name, vnfd_id: vnfdId } })
        .catch((err: Error) => err);
      const row = await until(
        `VNF ${name} row written by the API`,
        () =>
          stack
            .http()
            .get(`/v1.0/vnfs?name=${name}`)
            .then((r) => r.body?.vnfs?.[0]),
        (v) => v !== undefined,
        { everyMs: 20, timeoutMs: 20_000 },
      );
      await stack.kill('api');
      const answer = await posted;
      expect(
        answer instanceof Error,
        `the client must not have had an answer (${JSON.stringify(answer)})`,
      ).toBe(true);
      const restartedAt = new Date();
      await stack.restartTemporal();
      await stack.start('api');
      const id = row.id as string;
      // Only a workflow the crashed API started counts: the conductor's reconciliation (rows
      // older than 5 s, every 2 s) may already have started one since, on a slow machine.
      const lifecycle = await listWorkflows(
        stack,
        `WorkflowId = 'vnf-lifecycle-${id}' AND StartTime < '${restartedAt.toISOString()}'`,
      );
      expect(lifecycle, 'the crash landed between the row and the workflow start').toEqual([]);

      // While the conductor's reconciliation (rows older than 5 s, every 2 s here)
      // comes round, the restarted API creates the fleet the next tests use.
      const t0 = Date.now();
      fleet.push(
        ...(await Promise.all(
          Array.from({ length: FLEET }, (_, i) => createVnf(stack, vnfdId, `fleet-${i}`)),
        )),
      );
      await Promise.all(fleet.map((f) => waitStatus(stack, f, 'ACTIVE', 120_000)));
      const vnf = await waitStatus(stack, id, 'ACTIVE', 100_000);
      console.log(
        `[crashes] orphaned create reconciled ${((Date.now() - t0) / 1000).toFixed(0)} s after the API restart`,
      );
      expect(mgmtIps(vnf).VDU1).toHaveLength(1);
      const list = await events(id);
      expect(count(list, /^CREATE:ACTIVE/), list.join('\n')).toBe(1);
      expect(await listWorkflows(stack, `WorkflowId = 'vnf-lifecycle-${id}'`)).toHaveLength(1);
      fleet.push(id);
      await checkNoLeaks(fleet);
    });

    it(`kill -9 the monitor worker while ${FLEET + 1} VNFs are monitored, a VDU fails meanwhile: every monitor resumes, the fault is acted on once`, async () => {
      await allProbing(fleet.length, 'before the kill');
      const namespaces = await fleetNamespaces();
      const before = await actionRows();
      const victim = fleet[7]!;
      const victimIp = mgmtIps((await getVnf(stack, victim))!).VDU1![0];

      await stack.kill('monitor');
      await linkDown(namespaces[7]!);
      // An outage longer than detection would take (≈ 2 s) and than the loops' heartbeat timeout (5 s).
      await sleep(7000);
      expect((await getVnf(stack, victim))!.status, 'nobody acts while no monitor worker runs').toBe(
        'ACTIVE',
      );
      await stack.start('monitor');

      const after = await until(
        `VNF ${victim} ACTIVE on a new IP (respawned)`,
        () => getVnf(stack, victim),
        (v) => v?.status === 'ACTIVE' && mgmtIps(v).VDU1?.[0] !== victimIp,
        {
          timeoutMs: 60_000,
          context: () => eventsText(stack, victim),
        },
      );
      expect(after).toBeDefined();
      await allProbing(fleet.length, 'after the restart');
      // Probes reach every VDU again (the respawned one at its new namespace).
      const now = await fleetNamespaces();
      await Promise.all(now.map((ns) => probesReach(ns, 2, 30_000)));

      const rows = await actionRows();
      for (const id of fleet) {
        const added = (rows.get(id) ?? 0) - (before.get(id) ?? 0);
        expect(added, `policy actions for VNF ${id}${id === victim ? ' (the failed one)' : ''}`).toBe(
          id === victim ? 1 : 0,
        );
      }
      const list = await events(victim);
      expect(count(list, /VNF respawned/), list.join('\n')).toBe(1);
      for (const id of fleet.filter((f) => f !== victim)) {
        expect(count(await events(id), /^MONITOR:/), `MONITOR events of healthy VNF ${id}`).toBe(0);
      }
      await checkNoLeaks(fleet);
    });

    it('kill -9 the conductor in the middle of a respawn: a new conductor completes it once, no leaked namespace, VNF ACTIVE', async () => {
      const victim = fleet[3]!;
      const [oldNs] = await fleetNamespaces([victim]);
      const oldIp = mgmtIps((await getVnf(stack, victim))!).VDU1![0];
      const before = await actionRows();

      await linkDown(oldNs!);
      // The respawn deletes the old instance, then boots the new one: kill the
      // conductor the moment the old namespace is gone.
      await until(
        `the respawn to delete namespace ${oldNs}`,
        () => hostNamespaces(oldNs!),
        (l) => l.length === 0,
        { everyMs: 5, timeoutMs: 60_000 },
      );
      await stack.kill('conductor');
      const mid = (await getVnf(stack, victim))!;
      expect(mid.status, `killed mid-respawn:\n${await eventsText(stack, victim)}`).toBe('DEAD');

      await stack.start('conductor');
      const vnf = await until(
        `VNF ${victim} ACTIVE on a new IP`,
        () => getVnf(stack, victim),
        (v) => v?.status === 'ACTIVE' && !!mgmtIps(v).VDU1?.[0] && mgmtIps(v).VDU1![0] !== oldIp,
        {
          timeoutMs: 90_000,
          context: async () => `${await eventsText(stack, victim)}\n${stack.logTails(6)}`,
        },
      );
      const [newNs] = await fleetNamespaces([victim]);
      await probesReach(newNs!);
      const list = await events(victim);
      expect(count(list, /VNF respawned/), list.join('\n')).toBe(1);
      expect(count(list, /^MONITOR:DEAD VNF is DEAD/), list.join('\n')).toBe(1);
      const rows = await actionRows();
      expect(
        (rows.get(victim) ?? 0) - (before.get(victim) ?? 0),
        'policy action rows for the respawned VNF',
      ).toBe(1);
      const done = await stack.sql<{ status: string }>(
        `SELECT status FROM policy_action_executions WHERE vnf_id = $1 ORDER BY started_at DESC LIMIT 1`,
        [victim],
      );
      expect(done[0]!.status).toBe('DONE');
      expect(mgmtIps(vnf!).VDU1).toHaveLength(1);
      await checkNoLeaks(fleet);
    });

    it('restart the Temporal dev server (same database file) under load: monitors continue, no workflow is created twice, nothing is lost', async () => {
      await allProbing(fleet.length, 'before the restart');
      const monitorsBefore = await listWorkflows(stack, `WorkflowType = 'vnfMonitorWorkflow'`);
      const runs = new Map(monitorsBefore.map((w) => [w.workflowId, w.runId]));
      const rowsBefore = await actionRows();

      // Load: operators reading over HTTP the whole time, and a create in flight.
      let reading = true;
      const statuses = new Map<number, number>();
      const readers = Array.from({ length: 4 }, async () => {
        while (reading) {
          const r = await stack
            .http()
            .get('/v1.0/vnfs?limit=50')
            .catch(() => ({ status: 0 }));
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          await sleep(50);
        }
      });
      const extra = await createVnf(stack, vnfdId, 'during-restart');
      await stack.restartTemporal();
      await sleep(2000);
      reading = false;
      await Promise.all(readers);

      await waitStatus(stack, extra, 'ACTIVE', 90_000);
      await allProbing(fleet.length + 1, 'after the restart');
      const monitorsAfter = await listWorkflows(stack, `WorkflowType = 'vnfMonitorWorkflow'`);
      expect(monitorsAfter, 'one monitor workflow execution per VNF').toHaveLength(fleet.length + 1);
      for (const [wid, runId] of runs) {
        expect(
          monitorsAfter.find((w) => w.workflowId === wid)?.runId,
          `${wid} continues in the same run`,
        ).toBe(runId);
      }
      const namespaces = await fleetNamespaces([...fleet, extra]);
      await Promise.all(namespaces.map((ns) => probesReach(ns, 2, 30_000)));
      expect(count(await events(extra), /^CREATE:ACTIVE/)).toBe(1);
      // A Temporal outage is not a VDU failure.
      expect(await actionRows(), 'no policy action caused by the restart').toEqual(rowsBefore);
      // Reads need only the database: they answered throughout.
      expect(
        [...statuses.keys()],
        `answers to GET /v1.0/vnfs during the restart: ${JSON.stringify([...statuses])}`,
      ).toEqual([200]);
      await checkNoLeaks([...fleet, extra]);
      // The API's own Temporal connection came back: the monitor view and a lifecycle request work.
      const view = await monitorView(stack, extra);
      expect(view?.state, 'GET /v1.0/vnfs/{id}/monitor after the restart').toBe('PROBING');
      const del = await stack.http().delete(`/v1.0/vnfs/${extra}`);
      expect(del.status, del.text).toBe(204);
      await until(
        `VNF ${extra} deleted after the restart`,
        () => getVnf(stack, extra),
        (v) => v === undefined,
        {
          context: () => eventsText(stack, extra),
        },
      );
      await checkNoLeaks(fleet);
    });
  },
);
