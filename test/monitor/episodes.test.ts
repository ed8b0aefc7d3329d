// http_ping + log on a netns VDU: a stopped responder gives exactly one
// MONITOR event per failure episode (not one per round); a restarted one
// ends the episode with a "recovered" event; stopping it again opens a second
// episode. Then a storm of messages with a wrong actionId (all ignored) drives
// the workflow to continue-as-new, and the new run carries the counters, the
// open episode, the episode numbering and the action history.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monitorWorkflowId, type MonitorStatus } from '../../src/monitoring/contract.js';
import { getMonitorStatus } from '../../src/monitoring/status.js';
import { createVnf, liveInstances, vnfEvents, vnfStatus } from '../helpers/fixtures.js';
import { netnsVimEnv, privateTemporal, template, type VimEnv } from '../helpers/lifecycle.js';
import { netnsUnavailable } from '../helpers/netns.js';
import { eventually, startStack, type TestStack } from '../helpers/workers.js';

const skip = await netnsUnavailable();
if (skip) console.warn(`SKIPPED monitor episode tests: ${skip}`);

/** Above what the first test's monitor history reaches, so the rollover happens in the second. */
const SUGGEST_CAN_AT = 150;

interface Details {
  message?: string;
  kind?: string;
  episode?: number;
}

describe.skipIf(skip)('monitor: http_ping + log, one event per failure episode', () => {
  let stack: TestStack;
  let env: VimEnv;
  let temporal: Awaited<ReturnType<typeof privateTemporal>>;
  let vnfId: string;
  let instanceId: string;
  beforeAll(async () => {
    // A server of our own that suggests continue-as-new after a few hundred
    // events, instead of the default 4096 (which takes a flood of signals).
    temporal = await privateTemporal({ 'limit.historyCount.suggestContinueAsNew': SUGGEST_CAN_AT });
    stack = await startStack({ temporalAddress: temporal.address, heartbeatTimeoutMs: 3000 });
    env = await netnsVimEnv(stack.db);
  });
  afterAll(async () => {
    await stack?.stop();
    await env?.cleanup();
    await temporal?.stop();
  });

  const monitorEvents = async () =>
    (await vnfEvents(stack.db, vnfId))
      .filter((e) => e.eventType === 'MONITOR')
      .map((e) => ({ ...(e.eventDetails as Details), at: e.timestamp }));
  const logged = async () => (await monitorEvents()).filter((e) => e.message?.startsWith('ActionLogOnly'));
  const recovered = async () => (await monitorEvents()).filter((e) => e.kind === 'recovered');
  // Failed rounds heartbeat at most once a minute and healthy ones hourly (the worker's presence,
  // not the loops, notices a dead worker), so the status's live counters are not watched here:
  // rounds of 1 s are waited for instead.
  const rounds = (n: number) => new Promise((r) => setTimeout(r, n * 1000 + 500));
  const handle = () => stack.client.workflow.getHandle(monitorWorkflowId(vnfId));

  it('one log event per episode; recovery ends it; a second failure opens another', async () => {
    // failure_threshold = retry = 2 rounds of 1 s.
    const tpl = template('vnfd-http-ping-log', {
      params: { period: 1, monitoring_delay: 1, retry: 2, timeout: 1 },
    });
    vnfId = await createVnf(stack, env, tpl);
    await eventually('VNF ACTIVE', async () => (await vnfStatus(stack.db, vnfId)) === 'ACTIVE');
    instanceId = (await liveInstances(stack.db, vnfId))[0]!.id;
    await eventually('healthy rounds', async () => {
      const t = (await getMonitorStatus(stack.client, vnfId))?.targets[0];
      return t?.lastResult === 'ok';
    });
    await rounds(1);

    await env.inject(instanceId, 'responder-stop');
    await eventually('the first log event', async () => (await logged()).length === 1, 20_000);
    // Many more failed rounds: still one event for the episode.
    await rounds(5);
    expect(await logged()).toHaveLength(1);
    expect((await logged())[0]!.episode).toBe(1);
    const st = await handle().query<MonitorStatus>('status');
    expect(st.targets[0]).toMatchObject({ state: 'failed', episode: 1 });
    expect(st.history).toHaveLength(1);
    expect(st.history[0]).toMatchObject({ episode: 1, action: 'log' });

    await env.inject(instanceId, 'responder-start');
    await eventually('a recovered event', async () => (await recovered()).length === 1, 20_000);
    expect((await recovered())[0]!.episode).toBe(1);
    expect(await logged()).toHaveLength(1);
    await eventually('target healthy, episode closed', async () => {
      const t = (await handle().query<MonitorStatus>('status')).targets[0]!;
      return t.episode === undefined && t.state === 'probing';
    });

    await env.inject(instanceId, 'responder-stop');
    await eventually('the second log event', async () => (await logged()).length === 2, 20_000);
    expect((await logged())[1]!.episode).toBe(2);
    await rounds(4);
    expect(await logged()).toHaveLength(2);
    expect(await recovered()).toHaveLength(1);
    // log never changes the VNF or its instances.
    expect(await vnfStatus(stack.db, vnfId)).toBe('ACTIVE');
    expect((await liveInstances(stack.db, vnfId)).map((i) => i.id)).toEqual([instanceId]);
    expect(await stack.db.policyActionExecution.count({ where: { vnfId } })).toBe(2);
  });

  it('continue-as-new (driven by ignored messages) carries counters, the open episode and the history', async () => {
    const before = await handle().query<MonitorStatus>('status');
    const firstRun = (await handle().describe()).runId;
    expect(before.targets[0]!.episode).toBe(2);

    // Messages with another actionId are ignored, yet each is a history
    // event: send them one by one until the server suggests continue-as-new
    // and the workflow rolls over.
    const wrong = { actionId: '00000000-0000-4000-8000-000000000000' };
    const h = handle();
    let sent = 0;
    while ((await h.describe()).runId === firstRun) {
      if (sent >= SUGGEST_CAN_AT) throw new Error(`no continue-as-new after ${sent} signals`);
      if (sent % 3 === 0) await h.signal('kill', wrong);
      else if (sent % 3 === 1) await h.signal('pause', wrong);
      else await h.signal('update', { ...wrong, generation: 1_000 + sent, vdus: [] });
      sent++;
    }
    const first = await stack.client.workflow.getHandle(monitorWorkflowId(vnfId), firstRun).describe();
    expect(first.status.name).toBe('CONTINUED_AS_NEW');

    const after = await h.query<MonitorStatus>('status');
    expect(after.actionId).toBe(before.actionId);
    expect(after.generation).toBe(before.generation);
    expect(after.state).not.toBe('PAUSED');
    expect(after.history).toEqual(before.history);
    expect(after.lastAction).toEqual(before.lastAction);
    expect(after.targets).toHaveLength(1);
    expect(after.targets[0]).toMatchObject({ instanceId, episode: 2, state: 'failed' });
    expect(after.targets[0]!.consecutiveFailures).toBeGreaterThanOrEqual(2);
    expect((await h.describe()).status.name).toBe('RUNNING');

    // The carried episode is still the open one: no new event while failing...
    await rounds(2); // more failed rounds in the new run
    expect(await logged()).toHaveLength(2);
    // ...its recovery closes episode 2, and the next failure is episode 3.
    await env.inject(instanceId, 'responder-start');
    await eventually(
      'episode 2 recovered',
      async () => (await recovered()).some((e) => e.episode === 2),
      20_000,
    );
    await env.inject(instanceId, 'responder-stop');
    await eventually('the third log event', async () => (await logged()).length === 3, 20_000);
    expect((await logged())[2]!.episode).toBe(3);
    expect(await stack.db.policyActionExecution.count({ where: { vnfId } })).toBe(3);
    expect(await vnfStatus(stack.db, vnfId)).toBe('ACTIVE');
  });
});
