// The monitor's shell (src/workflows/monitor/workflow.ts) on a real Temporal
// server, with the probe loop, its control queue, the conductor's event
// writes and policy actions played by the test (test/monitor/shell/). Each
// test is one hole the implementation before the state machine had, driven
// through exactly the interleaving that showed it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monitorWorkflowId } from '../../src/monitoring/contract.js';
import { temporalAddress } from '../helpers/env.js';
import { privateTemporal } from '../helpers/lifecycle.js';
import { eventually } from '../helpers/workers.js';
import { ShellWorld } from './shell/harness.js';

describe('monitor shell', () => {
  let w: ShellWorld;
  beforeAll(async () => {
    w = await ShellWorld.start(temporalAddress());
  });
  afterAll(async () => {
    await w?.close();
  });

  it('a stale answer ends the episode: a target that still fails is acted on again', async () => {
    const m = await w.startMonitor({ targets: [{ id: 't1', action: 'respawn' }] });
    (await w.liveLoop(m.vnfId)).end({ kind: 'failure', instanceId: 't1' });
    const first = await w.action(m.vnfId, 0);
    expect(first.req).toMatchObject({ episode: 1, generation: 1, instanceId: 't1', protocol: 3 });
    const seen = w.loops.length;
    first.answer({
      outcome: { result: 'stale', generation: 1, vdus: m.input.vdus, detail: 'scaled meanwhile' },
    });
    // Judged afresh: the new loop has the target without an episode and with fresh counts.
    const loop = await w.liveLoop(m.vnfId, seen);
    expect(loop.input.counters.t1).toMatchObject({ consecutiveFailures: 0 });
    expect(loop.input.counters.t1?.episode).toBeUndefined();
    loop.end({ kind: 'failure', instanceId: 't1' });
    const second = await w.action(m.vnfId, 1);
    expect(second.req).toMatchObject({ episode: 2, instanceId: 't1' });
    second.answer({ outcome: { result: 'ok', generation: 1, vdus: m.input.vdus, detail: 'done' } });
  });

  it('a policy action that fails for good: a give-up event, the episode ends, the next waits', async () => {
    const m = await w.startMonitor({ targets: [{ id: 't1', action: 'respawn' }] });
    (await w.liveLoop(m.vnfId)).end({ kind: 'failure', instanceId: 't1' });
    const seen = w.loops.length;
    (await w.action(m.vnfId, 0)).answer({ fail: { message: 'cleanup failed', type: 'Boom' } });
    const gaveUp = await w.write(m.vnfId, 'gave_up');
    expect(gaveUp.event.detail).toMatch(/respawn for episode 1 failed \(cleanup failed\).*in 30 s/);
    const loop = await w.liveLoop(m.vnfId, seen);
    expect(loop.input.counters.t1?.episode).toBeUndefined();
    loop.end({ kind: 'failure', instanceId: 't1' });
    const t = await eventually('a deferred episode', async () => {
      const s = await w.status(m.handle);
      return s.targets[0]?.episodeStatus === 'waiting_retry' ? s.targets[0] : undefined;
    });
    expect(Date.parse(t.retryAt!) - Date.now()).toBeGreaterThan(10_000);
    expect(w.actions.filter((a) => a.req.vnfId === m.vnfId)).toHaveLength(1);
  });

  it('episode numbers continue above an earlier monitor’s, and a taken one is skipped', async () => {
    const m = await w.startMonitor({ targets: [{ id: 't1', action: 'log' }], firstEpisode: 7 });
    (await w.liveLoop(m.vnfId)).end({ kind: 'failure', instanceId: 't1' });
    const first = await w.action(m.vnfId, 0);
    expect(first.req.episode).toBe(7);
    first.answer({ fail: { message: 'episode 7 was another failure', type: 'EpisodeTaken' } });
    const again = await w.action(m.vnfId, 1);
    expect(again.req).toMatchObject({ episode: 8, instanceId: 't1' });
    again.answer({ outcome: { result: 'ok', generation: 1, vdus: m.input.vdus, detail: 'logged' } });
    await eventually('the episode open as acted', async () => {
      const s = await w.status(m.handle);
      return s.targets[0]?.episodeStatus === 'acted' && s.targets[0].episode === 8;
    });
  });

  it('a malformed update is ignored with its reason; the monitor goes on and takes a valid one', async () => {
    const m = await w.startMonitor({ targets: [{ id: 't1' }] });
    await w.liveLoop(m.vnfId);
    await m.handle.signal('update', { actionId: m.actionId, generation: 5, vdus: [{ vduName: 'VDU1' }] });
    await m.handle.signal('kill', 'not an object');
    await eventually('two messages ignored', async () => (await w.status(m.handle)).ignoredMessages === 2);
    const s = await w.status(m.handle);
    expect(s.lastIgnored).toMatch(/^kill: message must be an object/);
    expect(s.generation).toBe(1);
    const vdus = [
      ...m.input.vdus,
      {
        ...m.input.vdus[0]!,
        vduName: 'VDU2',
        targets: [{ instanceId: 't2', ip: '10.9.200.1', bootedAt: '2026-01-01T00:00:00.000Z' }],
      },
    ];
    await m.handle.signal('update', { actionId: m.actionId, generation: 2, vdus });
    await eventually('the valid update taken', async () => {
      const st = await w.status(m.handle);
      return st.generation === 2 && st.targets.length === 2;
    });
    expect((await m.handle.describe()).status.name).toBe('RUNNING');
  });

  it('probing never waits for the database: a recovery is written in the background', async () => {
    const m = await w.startMonitor({ targets: [{ id: 't1', action: 'log' }] });
    (await w.liveLoop(m.vnfId)).end({ kind: 'failure', instanceId: 't1' });
    (await w.action(m.vnfId, 0)).answer({
      outcome: { result: 'ok', generation: 1, vdus: m.input.vdus, detail: 'logged' },
    });
    // The only target is back in a loop once its action is done, its episode open (log).
    const inEpisode = await w.waitFor('a loop probing t1 in its episode', () =>
      w.loops.findLast((l) => l.input.vnfId === m.vnfId && !l.ended && l.input.counters.t1?.episode === 1),
    );
    w.holdWrites = true;
    try {
      const seen = w.loops.length;
      inEpisode.end({ kind: 'recovered', instanceId: 't1' });
      const write = await w.write(m.vnfId, 'recovered');
      // The database does not answer, and yet the target is probed again.
      const next = await w.liveLoop(m.vnfId, seen);
      expect(next.input.counters.t1?.episode).toBeUndefined();
      write.done();
    } finally {
      w.holdWrites = false;
    }
  });

  it("a failure on one target is acted on while another target's action still runs", async () => {
    const m = await w.startMonitor({
      targets: [
        { id: 't1', action: 'vdu_autoheal', vdu: 'VDU1' },
        { id: 't2', action: 'vdu_autoheal', vdu: 'VDU2' },
      ],
    });
    const before = await w.liveLoop(m.vnfId);
    const seen = w.loops.length;
    before.end({ kind: 'failure', instanceId: 't1' });
    const first = await w.action(m.vnfId, 0);
    // t2 stays watched while t1 heals.
    const loop = await w.liveLoop(m.vnfId, seen);
    expect(loop.input.targets.map((t) => t.instanceId)).toEqual(['t2']);
    loop.end({ kind: 'failure', instanceId: 't2' });
    const second = await w.action(m.vnfId, 1);
    expect(second.req).toMatchObject({ instanceId: 't2', episode: 2 });
    expect((await w.status(m.handle)).actions?.map((a) => a.instanceId).sort()).toEqual(['t1', 't2']);
    first.answer({ outcome: { result: 'ok', generation: 1, vdus: m.input.vdus, detail: 'healed' } });
    second.answer({ outcome: { result: 'ok', generation: 1, vdus: m.input.vdus, detail: 'healed' } });
  });

  it('a VNF in ERROR is watched but not acted on; an update saying ACTIVE lets it act again', async () => {
    const m = await w.startMonitor({ targets: [{ id: 't1', action: 'respawn' }], vnfStatus: 'ERROR' });
    await eventually('HELD', async () => (await w.status(m.handle)).state === 'HELD');
    (await w.liveLoop(m.vnfId)).end({ kind: 'failure', instanceId: 't1' });
    const held = await w.write(m.vnfId, 'held');
    expect(held.event.detail).toMatch(/no respawn: the VNF is ERROR/);
    await eventually('target held', async () => (await w.status(m.handle)).targets[0]?.state === 'held');
    expect(w.actions.filter((a) => a.req.vnfId === m.vnfId)).toHaveLength(0);
    const seen = w.loops.length;
    await m.handle.signal('update', {
      actionId: m.actionId,
      generation: 2,
      vdus: m.input.vdus,
      vnfStatus: 'ACTIVE',
    });
    const loop = await eventually('a loop judging the target afresh', async () => {
      const l = w.loops.slice(seen).findLast((x) => x.input.vnfId === m.vnfId && !x.ended);
      if (l) return l;
      const current = w.loops.findLast((x) => x.input.vnfId === m.vnfId && !x.ended);
      return current?.controls.some((c) => c.command === 'update' && c.reset?.includes('t1'))
        ? current
        : undefined;
    });
    loop.end({ kind: 'failure', instanceId: 't1' });
    expect((await w.action(m.vnfId, 0)).req).toMatchObject({ generation: 2, instanceId: 't1' });
  });

  it('a loop that ended with a report is followed on the same worker without a new pick; one handed back is picked again', async () => {
    const m = await w.startMonitor({ targets: [{ id: 't1', action: 'log' }] });
    const first = await w.liveLoop(m.vnfId);
    const picks = w.picks;
    first.end({ kind: 'failure', instanceId: 't1' });
    const action = await w.action(m.vnfId, 0);
    action.answer({ outcome: { result: 'ok', generation: 1, vdus: m.input.vdus, detail: 'logged' } });
    const second = await w.liveLoop(m.vnfId, w.loops.indexOf(first) + 1);
    expect(w.picks, 'a report: no pick').toBe(picks);
    // Handed back (a quarantine, a shutdown): the worker may not take it again, so pick.
    second.end({ kind: 'stopped', reason: 'control' });
    await w.liveLoop(m.vnfId, w.loops.indexOf(second) + 1);
    expect(w.picks, 'handed back: a pick').toBe(picks + 1);
  });

  it('a failure report that arrives late is probed once more: no action until a fresh report', async () => {
    const m = await w.startMonitor({ targets: [{ id: 't1', action: 'respawn' }] });
    const first = await w.liveLoop(m.vnfId);
    const mine = () => w.actions.filter((x) => x.req.vnfId === m.vnfId).length;
    const stale = new Date(Date.now() - 60_000).toISOString();
    first.end({
      kind: 'failure',
      instanceId: 't1',
      counters: {
        t1: { consecutiveFailures: 1, consecutiveSuccesses: 0, lastResult: 'failed', lastProbeAt: stale },
      },
    });
    // Back to the loop one failure short of the threshold (1 here), no action.
    const recheck = await w.liveLoop(m.vnfId, w.loops.indexOf(first) + 1);
    expect(recheck.input.counters.t1).toMatchObject({ consecutiveFailures: 0 });
    expect(recheck.input.counters.t1?.episode).toBeUndefined();
    expect(mine(), 'no action on a late report').toBe(0);
    // Still failing: reported again, fresh — acted on.
    recheck.end({
      kind: 'failure',
      instanceId: 't1',
      counters: {
        t1: {
          consecutiveFailures: 1,
          consecutiveSuccesses: 0,
          lastResult: 'failed',
          lastProbeAt: new Date().toISOString(),
        },
      },
    });
    const action = await w.action(m.vnfId, 0);
    expect(action.req).toMatchObject({ instanceId: 't1', action: 'respawn' });
    action.answer({ outcome: { result: 'ok', generation: 1, vdus: m.input.vdus, detail: 'respawned' } });
  });

  it('a loop check without an answer (a busy worker) asks again instead of replacing the loop; three unanswered checks replace it', async () => {
    w.workerHeartbeatMs = 1500;
    try {
      const busy = await w.startMonitor({ targets: [{ id: 't1' }] });
      const busyLoop = await w.liveLoop(busy.vnfId);
      busyLoop.mute = true;
      await eventually('an unanswered check', async () =>
        busyLoop.controls.some((c) => c.command === 'ping'),
      );
      // Unanswered, not refused: the loop stays, and is kept once its worker answers.
      expect(busyLoop.ended).toBe(false);
      busyLoop.mute = false;
      await eventually(
        'the check asked again',
        async () => busyLoop.controls.filter((c) => c.command === 'ping').length >= 2,
      );
      await new Promise((r) => setTimeout(r, 2 * w.workerHeartbeatMs));
      expect(busyLoop.ended).toBe(false);
      expect(w.loops.filter((l) => l.input.vnfId === busy.vnfId)).toHaveLength(1);
      expect((await w.status(busy.handle)).state).toBe('PROBING');

      // A control queue that never answers: after three checks the loop is replaced.
      const silent = await w.startMonitor({ targets: [{ id: 't1' }] });
      const silentLoop = await w.liveLoop(silent.vnfId);
      silentLoop.mute = true;
      const seen = w.loops.length;
      await eventually(
        'three unanswered checks',
        async () => silentLoop.controls.filter((c) => c.command === 'ping').length >= 3,
      );
      silentLoop.mute = false; // the stop that follows is taken, so the replacement need not wait out its grace
      const next = await w.liveLoop(silent.vnfId, seen);
      expect(silentLoop.controls.at(-1)?.command).toBe('stop');
      expect(next.input.loopId).not.toBe(silentLoop.input.loopId);
      expect(silentLoop.controls.filter((c) => c.command === 'ping')).toHaveLength(3);
      expect((await w.status(silent.handle)).state).toBe('PROBING');
    } finally {
      w.workerHeartbeatMs = 60_000;
    }
  });
});

describe('monitor shell: the healing gate', () => {
  let w: ShellWorld;
  beforeAll(async () => {
    w = await ShellWorld.start(temporalAddress());
  });
  afterAll(async () => {
    await w?.close();
  });

  it('a deferred action: HELD with its reason, the target probed, its recovery ends the episode', async () => {
    const m = await w.startMonitor({ targets: [{ id: 't1', action: 'respawn' }] });
    (await w.liveLoop(m.vnfId)).end({ kind: 'failure', instanceId: 't1' });
    const a = await w.action(m.vnfId, 0);
    await m.handle.signal('actionPhase', {
      actionId: m.actionId,
      episode: 1,
      phase: 'confirming the failure',
    });
    await eventually(
      'the phase shown',
      async () => (await w.status(m.handle)).actions?.[0]?.phase === 'confirming the failure',
    );
    a.answer({ outcome: { result: 'deferred', detail: 'held: correlated failure in VIM v1', holdId: 'h1' } });
    const held = await eventually('HELD', async () => {
      const s = await w.status(m.handle);
      return s.state === 'HELD' ? s : undefined;
    });
    expect(held.targets[0]).toMatchObject({ state: 'held', reason: 'held: correlated failure in VIM v1' });
    expect(held.hold).toBeUndefined(); // the VNF itself is not held
    const loop = await w.waitFor('t1 probed in its episode', () =>
      w.loops.findLast((l) => l.input.vnfId === m.vnfId && !l.ended && l.input.counters.t1?.episode === 1),
    );
    loop.end({ kind: 'recovered', instanceId: 't1' });
    expect((await w.write(m.vnfId, 'recovered')).event.episode).toBe(1);
    await eventually('PROBING', async () => (await w.status(m.handle)).state === 'PROBING');
  });

  it('a held target the hold saw answer: the episode ends, one still failing here is acted on afresh', async () => {
    const m = await w.startMonitor({ targets: [{ id: 't1', action: 'respawn' }] });
    (await w.liveLoop(m.vnfId)).end({ kind: 'failure', instanceId: 't1' });
    (await w.action(m.vnfId, 0)).answer({
      outcome: { result: 'deferred', detail: 'held: correlated failure in VIM v1', holdId: 'h1' },
    });
    await eventually('HELD', async () => (await w.status(m.handle)).state === 'HELD');
    // A phase without `answered` only says where the action stands: the episode stays held.
    await m.handle.signal('actionPhase', { actionId: m.actionId, episode: 1, phase: 'still held' });
    await eventually(
      'the phase shown',
      async () => (await w.status(m.handle)).targets[0]?.reason === 'still held',
    );
    expect((await w.status(m.handle)).state).toBe('HELD');
    const seen = w.loops.length;
    await m.handle.signal('actionPhase', {
      actionId: m.actionId,
      episode: 1,
      phase: 'answered the conductor: no action',
      answered: true,
    });
    // This monitor's own probes may still fail (its path, not the target): it must not wait
    // forever for a recovery it cannot see — the target is judged afresh, with fresh counts.
    await eventually('PROBING', async () => (await w.status(m.handle)).state === 'PROBING');
    const loop = await eventually('a loop judging t1 afresh', async () => {
      const l = w.loops.slice(seen).findLast((x) => x.input.vnfId === m.vnfId && !x.ended);
      if (l) return l;
      const current = w.loops.findLast((x) => x.input.vnfId === m.vnfId && !x.ended);
      return current?.controls.some((c) => c.command === 'update' && c.reset?.includes('t1'))
        ? current
        : undefined;
    });
    loop.end({ kind: 'failure', instanceId: 't1' });
    expect((await w.action(m.vnfId, 1)).req).toMatchObject({ episode: 2, instanceId: 't1' });
  });

  it('an unconfirmed failure: judged afresh and not acted on again before the conductor says', async () => {
    const m = await w.startMonitor({ targets: [{ id: 't1', action: 'respawn' }] });
    (await w.liveLoop(m.vnfId)).end({ kind: 'failure', instanceId: 't1' });
    expect((await w.action(m.vnfId, 0)).req.vantage?.taskQueue).toBe(w.queue);
    const seen = w.loops.length;
    (await w.action(m.vnfId, 0)).answer({
      outcome: { result: 'unconfirmed', detail: 'answers the conductor', retryAfterMs: 60_000 },
    });
    const loop = await w.liveLoop(m.vnfId, seen);
    loop.end({ kind: 'failure', instanceId: 't1' });
    const t = await eventually('waiting', async () => {
      const s = await w.status(m.handle);
      return s.targets[0]?.episodeStatus === 'waiting_retry' ? s.targets[0] : undefined;
    });
    expect(Date.parse(t.retryAt!) - Date.now()).toBeGreaterThan(30_000);
    expect(w.actions.filter((x) => x.req.vnfId === m.vnfId)).toHaveLength(1);
  });

  it('the action deferred after an unconfirmed failure still names the worker that saw it fail', async () => {
    // Without the vantage the conductor cannot count the repeat against that worker's probe path,
    // and a worker whose probes always fail would never be quarantined.
    const m = await w.startMonitor({ targets: [{ id: 't1', action: 'respawn' }] });
    (await w.liveLoop(m.vnfId)).end({ kind: 'failure', instanceId: 't1' });
    const seen = w.loops.length;
    (await w.action(m.vnfId, 0)).answer({
      outcome: { result: 'unconfirmed', detail: 'answers the conductor', retryAfterMs: 2000 },
    });
    (await w.liveLoop(m.vnfId, seen)).end({ kind: 'failure', instanceId: 't1' });
    const again = await w.action(m.vnfId, 1);
    expect(again.req.episode).toBe(2);
    expect(again.req.vantage?.taskQueue).toBe(w.queue);
  });
});

describe('monitor shell: continue-as-new', () => {
  let temporal: Awaited<ReturnType<typeof privateTemporal>>;
  let w: ShellWorld;
  beforeAll(async () => {
    temporal = await privateTemporal({ 'limit.historyCount.suggestContinueAsNew': 40 });
    w = await ShellWorld.start(temporal.address);
  });
  afterAll(async () => {
    await w?.close();
    await temporal?.stop();
  });

  it('a kill that arrives while the loop stops for continue-as-new completes the monitor', async () => {
    const m = await w.startMonitor({ targets: [{ id: 't1' }] });
    const loop = await w.liveLoop(m.vnfId);
    // An unreachable worker: the stop waits out its grace period, the window a kill fell into.
    loop.deaf = true;
    const runId = (await m.handle.describe()).runId;
    for (let i = 0; i < 40 && !loop.controls.some((c) => c.command === 'stop'); i++)
      await m.handle.signal('pause', { actionId: 'someone else' });
    await eventually('the loop told to stop for continue-as-new', async () =>
      loop.controls.some((c) => c.command === 'stop'),
    );
    await m.handle.signal('kill', { actionId: m.actionId });
    expect(await m.handle.result()).toEqual({ reason: 'killed' });
    const last = await w.client.workflow.getHandle(monitorWorkflowId(m.vnfId)).describe();
    expect(last.runId).toBe(runId);
    expect(last.status.name).toBe('COMPLETED');
  });

  it('a lost worker: its loop is abandoned and a new one starts at once; news of another changes nothing', async () => {
    const m = await w.startMonitor({ targets: [{ id: 't1' }] });
    const first = await w.liveLoop(m.vnfId);
    // Where the loop runs is in the memo, for the presence workflow's listing.
    await eventually('the loop queue in the memo', async () => {
      const d = await m.handle.describe();
      return d.memo?.loopQueue === w.queue && d.memo.generation === 1;
    });
    const seen = w.loops.length;
    await m.handle.signal('workerLost', { taskQueue: `${w.queue}@another-worker` });
    await m.handle.signal('workerLost', { queue: w.queue });
    await eventually(
      'the malformed one ignored',
      async () => (await w.status(m.handle)).ignoredMessages === 1,
    );
    expect((await w.status(m.handle)).lastIgnored).toMatch(/^workerLost: taskQueue must be/);
    expect(w.loops.length).toBe(seen);
    expect(first.ended).toBe(false);

    await m.handle.signal('workerLost', { taskQueue: w.queue });
    const second = await w.liveLoop(m.vnfId, seen);
    expect(second.input.loopId).not.toBe(first.input.loopId);
    await eventually('the old loop cancelled', async () => first.ended);
    // No control message was waited for: the worker is gone.
    expect(first.controls).toEqual([]);
    expect((await w.status(m.handle)).state).toBe('PROBING');
  });

  it('a loop its worker does not run (a lost task) is replaced one presence timeout after its start; a running one is kept', async () => {
    w.workerHeartbeatMs = 2000;
    try {
      const kept = await w.startMonitor({ targets: [{ id: 't1' }] });
      const keptLoop = await w.liveLoop(kept.vnfId);
      const lost = await w.startMonitor({ targets: [{ id: 't1' }] });
      const lostLoop = await w.liveLoop(lost.vnfId);
      // The worker says it does not run this loop (as for a task recorded started, never delivered).
      lostLoop.deaf = true;
      const seen = w.loops.length;
      const next = await w.liveLoop(lost.vnfId, seen);
      expect(next.input.loopId).not.toBe(lostLoop.input.loopId);
      expect(lostLoop.controls.map((c) => c.command)).toContain('ping');
      await eventually('the lost loop cancelled', async () => lostLoop.ended);
      expect((await w.status(lost.handle)).state).toBe('PROBING');
      // The loop its worker runs answered the check and stays.
      await eventually('the running loop checked', async () =>
        keptLoop.controls.some((c) => c.command === 'ping'),
      );
      expect(keptLoop.ended).toBe(false);
      expect(w.loops.filter((l) => l.input.vnfId === kept.vnfId)).toHaveLength(1);
    } finally {
      w.workerHeartbeatMs = 60_000;
    }
  });
});
