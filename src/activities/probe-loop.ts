// The probe loop: probes a VNF's targets every `period` and returns only when
// something happens (a target crosses its failure threshold, or recovers from
// a failure episode), so healthy probing costs no workflow history. Its state
// goes out in heartbeat details, so a retry on another worker resumes the
// counters. Runs inside a long-running activity; no Temporal imports here, so
// it can be driven directly in tests and benchmarks.
import { createHash } from 'node:crypto';
import type {
  LoopTarget,
  ProbeLoopHeartbeat,
  ProbeLoopInput,
  ProbeLoopResult,
  TargetCounters,
} from '../monitoring/contract.js';
import type { ProbeResult } from '../probes/driver.js';

export type Prober = (
  target: LoopTarget,
  allowedCidrs: string[],
  signal: AbortSignal,
) => Promise<ProbeResult>;

export interface LoopObserver {
  /** A round ran: result, its duration, and how late it started against its slot. */
  round?(target: LoopTarget, result: ProbeResult, durationMs: number, driftMs: number): void;
  /** Rounds skipped because the previous one overran its slot. */
  missed?(target: LoopTarget, rounds: number): void;
}

export interface LoopOptions {
  probe: Prober;
  heartbeat: (details: ProbeLoopHeartbeat) => void;
  /** The periodic beat: carries healthy rounds' counters, and keeps a loop alive through long periods and delays. */
  heartbeatEveryMs: number;
  observer?: LoopObserver;
  now?: () => number;
}

const fresh = (): TargetCounters => ({ consecutiveFailures: 0, consecutiveSuccesses: 0 });

/** A stable phase per target spreads a fleet's rounds over the period, across restarts too. */
function phaseMs(instanceId: string, periodMs: number): number {
  const h = createHash('sha1').update(instanceId).digest().readUInt32BE(0);
  return h % Math.max(1, Math.floor(periodMs));
}

/** The first slot at or after `from` on the target's period grid. */
export function nextSlot(from: number, periodMs: number, phase: number): number {
  const k = Math.ceil((from - phase) / periodMs);
  return phase + k * periodMs;
}

export class ProbeLoop {
  private generation: number;
  private targets = new Map<string, LoopTarget>();
  private counters: Record<string, TargetCounters>;
  private readonly abort = new AbortController();
  private finished?: (r: ProbeLoopResult) => void;
  private readonly done: Promise<ProbeLoopResult>;
  private ended = false;
  private readonly now: () => number;
  /** Bumped on every target change; a cycle of an older epoch retires. */
  private epochs = new Map<string, number>();

  constructor(
    readonly input: ProbeLoopInput,
    private readonly opts: LoopOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.generation = input.generation;
    this.counters = { ...input.counters };
    this.done = new Promise((resolve) => (this.finished = resolve));
  }

  get loopId(): string {
    return this.input.loopId;
  }

  get targetCount(): number {
    return this.targets.size;
  }

  run(): Promise<ProbeLoopResult> {
    this.setTargets(this.input.targets);
    const hb = setInterval(() => this.beat(), this.opts.heartbeatEveryMs);
    const renew = setTimeout(
      () => this.finish({ kind: 'stopped', reason: 'renew', counters: {} }),
      this.input.renewAfterMs,
    );
    return this.done.finally(() => {
      clearInterval(hb);
      clearTimeout(renew);
    });
  }

  /** Ends the loop; its result carries the counters so the next loop resumes them. */
  stop(reason: 'control' | 'shutdown' | 'cancelled'): void {
    this.finish({ kind: 'stopped', reason, counters: {} });
  }

  /**
   * Replaces the target set in place; ignored when older than what the loop has. For targets
   * it runs already the loop keeps its own fresher counts, but takes the workflow's episode
   * (the workflow decides episodes) and, for targets in `reset`, the workflow's counters whole.
   */
  update(
    generation: number,
    targets: LoopTarget[],
    counters: Record<string, TargetCounters>,
    reset: string[] = [],
  ): boolean {
    if (this.ended) return false;
    if (generation < this.generation) return true;
    this.generation = generation;
    for (const [id, c] of Object.entries(counters)) {
      const mine = this.counters[id];
      if (!this.targets.has(id) || !mine || reset.includes(id)) this.counters[id] = { ...c };
      else {
        const { episode: _, ...counts } = mine;
        this.counters[id] = c.episode === undefined ? counts : { ...counts, episode: c.episode };
      }
    }
    // Targets that join a running loop (scale-out, respawn) get their first round at once.
    this.setTargets(targets, true);
    this.beat();
    return true;
  }

  /** `joined`: first rounds of new targets run as soon as their monitoring delay allows, not on their slot. */
  private setTargets(targets: LoopTarget[], joined = false): void {
    const next = new Map(targets.map((t) => [t.instanceId, t]));
    for (const id of this.targets.keys()) {
      if (!next.has(id)) {
        this.epochs.set(id, (this.epochs.get(id) ?? 0) + 1);
        delete this.counters[id];
      }
    }
    for (const [id, t] of next) {
      const old = this.targets.get(id);
      if (old && old.ip === t.ip && old.bootedAt === t.bootedAt && samePolicy(old, t)) continue;
      const epoch = (this.epochs.get(id) ?? 0) + 1;
      this.epochs.set(id, epoch);
      this.counters[id] ??= fresh();
      this.targets.set(id, t);
      void this.cycle(t, epoch, joined);
    }
    for (const id of [...this.targets.keys()]) if (!next.has(id)) this.targets.delete(id);
  }

  private current(id: string, epoch: number): boolean {
    return !this.ended && this.epochs.get(id) === epoch;
  }

  private async cycle(t: LoopTarget, epoch: number, joined = false): Promise<void> {
    const periodMs = t.policy.parameters.period * 1000;
    const phase = phaseMs(t.instanceId, periodMs);
    const delayEnd = Date.parse(t.bootedAt) + t.policy.parameters.monitoring_delay * 1000;
    const from = Math.max(this.now(), delayEnd);
    // A loop's initial targets start on their slots, spread over the period (a restarted
    // worker must not probe its whole fleet at once); later rounds are always on the grid.
    let due = joined ? from : nextSlot(from, periodMs, phase);
    while (this.current(t.instanceId, epoch)) {
      const wait = due - this.now();
      if (wait > 0) await this.sleep(wait);
      if (!this.current(t.instanceId, epoch)) return;
      const started = this.now();
      let result: ProbeResult;
      try {
        result = await this.opts.probe(t, this.input.allowedCidrs, this.abort.signal);
      } catch (err) {
        // Drivers never reject but on abort: anything else is a fault here, not the target's.
        result = { ok: false, error: (err as Error).message, fault: true };
      }
      if (!this.current(t.instanceId, epoch)) return;
      const ended = this.now();
      this.opts.observer?.round?.(t, result, ended - started, started - due);
      this.record(t, result, new Date(ended).toISOString());
      // Never the same slot again, even when the round ended within the millisecond it was due.
      const next = nextSlot(Math.max(ended, due + 1), periodMs, phase);
      const skipped = Math.round((next - due) / periodMs) - 1;
      if (skipped > 0) this.opts.observer?.missed?.(t, skipped);
      due = next;
    }
  }

  private record(t: LoopTarget, r: ProbeResult, at: string): void {
    const c = { ...(this.counters[t.instanceId] ?? fresh()) };
    if (r.fault) {
      // Not evidence either way: the counts stand, and the status shows why this round is missing.
      c.lastResult = 'fault';
      c.lastError = r.error;
      c.lastProbeAt = at;
      this.counters[t.instanceId] = c;
      this.beat();
      return;
    }
    if (r.ok) {
      c.consecutiveSuccesses += 1;
      c.consecutiveFailures = 0;
      c.lastResult = 'ok';
      c.lastLatencyMs = r.latencyMs;
    } else {
      c.consecutiveFailures += 1;
      c.consecutiveSuccesses = 0;
      c.lastResult = 'failed';
      c.lastError = r.error;
    }
    c.lastProbeAt = at;
    this.counters[t.instanceId] = c;
    const p = t.policy.parameters;
    if (c.episode === undefined && c.consecutiveFailures >= p.failure_threshold) {
      this.finish({ kind: 'failure', instanceId: t.instanceId, counters: {} });
    } else if (c.episode !== undefined && c.consecutiveSuccesses >= p.success_threshold) {
      this.finish({ kind: 'recovered', instanceId: t.instanceId, counters: {} });
    } else if (!r.ok || c.consecutiveSuccesses === 1) {
      // Failures and the first success after them are what a resumed loop must not
      // lose. Further healthy rounds ride on the periodic beat: each SDK heartbeat
      // call costs the worker more CPU than the probe itself.
      this.beat();
    }
  }

  private beat(): void {
    if (this.ended) return;
    this.opts.heartbeat({ loopId: this.input.loopId, generation: this.generation, counters: this.counters });
  }

  private finish(r: ProbeLoopResult): void {
    if (this.ended) return;
    this.ended = true;
    this.abort.abort();
    this.finished?.({ ...r, counters: this.counters } as ProbeLoopResult);
  }

  private sleep(ms: number): Promise<void> {
    const signal = this.abort.signal;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done);
    });
  }
}

function samePolicy(a: LoopTarget, b: LoopTarget): boolean {
  return JSON.stringify(a.policy) === JSON.stringify(b.policy);
}
