// The conductor keeps every monitored VNF's monitor in line with the
// database: the periodic reconciliation brings back a monitor killed by hand
// or lost, leaves a stopped one stopped, re-syncs one a hand-sent update
// moved ahead and updates one that missed an update; a PUT bumps the
// generation and updates the monitor; a rebuilt monitor numbers its episodes
// above every earlier one's. Real workers, Temporal and PostgreSQL; a static
// VIM on loopback (no root needed).
import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UPDATE_VNF_WORKFLOW } from '../../src/conductor/contract.js';
import { reconcileMonitors } from '../../src/conductor/maintenance/monitors.js';
import { createLogger } from '../../src/logger.js';
import { monitorWorkflowId, type MonitorInput, type MonitorStatus } from '../../src/monitoring/contract.js';
import { requestMonitorCommand } from '../../src/monitoring/status.js';
import { createVnf, loopbackVim, sampleTemplate, vnfStatus } from '../helpers/fixtures.js';
import { requestOperation } from '../helpers/lifecycle.js';
import { eventually, startStack, type TestStack } from '../helpers/workers.js';

describe('conductor: monitors in line with the database', () => {
  let stack: TestStack;
  let where: { tenantId: string; vimId: string };
  const vnfs: string[] = [];
  const deps = () => ({
    db: stack.db,
    client: stack.client,
    temporal: stack.temporal,
    log: createLogger('test'),
  });
  const handle = (id: string) => stack.client.workflow.getHandle(monitorWorkflowId(id));
  const status = (id: string) => handle(id).query<MonitorStatus>('status');
  const execution = async (id: string) => (await handle(id).describe()).status.name;
  const row = (id: string) => stack.db.vnf.findUniqueOrThrow({ where: { id } });
  /** Reconciliation passes until `done` holds (Temporal's visibility lags by a moment). */
  const reconcileUntil = (what: string, done: () => Promise<boolean>) =>
    eventually(
      what,
      async () => {
        await reconcileMonitors(deps());
        return done();
      },
      60_000,
      1000,
    );

  beforeAll(async () => {
    stack = await startStack({ pingEngine: 'ping' });
    where = await loopbackVim(stack.db, 'reconcile');
    const template = sampleTemplate('vnfd-ping-respawn', { period: 1, monitoring_delay: 0, count: 1 });
    for (const n of [1, 2, 3])
      vnfs.push(
        await createVnf(stack, where, template, `rec${n}`, {
          param_values: { mgmt_ips: { VDU1: `127.0.0.${30 + n}` } },
        }),
      );
    for (const id of vnfs) {
      await eventually('VNF ACTIVE', async () => (await vnfStatus(stack.db, id)) === 'ACTIVE');
      await eventually('monitor PROBING', async () => (await status(id)).state === 'PROBING');
    }
  });
  afterAll(async () => stack?.stop());

  it('a monitor killed by hand or terminated comes back with its actionId; a stopped one stays stopped', async () => {
    const [a, b, c] = vnfs as [string, string, string];
    const actionA = (await row(a)).monitorActionId!;
    await handle(a).signal('kill', { actionId: actionA });
    await handle(b).terminate('someone in the Web UI');
    const stopped = await requestMonitorCommand(
      stack.client,
      stack.temporal.conductorTaskQueue,
      c,
      'stop',
      'test',
    );
    expect(stopped).toMatchObject({ kind: 'done', result: { detail: 'monitoring stopped' } });
    expect((await row(c)).monitorActionId).toBeNull();
    await eventually('A completed', async () => (await execution(a)) === 'COMPLETED');

    await reconcileUntil(
      'A and B running again',
      async () => (await execution(a)) === 'RUNNING' && (await execution(b)) === 'RUNNING',
    );
    expect((await status(a)).actionId).toBe(actionA);
    await eventually('A probing', async () => (await status(a)).state === 'PROBING');
    // C's monitor stays ended: an operator stopped it.
    await reconcileMonitors(deps());
    expect(await execution(c)).toBe('TERMINATED');
    const events = await stack.db.event.findMany({ where: { resourceId: c, eventType: 'MONITOR' } });
    expect(events.map((e) => (e.eventDetails as { message: string }).message)).toContain(
      'monitoring stopped: by test',
    );

    // start turns it back on, under a new actionId.
    const started = await requestMonitorCommand(
      stack.client,
      stack.temporal.conductorTaskQueue,
      c,
      'start',
      'test',
    );
    expect(started.kind).toBe('done');
    await eventually('C running', async () => (await execution(c)) === 'RUNNING');
    expect((await status(c)).actionId).toBe((await row(c)).monitorActionId);
  });

  it('a running monitor the visibility scan does not show yet (it lags) is not commanded', async () => {
    const [a] = vnfs as [string];
    await eventually('A probing', async () => (await status(a)).state === 'PROBING');
    // Temporal's visibility is eventually consistent (and the scan is taken before the rows are
    // read): a monitor started a moment ago is missing from it. This client's scan leaves A out.
    const workflow = stack.client.workflow;
    const lagging = {
      ...deps(),
      client: new Proxy(stack.client, {
        get(target, key) {
          if (key !== 'workflow') return Reflect.get(target, key) as unknown;
          return new Proxy(workflow, {
            get(w, k) {
              if (k !== 'list') {
                const v = Reflect.get(w, k) as unknown;
                return typeof v === 'function' ? v.bind(w) : v;
              }
              return (opts: Parameters<typeof workflow.list>[0]) =>
                (async function* () {
                  for await (const x of workflow.list(opts))
                    if (x.workflowId !== monitorWorkflowId(a)) yield x;
                })();
            },
          });
        },
      }),
    };
    const out = await reconcileMonitors(lagging);
    expect(out.commands.filter((c) => c.vnfId === a)).toEqual([]);
    expect(await execution(a)).toBe('RUNNING');
  });

  it('a monitor ahead of the database (a hand-sent update) or behind it (a lost update) ends on the database', async () => {
    const [a, b] = vnfs as [string, string];
    const s = await status(a);
    await handle(a).signal('update', { actionId: s.actionId, generation: s.generation + 5, vdus: [] });
    await eventually('A ahead with no targets', async () => (await status(a)).targets.length === 0);
    await stack.db.vnf.update({ where: { id: b }, data: { monitorGeneration: { increment: 1 } } });
    await reconcileUntil('both on the database generation', async () => {
      const [ra, rb, sa, sb] = await Promise.all([row(a), row(b), status(a), status(b)]);
      return (
        sa.generation === ra.monitorGeneration &&
        sb.generation === rb.monitorGeneration &&
        sa.targets.length === 1
      );
    });
    expect((await row(a)).monitorGeneration).toBeGreaterThan(s.generation + 5);
  });

  it('a VNF update (PUT) bumps the generation and updates the monitor', async () => {
    const [, b] = vnfs as [string, string];
    const before = (await row(b)).monitorGeneration;
    const r = await requestOperation(stack, UPDATE_VNF_WORKFLOW, {
      vnfId: b,
      attributes: { config: { x: 1 } },
    });
    expect(r.answer).toMatchObject({ accepted: true });
    await r.result();
    expect((await row(b)).monitorGeneration).toBe(before + 1);
    await eventually(
      'monitor on the new generation',
      async () => (await status(b)).generation === before + 1,
    );
  });

  it('a rebuilt monitor numbers its episodes above every earlier monitor’s', async () => {
    const [a] = vnfs as [string];
    const vnf = await row(a);
    await stack.db.policyActionExecution.create({
      data: { vnfId: a, actionId: vnf.monitorActionId!, episode: 41, action: 'respawn', vduName: 'VDU1' },
    });
    await stack.db.event.create({
      data: {
        tenantId: vnf.tenantId,
        resourceId: a,
        resourceType: 'vnf',
        resourceState: 'ACTIVE',
        eventType: 'MONITOR',
        eventDetails: { message: 'an earlier episode', episode: 57 },
      },
    });
    const oldRun = (await handle(a).describe()).runId;
    const r = await requestMonitorCommand(
      stack.client,
      stack.temporal.conductorTaskQueue,
      a,
      'restart',
      'test',
    );
    expect(r.kind).toBe('done');
    const run = await eventually('a new run', async () => {
      const d = await handle(a).describe();
      return d.runId !== oldRun && d.status.name === 'RUNNING' ? d.runId : undefined;
    });
    const history = await stack.client.workflow.getHandle(monitorWorkflowId(a), run).fetchHistory();
    const started = history.events![0]!.workflowExecutionStartedEventAttributes!;
    const input = defaultPayloadConverter.fromPayload<MonitorInput>(started.input!.payloads![0]!);
    expect(input.firstEpisode).toBe(58);
    expect(input.actionId).toBe(vnf.monitorActionId);
  });
});
