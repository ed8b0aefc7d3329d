// The monitor worker's activities. pickProbeWorker runs on the shared monitor
// queue and names this worker's own queue; runProbeLoop runs there, and
// controlProbeLoop on its companion control queue, so kill/update/pause reach
// the process that runs the loop within a round trip instead of waiting for
// the next heartbeat. workerPresence runs there too, once per process: its
// heartbeat is how Temporal notices this worker's death (worker-presence.ts).
import { ApplicationFailure, Context } from '@temporalio/activity';
import {
  controlQueueOf,
  type MonitorActivities,
  type ProbeLoopControl,
  type ProbeLoopInput,
  type ProbeLoopResult,
  type PresenceActivities,
} from '../monitoring/contract.js';
import { ProbeLoop, type LoopObserver, type Prober } from './probe-loop.js';

export { controlQueueOf } from '../monitoring/contract.js';

export interface LoopRegistryOptions {
  loopQueue: string;
  maxLoops: number;
  /** Worker silence before its loops are taken over (the presence activity's heartbeat timeout). */
  heartbeatTimeoutMs: number;
  /** Heartbeat timeout of loops of monitors told by the presence workflow: a backstop (default 3 h). */
  loopHeartbeatTimeoutMs?: number;
  probe: Prober;
  observer?: LoopObserver;
  onQuarantine?: (untilMs: number, reason: string) => void;
}

/** How long a VNF whose loop ended here still counts in this worker's vantage. */
const VANTAGE_MEMORY_MS = 60_000;

export const DEFAULT_LOOP_HEARTBEAT_TIMEOUT_MS = 3 * 3600_000;

/** The loops running in this process. */
export class LoopRegistry {
  private readonly loops = new Map<string, ProbeLoop>();
  /** The VNF of each running loop, and when loops of VNFs ended here lately (see vantage()). */
  private readonly loopVnfs = new Map<string, string>();
  private readonly endedAt = new Map<string, number>();
  private draining = false;
  /** Until when (ms) the conductor took this worker out of probing, and why. */
  private quarantine?: { untilMs: number; reason: string };
  /** Ends the running presence activity (clean shutdown). */
  private presenceEnd?: () => void;

  constructor(readonly opts: LoopRegistryOptions) {}

  get size(): number {
    return this.loops.size;
  }

  targets(): number {
    let n = 0;
    for (const l of this.loops.values()) n += l.targetCount;
    return n;
  }

  /** Ends every loop (worker shutdown): each returns its counters so another worker resumes them. */
  drain(): void {
    this.draining = true;
    for (const l of this.loops.values()) l.stop('shutdown');
    this.presenceEnd?.();
  }

  /** The conductor's word that this worker's probes cannot be trusted now: other workers take its loops. */
  quarantined(): { untilMs: number; reason: string } | undefined {
    if (this.quarantine && this.quarantine.untilMs <= Date.now()) this.quarantine = undefined;
    return this.quarantine;
  }

  activities(): MonitorActivities & Pick<PresenceActivities, 'workerPresence'> {
    return {
      pickProbeWorker: async () => {
        if (this.draining) throw ApplicationFailure.retryable('worker is shutting down', 'WorkerDraining');
        const q = this.quarantined();
        if (q)
          throw ApplicationFailure.retryable(
            `worker quarantined until ${new Date(q.untilMs).toISOString()}: ${q.reason}`,
            'WorkerQuarantined',
          );
        if (this.loops.size >= this.opts.maxLoops) {
          throw ApplicationFailure.retryable(
            `worker at capacity (${this.loops.size} loops, VNFM_MONITOR_MAX_LOOPS=${this.opts.maxLoops})`,
            'WorkerFull',
          );
        }
        return {
          taskQueue: this.opts.loopQueue,
          controlTaskQueue: controlQueueOf(this.opts.loopQueue),
          heartbeatTimeoutMs: this.opts.heartbeatTimeoutMs,
          loopHeartbeatTimeoutMs: this.opts.loopHeartbeatTimeoutMs ?? DEFAULT_LOOP_HEARTBEAT_TIMEOUT_MS,
        };
      },
      workerPresence: (input: { renewAfterMs: number }) => this.presence(input.renewAfterMs),
      runProbeLoop: (input: ProbeLoopInput) => this.runLoop(input),
      controlProbeLoop: async (msg: ProbeLoopControl) => {
        if (msg.command === 'quarantine') {
          this.quarantine = { untilMs: msg.untilMs, reason: msg.reason };
          this.opts.onQuarantine?.(msg.untilMs, msg.reason);
          // Every loop ends; its monitor re-picks a worker, which is not this one for a while.
          for (const l of this.loops.values()) l.stop('control');
          return true;
        }
        const loop = this.loops.get(msg.loopId);
        if (!loop) return false;
        if (msg.command === 'ping') return true;
        if (msg.command === 'stop') {
          loop.stop('control');
          return true;
        }
        return loop.update(msg.generation, msg.targets, msg.counters, msg.reset);
      },
    };
  }

  /**
   * The worker's presence: heartbeats until the worker stops. Cancelled by the server (its
   * heartbeat timed out: this worker was declared lost, e.g. cut off or stalled), it stops every
   * loop, since their monitors have started them elsewhere.
   */
  private presence(renewAfterMs: number): Promise<'renew' | 'shutdown'> {
    const ctx = Context.current();
    if (this.draining) return Promise.resolve('shutdown');
    return new Promise((resolve) => {
      const every = Math.max(250, (ctx.info.heartbeatTimeoutMs || this.opts.heartbeatTimeoutMs) / 6);
      const beat = setInterval(() => ctx.heartbeat(), every);
      const renew = setTimeout(() => end('renew'), renewAfterMs);
      const end = (r: 'renew' | 'shutdown') => {
        clearInterval(beat);
        clearTimeout(renew);
        if (this.presenceEnd === shutdown) this.presenceEnd = undefined;
        resolve(r);
      };
      const shutdown = () => end('shutdown');
      this.presenceEnd = shutdown;
      ctx.heartbeat();
      ctx.cancelled.catch(() => {
        if (!this.draining) {
          ctx.log.warn('presence lost (declared dead by Temporal): stopping every probe loop of this worker');
          for (const l of this.loops.values()) l.stop('cancelled');
        }
        end('shutdown');
      });
    });
  }

  private async runLoop(input: ProbeLoopInput): Promise<ProbeLoopResult> {
    const ctx = Context.current();
    // A retried attempt resumes from the last heartbeat (counters).
    const resumed = ctx.info.heartbeatDetails as { counters?: ProbeLoopInput['counters'] } | undefined;
    // Placed here just before the quarantine arrived (its pick and its start are two tasks):
    // handed back at once, as the loops running then were, so its monitor picks another worker.
    if (this.quarantined())
      return { kind: 'stopped', reason: 'control', counters: resumed?.counters ?? input.counters };
    const loop = new ProbeLoop(
      { ...input, counters: resumed?.counters ?? input.counters },
      {
        probe: this.opts.probe,
        heartbeat: (d) => ctx.heartbeat(d),
        // Three beats per timeout: every hour for a presence run's loop (3 h), every 15 s for
        // a run that predates presence (45 s). Failed rounds beat too, throttled by the SDK
        // (maxHeartbeatThrottleInterval, monitor-worker.ts).
        heartbeatEveryMs: Math.max(1000, (ctx.info.heartbeatTimeoutMs || this.opts.heartbeatTimeoutMs) / 3),
        observer: this.opts.observer,
      },
    );
    if (this.draining) loop.stop('shutdown');
    this.loops.set(input.loopId, loop);
    this.loopVnfs.set(input.loopId, input.vnfId);
    // Server-side cancellation, timeouts and worker shutdown all end up here.
    ctx.cancelled.catch(() => loop.stop('cancelled'));
    try {
      const r = await loop.run();
      // The size of this worker's vantage: a correlation scope of its own.
      return r.kind === 'failure' ? { ...r, workerLoops: this.vantage() } : r;
    } finally {
      this.loops.delete(input.loopId);
      this.loopVnfs.delete(input.loopId);
      this.endedAt.set(input.vnfId, Date.now());
    }
  }

  /**
   * How many VNFs this worker probes: those of its running loops and those whose loop ended here
   * within the last minute. A loop returns when it reports a failure, so counting running loops
   * alone shrinks the worker's scope exactly while its targets fail together, and inflates its
   * share of failures (a worker hold where the VIM's was due).
   */
  private vantage(): number {
    const now = Date.now();
    const vnfs = new Set(this.loopVnfs.values());
    for (const [vnfId, at] of this.endedAt) {
      if (now - at > VANTAGE_MEMORY_MS) this.endedAt.delete(vnfId);
      else vnfs.add(vnfId);
    }
    return vnfs.size;
  }
}
