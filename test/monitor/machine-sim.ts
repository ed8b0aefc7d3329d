// A simulated world for the monitor's state machine (src/workflows/monitor/machine.ts):
// VDUs that fail and recover, a probe loop that counts rounds the way
// src/activities/probe-loop.ts does, a conductor that answers actions with
// every outcome it can give, signals from scripts (valid, stale, foreign,
// malformed), lost workers (a loop's own heartbeat timeout, or the worker's
// presence workflow saying workerLost) and continue-as-new. It plays the shell's part
// (workflow.ts): commands in, events out. Seeded, so a failing run is
// repeated exactly by its seed. Pure test code: no Temporal, no I/O.
import { normalizeMonitoringPolicy, type PolicyActionName } from '../../src/monitoring/policy.js';
import type {
  LoopTarget,
  MonitoredVdu,
  MonitorInput,
  MonitorState,
  PolicyActionOutcome,
  TargetCounters,
} from '../../src/monitoring/contract.js';
import {
  carry,
  init,
  lateAfterMs,
  start,
  step,
  targetsOf,
  TRANSITIONS,
  type Command,
  type MachineEvent,
  type MachineState,
} from '../../src/workflows/monitor/machine.js';

/** mulberry32: small, fast, good enough to pick events. */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    chance: (p: number) => next() < p,
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
  };
}

const ACTIONS: PolicyActionName[] = ['respawn', 'vdu_autoheal', 'log', 'log_and_kill'];
const PERIOD_MS = 1000;
/** How late a delayed failure report arrives: past what the machine counts as late (15 s at a 1 s period). */
const LATE_REPORT_MS = 20_000;
/** The shell's STOP_GRACE (workflow.ts). */
const STOP_GRACE_MS = 15_000;
/** The reconciliation's HOLD_SETTLE_MS (conductor/maintenance/monitors.ts). */
const HOLD_SETTLE_MS = 60_000;
const T0 = Date.parse('2026-12-01T00:00:00Z');
const ALLOWED = ['10.0.0.0/16'];

const WORKERS = ['w1', 'w2', 'w3'];

interface SimLoop {
  id: string;
  /** The worker queue pickProbeWorker named. */
  queue: string;
  alive: boolean;
  started: boolean;
  stopping: boolean;
  /** Its end has been (or, for a late report, will be) told to the machine. */
  ended?: boolean;
  generation: number;
  targets: LoopTarget[];
  counters: Record<string, TargetCounters>;
}

interface Pending {
  at: number;
  seq: number;
  run: () => void;
}

export interface Violation {
  seed: number;
  message: string;
  trace: string[];
}

export class Sim {
  readonly r: ReturnType<typeof rng>;
  now = T0;
  private seq = 0;
  private queue: Pending[] = [];
  readonly trace: string[] = [];
  private nextId = 1;
  // ---- the database (what the conductor knows) ----
  dbGeneration = 1;
  dbVdus: MonitoredVdu[] = [];
  dbStatus = 'ACTIVE';
  vnfGone = false;
  // ---- the world ----
  healthy = new Map<string, boolean>();
  // ---- the run ----
  input!: MonitorInput;
  state!: MachineState;
  loops = new Map<string, SimLoop>();
  pendingActions = new Map<number, string>(); // episode → instanceId
  pendingWrites = new Set<string>();
  actedEpisodes = new Set<number>();
  usedEpisodes = new Set<number>();
  published: MonitorState | '[*]' = '[*]';
  killed = false;
  completed = false;
  runs = 1;
  quiet = false;
  /** Runs with the MONITOR_PRESENCE patch (most of them); the others must ignore workerLost. */
  presence = true;
  /** The run takes the MONITOR_LATE_RECHECK behaviour (late failure reports probed once more). */
  lateRecheck = true;
  /** Late failure reports sent back for one more round. */
  rechecks = 0;
  /** workerLost signals sent, and loops abandoned on them. */
  workerLosts = 0;
  abandoned = 0;
  readonly allowedPairs = new Set(TRANSITIONS.map(([a, b]) => `${a}->${b}`));
  /** Holds the operator cancelled: their targets stay held until they recover. */
  readonly cancelled = new Set<string>();
  /** Holds whose own probe saw their target answer (no action), and when. */
  readonly answered = new Map<string, number>();
  /** MonitorState changes this run made, as `from->to`. */
  readonly observed = new Set<string>();

  constructor(readonly seed: number) {
    this.r = rng(seed);
  }

  // ---- construction ----
  private policy(action: PolicyActionName, threshold: number, success: number, delay: number) {
    const n = normalizeMonitoringPolicy(
      {
        name: this.r.chance(0.5) ? 'ping' : 'http_ping',
        parameters: {
          period: 1,
          failure_threshold: threshold,
          success_threshold: success,
          monitoring_delay: delay,
        },
        actions: { failure: action },
      },
      'sim',
    );
    if (!n.policy) throw new Error(JSON.stringify(n.errors));
    return n.policy;
  }

  newTarget() {
    const n = this.nextId++;
    // Now and then one outside the allowed CIDRs: never probed, reported once.
    const ip = this.r.chance(0.05) ? `192.168.0.${n % 250}` : `10.0.${Math.floor(n / 250)}.${(n % 250) + 1}`;
    const t = { instanceId: `i${n}`, ip, bootedAt: new Date(this.now).toISOString() };
    this.healthy.set(t.instanceId, true);
    return t;
  }

  setup(): void {
    this.presence = this.r.chance(0.85);
    this.lateRecheck = this.r.chance(0.7);
    const vdus = this.r.int(1, 2);
    for (let v = 0; v < vdus; v++) {
      const targets = Array.from({ length: this.r.int(1, 2) }, () => this.newTarget());
      this.dbVdus.push({
        vduName: `VDU${v + 1}`,
        policy: this.policy(this.r.pick(ACTIONS), this.r.int(1, 3), this.r.int(1, 2), this.r.int(0, 3)),
        targets,
      });
    }
    this.input = {
      vnfId: 'vnf1',
      vnfName: 'sim',
      vnfdName: 'sim',
      tenantId: 't',
      actionId: 'a1',
      generation: this.dbGeneration,
      vdus: structuredClone(this.dbVdus),
      conductorTaskQueue: 'c',
      allowedCidrs: ALLOWED,
      firstEpisode: this.r.int(1, 5),
    };
    this.state = init(this.input, `run${this.runs}`, this.now, {
      presence: this.presence,
      lateRecheck: this.lateRecheck,
    });
    const first = start(this.state, this.now);
    this.check(this.state, { type: 'tick' }, first.state, first.commands);
    this.state = first.state;
    this.apply(first.commands, this.state, first.state);
  }

  // ---- the event queue ----
  at(delayMs: number, what: string, run: () => void): void {
    this.queue.push({
      at: this.now + Math.max(0, delayMs),
      seq: this.seq++,
      run: () => (what.startsWith('round') ? undefined : this.note(what), run()),
    });
  }

  note(s: string): void {
    this.trace.push(`${this.now - T0}ms ${s}`);
    if (this.trace.length > 4000) this.trace.shift();
  }

  /** Runs queued events until `until` (sim time). */
  runUntil(until: number): void {
    for (;;) {
      if (this.completed) return;
      this.queue.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const p = this.queue[0];
      if (!p || p.at > until) break;
      this.queue.shift();
      this.now = Math.max(this.now, p.at);
      p.run();
    }
    this.now = Math.max(this.now, until);
  }

  // ---- feeding the machine ----
  feed(ev: MachineEvent): void {
    if (this.completed) return;
    const before = this.state;
    const r = step(before, ev, this.now);
    const extra =
      ev.type === 'update'
        ? ` g${ev.generation} ${ev.vnfStatus ?? ''} (monitor g${before.generation})`
        : ev.type === 'actionEnded'
          ? ` ${ev.outcome?.result ?? (ev.taken ? 'taken' : 'error')}${ev.outcome && 'generation' in ev.outcome ? ` g${ev.outcome.generation}` : ''}`
          : ev.type === 'loopEnded'
            ? ` ${ev.result?.kind ?? 'error'} ${ev.result && 'instanceId' in ev.result ? ev.result.instanceId : ''}`
            : ev.type === 'workerLost'
              ? ` ${ev.taskQueue} (loop ${before.loop?.id ?? '-'} on ${before.loop?.taskQueue ?? '-'})`
              : '';
    this.note(
      `event ${ev.type}${'loopId' in ev ? ` ${ev.loopId}` : ''}${'episode' in ev ? ` #${ev.episode}` : ''}${extra} → hold:${r.state.hold ? 'y' : 'n'}`,
    );
    this.check(before, ev, r.state, r.commands);
    this.state = r.state;
    this.apply(r.commands, before, r.state);
  }

  private fail(message: string): never {
    const e = new Error(message) as Error & { violation: Violation };
    const st = this.state;
    const brief = st && {
      phase: st.phase,
      paused: st.paused,
      hold: st.hold,
      generation: st.generation,
      episodes: st.episodes,
      actions: st.actions,
      loop: st.loop?.id,
      db: { generation: this.dbGeneration, status: this.dbStatus },
    };
    e.violation = {
      seed: this.seed,
      message: `${message}
state: ${JSON.stringify(brief)}`,
      trace: this.trace.slice(-Number(process.env.PROPERTY_TRACE ?? 60)),
    };
    throw e;
  }

  /** Invariants of one step. */
  private check(before: MachineState, ev: MachineEvent, s: MachineState, cmds: Command[]): void {
    const ids = new Set(targetsOf(s).map((t) => t.instanceId));
    for (const [name, m] of [
      ['counters', s.counters],
      ['episodes', s.episodes],
      ['retries', s.retries],
    ] as const)
      for (const id of Object.keys(m)) if (!ids.has(id)) this.fail(`${name} of removed target ${id} kept`);
    const stoppingBefore = before.phase === 'stopping' || before.phase === 'stopped';
    // workerLost: the loop on the lost worker is abandoned and probing starts elsewhere at
    // once; news of any other queue, or to a run without presence, changes no loop.
    const abandoned = cmds.filter((c) => c.type === 'abandonLoop').map((c) => c.loopId);
    const lostHere =
      ev.type === 'workerLost' &&
      before.presence === true &&
      before.phase !== 'stopped' &&
      before.loop?.taskQueue === ev.taskQueue;
    if (lostHere) {
      if (abandoned.join() !== before.loop!.id)
        this.fail(
          `loop ${before.loop!.id} on lost worker ${ev.taskQueue} not abandoned (${abandoned.join()})`,
        );
      if (s.loop?.taskQueue === ev.taskQueue) this.fail(`loop kept on lost worker ${ev.taskQueue}`);
      const want = s.phase === 'running' && !s.paused && s.loopRetryAt === undefined;
      if (want && s.loop === undefined && before.loop!.status !== 'stopping') {
        // Nothing to probe now is the only reason not to start a loop at once.
        const startable = targetsOf(s).some(
          (t) =>
            !t.ip.startsWith('192.168.') &&
            !Object.values(s.actions).some((a) => a.scope === 'vnf' || a.instanceId === t.instanceId) &&
            Date.parse(t.bootedAt) + t.policy.parameters.monitoring_delay * 1000 <= this.now,
        );
        if (startable) this.fail('probe targets left without a loop after workerLost');
      }
    } else {
      if (abandoned.length)
        this.fail(`abandonLoop ${abandoned.join()} on ${ev.type}, not on its worker's loss`);
      if (ev.type === 'workerLost') {
        if (s.loop?.id !== before.loop?.id) this.fail(`workerLost of ${ev.taskQueue} replaced another loop`);
        if (cmds.some((c) => c.type === 'startLoop' || c.type === 'stopLoop'))
          this.fail(`workerLost of ${ev.taskQueue} moved a loop elsewhere`);
      }
    }
    for (const c of cmds) {
      if (stoppingBefore && (c.type === 'startLoop' || c.type === 'updateLoop' || c.type === 'runAction'))
        this.fail(`${c.type} after the monitor was killed or obsolete`);
      if (c.type === 'startLoop') {
        const live = [...this.loops.values()].filter((l) => l.alive && !abandoned.includes(l.id));
        if (live.length) this.fail(`startLoop ${c.loopId} while loop ${live[0]!.id} is alive`);
        if (s.paused) this.fail('startLoop while paused');
        for (const t of c.targets)
          if (!ids.has(t.instanceId)) this.fail(`loop given removed target ${t.instanceId}`);
      }
      if (c.type === 'runAction') {
        const q = c.request;
        if (q.generation !== s.generation)
          this.fail(`action on generation ${q.generation}, monitor at ${s.generation}`);
        if (!ids.has(q.instanceId)) this.fail(`action on ${q.instanceId}, not in the set`);
        if (this.usedEpisodes.has(q.episode)) this.fail(`episode number ${q.episode} used twice`);
        if ([...this.pendingActions.values()].includes(q.instanceId))
          this.fail(`second action on ${q.instanceId} while one runs`);
        if (s.paused) this.fail('action started while paused');
        if (s.hold) this.fail('action started while held');
      }
      if (c.type === 'continueAsNew') {
        if ([...this.loops.values()].some((l) => l.alive && !abandoned.includes(l.id)))
          this.fail('continue-as-new with a loop alive');
        if (this.pendingActions.size || Object.keys(s.actions).length)
          this.fail('continue-as-new with an action in flight');
        if (this.pendingWrites.size || s.writes.length)
          this.fail('continue-as-new with an event write in flight');
        const again = init({ ...this.input, carried: c.carried }, 'check', this.now);
        if (JSON.stringify(carry(again)) !== JSON.stringify(c.carried))
          this.fail('state does not survive continue-as-new unchanged');
      }
      if (c.type === 'publish') {
        if (c.loopQueue !== undefined && !s.presence)
          this.fail('loop queue published by a run without presence');
        const pair = `${this.published}->${c.state}`;
        if (this.published !== c.state && !this.allowedPairs.has(pair))
          this.fail(`MonitorState transition ${pair} is not in TRANSITIONS`);
        if (this.published !== c.state) this.observed.add(pair);
        this.published = c.state;
      }
    }
    // acting episodes ↔ actions in flight
    if (s.phase === 'running' || s.phase === 'continuing') {
      for (const [id, ep] of Object.entries(s.episodes)) {
        const a = s.actions[String(ep.id)];
        if ((ep.status === 'acting') !== (a?.instanceId === id))
          this.fail(`episode ${ep.id} of ${id} is ${ep.status} but action in flight: ${JSON.stringify(a)}`);
      }
      // A failure report on a clean target opens an episode that is acted on, or says why not.
      if (ev.type === 'loopEnded' && ev.result?.kind === 'failure') {
        const id = ev.result.instanceId;
        const was = before.episodes[id];
        if (ids.has(id) && !was && !before.paused && before.loop?.id === ev.loopId) {
          const ep = s.episodes[id];
          const rechecked = s.rechecked?.[id] === this.now;
          if (rechecked) {
            this.rechecks += 1;
            // A late report goes back for one round, once; and only a late one.
            const c = ev.result.counters[id];
            const lateBy = this.now - Date.parse(c?.lastProbeAt ?? '');
            if (!s.lateRecheck) this.fail(`failure of ${id} rechecked by a run without the patch`);
            if (!(lateBy > lateAfterMs(PERIOD_MS / 1000)))
              this.fail(`failure of ${id} rechecked, ${lateBy} ms after its round`);
            const prev = before.rechecked?.[id];
            if (prev !== undefined && this.now - prev <= 300_000)
              this.fail(`failure of ${id} rechecked twice in a row`);
            if (ep) this.fail(`failure of ${id} rechecked and opened episode ${ep.id}`);
          } else if (!ep) this.fail(`failure of ${id} opened no episode`);
          else {
            const why =
              (ep.status === 'acting' &&
                cmds.some((c) => c.type === 'runAction' && c.request.instanceId === id)) ||
              (ep.status === 'held' &&
                cmds.some((c) => c.type === 'writeEvent' && c.event.kind === 'held')) ||
              (ep.status === 'covered' && Object.values(s.actions).some((a) => a.scope === 'vnf')) ||
              (ep.status === 'waiting_retry' && (ep.retryAt ?? 0) > this.now);
            if (!why) this.fail(`failure of ${id}: episode ${ep.id} is ${ep.status} without its reason`);
          }
        }
      }
    }
    if (s.nextEpisode <= Math.max(0, ...this.usedEpisodes)) this.fail('episode numbering went backwards');
  }

  // ---- the shell's part ----
  private apply(cmds: Command[], _before: MachineState, s: MachineState): void {
    for (const c of cmds) {
      switch (c.type) {
        case 'startLoop': {
          const loop: SimLoop = {
            id: c.loopId,
            queue: this.r.pick(WORKERS),
            alive: true,
            started: false,
            stopping: false,
            generation: c.generation,
            targets: structuredClone(c.targets),
            counters: structuredClone(c.counters),
          };
          this.loops.set(c.loopId, loop);
          this.at(this.r.int(0, 80), `loop ${c.loopId} started`, () => {
            if (!loop.alive) return;
            loop.started = true;
            this.feed({ type: 'loopStarted', loopId: loop.id, taskQueue: loop.queue });
          });
          this.scheduleRound(loop);
          if (!this.quiet && this.r.chance(this.presence ? 0.08 : 0.04)) {
            // The worker dies: its presence workflow says so (presence runs, mostly), or the
            // loop's own heartbeat timeout does (the backstop, and runs without presence).
            const byPresence = this.presence && this.r.chance(0.8);
            this.at(this.r.int(100, 20_000), `worker ${loop.queue} of ${loop.id} lost`, () => {
              if (!loop.alive) return;
              // Before its loop started, a dead worker's queue times the activity out (schedule-to-start).
              if (!byPresence || !loop.started) return this.endLoop(loop, 'lost');
              loop.alive = false; // a dead worker probes nothing more
              this.workerLosts += 1;
              this.feed({ type: 'workerLost', taskQueue: loop.queue });
              // Once in a while the presence activity retries and the signal comes twice.
              if (this.r.chance(0.2))
                this.at(this.r.int(1, 3000), `workerLost ${loop.queue} again`, () =>
                  this.feed({ type: 'workerLost', taskQueue: loop.queue }),
                );
            });
          }
          break;
        }
        case 'abandonLoop': {
          const loop = this.loops.get(c.loopId);
          this.abandoned += 1;
          if (!loop) break;
          loop.alive = false;
          // Its cancellation, or its backstop timeout, lands much later: old news.
          if (this.r.chance(0.5))
            this.at(this.r.int(1, 30_000), `abandoned ${c.loopId} ends`, () =>
              this.feed({
                type: 'loopEnded',
                loopId: c.loopId,
                error: { lostWorker: this.r.chance(0.5), cancelled: true, message: 'cancelled' },
              }),
            );
          break;
        }
        case 'updateLoop': {
          const loop = this.loops.get(c.loopId);
          if (!loop?.alive || (!this.quiet && this.r.chance(0.05))) {
            this.at(this.r.int(1, 50), `update of ${c.loopId} failed`, () =>
              this.feed({ type: 'loopUpdateFailed', loopId: c.loopId }),
            );
            break;
          }
          // Applied as ProbeLoop.update does.
          if (c.generation >= loop.generation) {
            loop.generation = c.generation;
            const keep = new Set(loop.targets.map((t) => t.instanceId));
            for (const [id, v] of Object.entries(c.counters)) {
              const mine = loop.counters[id];
              if (!keep.has(id) || !mine || c.reset.includes(id)) loop.counters[id] = { ...v };
              else {
                const { episode: _, ...counts } = mine;
                loop.counters[id] = v.episode === undefined ? counts : { ...counts, episode: v.episode };
              }
            }
            loop.targets = structuredClone(c.targets);
            for (const id of Object.keys(loop.counters))
              if (!loop.targets.some((t) => t.instanceId === id)) delete loop.counters[id];
          }
          break;
        }
        case 'stopLoop': {
          const loop = this.loops.get(c.loopId);
          if (!loop) break;
          // The shell cancels a loop that has not ended STOP_GRACE after its stop (and the stop
          // message's own timeout): a dead worker that nobody declared lost never answers.
          this.at(STOP_GRACE_MS + 5_000, `stop grace of ${c.loopId}`, () => {
            if (loop.ended) return;
            loop.alive = false;
            loop.ended = true;
            this.feed({
              type: 'loopEnded',
              loopId: loop.id,
              error: { lostWorker: false, cancelled: true, message: 'cancelled' },
            });
          });
          if (!loop.alive) break;
          loop.stopping = true;
          this.at(this.r.int(1, 300), `loop ${c.loopId} stops`, () => this.endLoop(loop, 'stopped'));
          break;
        }
        case 'runAction': {
          const q = c.request;
          this.usedEpisodes.add(q.episode);
          this.pendingActions.set(q.episode, q.instanceId);
          this.at(this.r.int(50, 8000), `action #${q.episode} ${q.action} on ${q.instanceId} ends`, () =>
            this.endAction(q.episode, q.instanceId, q.action),
          );
          break;
        }
        case 'writeEvent':
          this.pendingWrites.add(c.key);
          this.at(this.r.int(1, 2000), `write ${c.key} (${c.event.kind}) done`, () => {
            this.pendingWrites.delete(c.key);
            this.feed({
              type: 'eventWritten',
              key: c.key,
              result: this.vnfGone || (!this.quiet && this.r.chance(0.003)) ? 'bad_action' : 'ok',
            });
          });
          break;
        case 'wake':
          this.at(c.at - this.now, 'timer', () => this.feed({ type: 'tick' }));
          break;
        case 'publish':
        case 'log':
          break;
        case 'continueAsNew': {
          this.observed.add(`${this.published}->[*]`);
          this.runs += 1;
          this.input = { ...this.input, generation: c.generation, vdus: c.vdus, carried: c.carried };
          this.state = init(this.input, `run${this.runs}`, this.now, {
            presence: this.presence,
            lateRecheck: this.lateRecheck,
          });
          if (JSON.stringify(carry(this.state)) !== JSON.stringify(c.carried))
            this.fail('the new run does not hold the carried state');
          this.published = '[*]';
          const first = start(this.state, this.now);
          this.state = first.state;
          this.note(`continued as new (run ${this.runs})`);
          this.check(this.state, { type: 'tick' }, first.state, first.commands);
          this.apply(first.commands, this.state, first.state);
          return;
        }
        case 'complete':
          if (this.published !== 'STOPPED') this.fail(`completed while published ${this.published}`);
          if (!/^(killed|bad_action|stop)/.test(c.reason))
            this.fail(`completed for no good reason: ${c.reason}`);
          this.observed.add('STOPPED->[*]');
          this.completed = true;
          return;
      }
    }
    void s;
  }

  private scheduleRound(loop: SimLoop): void {
    this.at(PERIOD_MS, `round of ${loop.id}`, () => this.round(loop));
  }

  /** One round of every target past its delay, counted as ProbeLoop.record does. */
  private round(loop: SimLoop): void {
    if (!loop.alive || !loop.started) {
      if (loop.alive) this.scheduleRound(loop);
      return;
    }
    for (const t of loop.targets) {
      const delayEnd = Date.parse(t.bootedAt) + t.policy.parameters.monitoring_delay * 1000;
      if (this.now < delayEnd) continue;
      const ok = this.healthy.get(t.instanceId) ?? false;
      const c = { ...(loop.counters[t.instanceId] ?? { consecutiveFailures: 0, consecutiveSuccesses: 0 }) };
      if (ok) {
        c.consecutiveSuccesses += 1;
        c.consecutiveFailures = 0;
        c.lastResult = 'ok';
      } else {
        c.consecutiveFailures += 1;
        c.consecutiveSuccesses = 0;
        c.lastResult = 'failed';
        c.lastError = 'timeout';
      }
      c.lastProbeAt = new Date(this.now).toISOString();
      loop.counters[t.instanceId] = c;
      const p = t.policy.parameters;
      if (c.episode === undefined && c.consecutiveFailures >= p.failure_threshold)
        return this.endLoop(loop, 'failure', t.instanceId);
      if (c.episode !== undefined && c.consecutiveSuccesses >= p.success_threshold)
        return this.endLoop(loop, 'recovered', t.instanceId);
    }
    this.scheduleRound(loop);
  }

  private endLoop(
    loop: SimLoop,
    how: 'failure' | 'recovered' | 'stopped' | 'lost',
    instanceId?: string,
  ): void {
    if (!loop.alive) return;
    loop.alive = false;
    loop.ended = true;
    const counters = structuredClone(loop.counters);
    if (how === 'lost')
      this.feed({
        type: 'loopEnded',
        loopId: loop.id,
        error: { lostWorker: true, cancelled: false, message: 'heartbeat timeout' },
        counters,
      });
    else if (how === 'stopped')
      this.feed({
        type: 'loopEnded',
        loopId: loop.id,
        result: { kind: 'stopped', reason: 'control', counters },
      });
    else {
      const ev: MachineEvent = {
        type: 'loopEnded',
        loopId: loop.id,
        result: { kind: how, instanceId: instanceId!, counters },
      };
      // A monitor worker's backlog: the report reaches the workflow long after its round.
      if (how === 'failure' && !this.quiet && this.r.chance(0.25))
        this.at(LATE_REPORT_MS, `late report of ${loop.id}`, () => this.feed(ev));
      else this.feed(ev);
    }
  }

  // ---- the conductor ----
  private sendUpdate(vnfStatus?: string): void {
    this.feed({
      type: 'update',
      actionId: this.input.actionId,
      generation: this.dbGeneration,
      vdus: structuredClone(this.dbVdus),
      ...(vnfStatus ? { vnfStatus } : {}),
    });
  }

  private replaceTargets(ids: string[]): void {
    for (const v of this.dbVdus)
      v.targets = v.targets.map((t) => (ids.includes(t.instanceId) ? this.newTarget() : t));
    this.dbGeneration += 1;
  }

  private endAction(episode: number, instanceId: string, action: PolicyActionName): void {
    this.pendingActions.delete(episode);
    if (this.completed) return;
    const live = this.dbVdus.some((v) => v.targets.some((t) => t.instanceId === instanceId));
    const set = () => ({ generation: this.dbGeneration, vdus: structuredClone(this.dbVdus) });
    let outcome: PolicyActionOutcome | undefined;
    const roll = this.quiet ? 1 : this.r.next();
    if (this.vnfGone) outcome = { result: 'bad_action', detail: 'gone' };
    else if (roll < 0.03) return this.feed({ type: 'actionEnded', episode, taken: true });
    else if (roll < 0.1) return this.feed({ type: 'actionEnded', episode, error: 'cleanup failed' });
    else if (!live || roll < 0.16) outcome = { result: 'stale', ...set(), detail: 'stale' };
    else if (this.dbStatus === 'ERROR' || roll < 0.2) {
      this.dbStatus = 'ERROR';
      outcome = { result: 'hold', ...set(), detail: 'respawn limit', vnfStatus: 'ERROR' };
    } else if (roll < 0.21) outcome = { result: 'bad_action', detail: 'obsolete' };
    else if (action !== 'log' && roll < 0.27) {
      // A correlated-failure hold: the conductor acts later (released) or never (cancelled).
      const holdId = `h${episode}`;
      this.at(this.r.int(1000, 90_000), `hold ${holdId} decided`, () =>
        this.decideHold(holdId, episode, instanceId, action),
      );
      outcome = { result: 'deferred', detail: 'correlated failure in VIM v1', holdId };
    } else if (action !== 'log' && roll < 0.3)
      outcome = {
        result: 'unconfirmed',
        detail: 'answers from the conductor',
        retryAfterMs: this.r.int(1000, 60_000),
      };
    else if (action === 'log') outcome = { result: 'ok', ...set(), detail: 'logged' };
    else if (action === 'log_and_kill') {
      this.vnfGone = true;
      outcome = { result: 'stop', detail: 'deleted' };
    } else {
      const ids =
        action === 'respawn' ? this.dbVdus.flatMap((v) => v.targets.map((t) => t.instanceId)) : [instanceId];
      this.replaceTargets(ids);
      // The conductor tells the monitor about the new set itself, often before the outcome lands.
      if (this.r.chance(0.5)) this.sendUpdate(this.dbStatus);
      outcome = { result: 'ok', ...set(), detail: 'recreated' };
    }
    this.feed({ type: 'actionEnded', episode, outcome });
  }

  /** The conductor's decision on a held action: released (it acts, the set changes) or cancelled. */
  private decideHold(holdId: string, episode: number, instanceId: string, action: PolicyActionName): void {
    if (this.vnfGone || this.completed) return;
    const live = this.dbVdus.some((v) => v.targets.some((t) => t.instanceId === instanceId));
    if (!live) return; // replaced meanwhile: nothing to do
    // The hold's own probe saw it answer — even one this monitor still sees failing (its path
    // flaky): no action, and the monitor is told so (the conductor signals before it records the
    // answer, so a crash re-sends; the signal may be skipped only when the target answers anyway).
    const healthy = this.healthy.get(instanceId) ?? false;
    if (healthy || (!this.quiet && this.r.chance(0.4))) {
      this.answered.set(holdId, this.now);
      if (!healthy || this.r.chance(0.7))
        this.feed({
          type: 'actionPhase',
          actionId: this.input.actionId,
          episode,
          phase: 'answered the conductor: no action',
          answered: true,
        });
      return;
    }
    if (!this.quiet && this.r.chance(0.3)) {
      this.cancelled.add(holdId);
      return;
    }
    if (action === 'log_and_kill') {
      this.vnfGone = true;
      this.feed({ type: 'kill', actionId: this.input.actionId });
      return;
    }
    const ids =
      action === 'respawn' ? this.dbVdus.flatMap((v) => v.targets.map((t) => t.instanceId)) : [instanceId];
    this.replaceTargets(ids);
    this.sendUpdate(this.dbStatus);
  }

  // ---- the outside world, at random ----
  chaos(): void {
    const r = this.r;
    const all = this.dbVdus.flatMap((v) => v.targets);
    const roll = r.next();
    if (roll < 0.35 && all.length) {
      const t = r.pick(all);
      const h = !(this.healthy.get(t.instanceId) ?? true);
      this.healthy.set(t.instanceId, h);
      this.note(`world: ${t.instanceId} ${h ? 'answers' : 'fails'}`);
    } else if (roll < 0.45 && !this.vnfGone && this.dbStatus === 'ACTIVE') {
      // A scale out or in by the conductor.
      const v = r.pick(this.dbVdus);
      if (r.chance(0.5) || v.targets.length <= 1) v.targets.push(this.newTarget());
      else v.targets.splice(r.int(0, v.targets.length - 1), 1);
      this.dbGeneration += 1;
      this.note('conductor: scale');
      if (r.chance(0.9)) this.sendUpdate(r.pick(['ACTIVE', 'PENDING_SCALE_OUT']));
    } else if (roll < 0.5)
      this.sendUpdate(); // a duplicate or late update: same generation
    else if (roll < 0.55)
      this.feed({
        type: 'update',
        actionId: this.input.actionId,
        generation: this.state.generation + 5,
        vdus: [],
      });
    else if (roll < 0.6)
      this.feed({ type: r.pick(['kill', 'pause', 'resume'] as const), actionId: 'someone-else' });
    else if (roll < 0.64) this.feed({ type: 'ignored', reason: 'update: vdus must be a list' });
    else if (roll < 0.66 && this.pendingActions.size)
      this.feed({
        type: 'actionPhase',
        actionId: this.input.actionId,
        episode: r.pick([...this.pendingActions.keys()]),
        phase: 'queued for a recreation slot',
      });
    else if (roll < 0.72) this.feed({ type: 'pause', actionId: this.input.actionId });
    else if (roll < 0.8) this.feed({ type: 'resume', actionId: this.input.actionId });
    else if (roll < 0.85) this.feed({ type: 'canSuggested' });
    else if (roll < 0.88 && this.dbStatus === 'ERROR') {
      // The operator fixed it (PUT): ACTIVE, a new generation.
      this.dbStatus = 'ACTIVE';
      this.dbGeneration += 1;
      this.sendUpdate('ACTIVE');
    } else if (roll < 0.9 && this.dbStatus === 'ACTIVE' && !this.vnfGone) {
      // The VNF went to ERROR behind the monitor's back (a failed scale): the conductor says so.
      this.dbStatus = 'ERROR';
      this.dbGeneration += 1;
      this.sendUpdate('ERROR');
    } else if (roll < 0.905) {
      this.killed = true;
      this.feed({ type: 'kill', actionId: this.input.actionId });
    } else if (roll < 0.92)
      // A lost worker that is not (or no longer) this monitor's, a live one's loss declared
      // anyway (a stalled worker), or a script's bogus message.
      this.feed({ type: 'workerLost', taskQueue: r.pick([...WORKERS, 'elsewhere']) });
  }

  /** The conductor's periodic reconciliation: a monitor off the database's generation is put back on it. */
  reconcile(): void {
    if (this.vnfGone || this.completed) return;
    // resync: ahead of the database, or held while the VNF is ACTIVE (MonitorState HELD) and no
    // hold has its action — one whose hold answered more than HOLD_SETTLE ago missed the word
    // (the signal skipped because the target answered, but the monitor never saw it answer).
    const heldPastAnswer = Object.values(this.state.episodes).some(
      (e) =>
        e.status === 'held' &&
        e.holdId !== undefined &&
        (this.answered.get(e.holdId) ?? Infinity) <= this.now - HOLD_SETTLE_MS,
    );
    const resync =
      this.state.generation > this.dbGeneration ||
      ((this.state.hold || heldPastAnswer) && this.dbStatus === 'ACTIVE');
    if (resync) this.dbGeneration = Math.max(this.state.generation, this.dbGeneration) + 1;
    if (this.state.generation !== this.dbGeneration) this.sendUpdate(this.dbStatus);
    if (!resync) return;
    // resyncMonitor then tells the held episodes whose hold saw the target answer (tellRecovered).
    const answered = Object.values(this.state.episodes).filter(
      (e) => e.status === 'held' && e.holdId !== undefined && this.answered.has(e.holdId),
    );
    for (const e of answered)
      this.feed({
        type: 'actionPhase',
        actionId: this.input.actionId,
        episode: e.id,
        phase: 'answered the conductor: no action',
        answered: true,
      });
  }

  /** Random chaos for `events` outside events, then a quiet world until everything settles. */
  play(events: number): void {
    this.setup();
    let nextReconcile = this.now + 60_000;
    for (let i = 0; i < events && !this.completed; i++) {
      this.runUntil(this.now + this.r.int(0, 3000));
      this.chaos();
      if (this.now >= nextReconcile) {
        this.reconcile();
        nextReconcile = this.now + 60_000;
      }
    }
    // Quiet: no more chaos; the operator resumes and fixes; the conductor answers plainly.
    this.quiet = true;
    if (this.completed) return;
    this.feed({ type: 'resume', actionId: this.input.actionId });
    if (this.dbStatus === 'ERROR' && !this.vnfGone) {
      this.dbStatus = 'ACTIVE';
      this.dbGeneration += 1;
      this.sendUpdate('ACTIVE');
    }
    for (let m = 0; m < 15 && !this.completed; m++) {
      this.reconcile();
      this.runUntil(this.now + 60_000);
    }
    this.settled();
  }

  /** What must hold once the world has been quiet long enough. */
  private settled(): void {
    if (this.completed) return;
    const s = this.state;
    if (s.phase !== 'running' && s.phase !== 'continuing') this.fail(`not running after quiet: ${s.phase}`);
    if (!this.loops.size || ![...this.loops.values()].some((l) => l.alive)) {
      const probeable = targetsOf(s).filter((t) => !t.ip.startsWith('192.168.'));
      if (probeable.length && !s.paused) this.fail('no probe loop running after quiet');
    }
    for (const t of targetsOf(s)) {
      if (t.ip.startsWith('192.168.')) continue;
      const ep = s.episodes[t.instanceId];
      const healthy = this.healthy.get(t.instanceId) ?? false;
      if (healthy && ep) this.fail(`healthy ${t.instanceId} still in episode ${ep.id} (${ep.status})`);
      if (!healthy && !ep) this.fail(`failing ${t.instanceId} has no episode after quiet`);
      if (!healthy && ep && ep.status === 'held' && ep.holdId && this.cancelled.has(ep.holdId)) continue;
      if (!healthy && ep && !['acted', 'waiting_retry'].includes(ep.status))
        this.fail(`failing ${t.instanceId}: episode ${ep.id} stuck ${ep.status}`);
    }
  }
}
