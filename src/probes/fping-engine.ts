// The batched ICMP engine behind the `ping` driver: concurrent probe() calls
// with the same (count, interval, timeout) are coalesced for a short window
// into one `fping` process per chunk of targets. One spawn then serves
// hundreds of probes, which is what makes 10,000 targets per worker
// affordable (spawning `ping` per probe costs milliseconds of CPU each).
// fping is started by a small helper process (./spawner.ts): forking the
// worker itself costs CPU in proportion to its resident memory.
import { Spawner, type SpawnedProcess } from './spawner.js';
import type { MonitoringPolicy } from '../monitoring/policy.js';
import {
  failed,
  formatSeconds,
  isProbeAddress,
  probeFault,
  type ProbeDriver,
  type ProbeResult,
} from './driver.js';
import { watchdog } from './watchdog.js';

export interface FpingEngineOptions {
  /** The fping binary (default: `fping` on PATH). */
  fpingPath?: string;
  /**
   * How long the first probe of a batch waits for others to join it, in ms.
   * Default: from the round's length and period, 50 ms to 1 s (see `autoWindowMs`).
   */
  windowMs?: number;
  /** Most distinct targets per fping process. */
  maxTargets?: number;
  /**
   * fping -i: ms between any two packets one process sends. 0 lets fping send
   * as fast as its loop runs (≈ 10 µs a packet, far below any NIC's rate);
   * pacing costs CPU, since fping then sleeps in select() between packets.
   */
  sendGapMs?: number;
}

export interface FpingEngineStats {
  /** probe() calls answered (not aborted). */
  probes: number;
  /** fping processes started. */
  processes: number;
  /** fping processes running now. */
  running: number;
}

/** One target's line in fping's -C summary. */
export interface FpingSummary {
  replies: number;
  /** Best RTT in ms, when any reply came. */
  bestMs?: number;
}

/**
 * Parses fping's `-C <n> -q` summary (on stderr), one line per target:
 * `10.0.0.1  : 0.10 0.12 -` (RTTs in ms, `-` for a lost request). Lines that
 * are not summaries (errors, warnings) are returned in `other`.
 */
export function parseFpingSummary(text: string): { targets: Map<string, FpingSummary>; other: string[] } {
  const targets = new Map<string, FpingSummary>();
  const other: string[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const sep = line.indexOf(' : ');
    const name = sep > 0 ? line.slice(0, sep).trim() : '';
    if (!name || name.includes(' ')) {
      other.push(line.trim());
      continue;
    }
    let replies = 0;
    let best = Infinity;
    for (const v of line.slice(sep + 3).split(' ')) {
      if (!v || v === '-') continue;
      const ms = Number(v);
      if (!Number.isFinite(ms)) continue;
      replies++;
      if (ms < best) best = ms;
    }
    targets.set(name, replies ? { replies, bestMs: best } : { replies });
  }
  return { targets, other };
}

interface Waiter {
  resolve(r: ProbeResult): void;
  reject(reason: unknown): void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

interface Batch {
  count: number;
  periodMs: number;
  timeoutMs: number;
  /** Distinct targets; several waiters may share one (VNFs sharing an address). */
  targets: Map<string, Waiter[]>;
  limit: number;
  timer?: NodeJS.Timeout;
  child?: SpawnedProcess;
  started: boolean;
  /** Waiters not yet settled; when every one has aborted, fping is stopped. */
  live: number;
}

// fping numbers ICMP sequences per process from a pool of 65535 and exits (4)
// when a number is reused within 10 s, so one process must send fewer.
const SEQ_BUDGET = 60_000;
const SEQ_WINDOW_MS = 10_000;
// Slack for the watchdog beyond the round's own length. Killing fping fails
// every probe of its batch (hundreds of targets), so this only catches a
// process stuck for good, never one that is merely starved of CPU.
const WATCHDOG_SLACK_MS = 30_000;
const MAX_STDERR = 8 * 1024 * 1024;

/**
 * The coalescing window for a round of `roundMs` ((count-1)*interval +
 * timeout) repeated every `periodMs`. Two costs pull against each other:
 * every fping process costs ≈ 5 ms of CPU to start (fork of this process,
 * exec), so short windows mean small batches; and every running fping's raw
 * ICMP socket receives *every* ICMP reply on the host, so N overlapping
 * processes do N times the receive work and drop more under bursts. Overlap
 * is about roundMs / window, so the window grows with the round (10%, 50 ms to
 * 1 s) — but the wait adds to the round, so it takes at most half of the
 * slack the period leaves after the round.
 */
export function autoWindowMs(roundMs: number, periodMs: number): number {
  const share = Math.min(1000, Math.max(50, roundMs * 0.1));
  const slack = (periodMs - roundMs) / 2;
  return Math.max(50, Math.min(share, slack));
}

const ms = (n: number): string => String(Math.round(n * 1000) / 1000);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export class FpingEngine implements ProbeDriver {
  private readonly fpingPath: string;
  private readonly windowMs: number | undefined;
  private readonly maxTargets: number;
  private readonly sendGapMs: number;
  /** fping built with --enable-safe-limits refuses -i < 1 and -p < 10 for non-root; learnt on first refusal. */
  private safeLimits = false;
  private readonly open = new Map<string, Batch>();
  private readonly inFlight = new Set<Batch>();
  private closed = false;
  private readonly spawner = new Spawner();
  readonly stats: FpingEngineStats = { probes: 0, processes: 0, running: 0 };

  constructor(opts: FpingEngineOptions = {}) {
    this.fpingPath = opts.fpingPath ?? 'fping';
    this.windowMs = opts.windowMs;
    this.maxTargets = Math.max(1, opts.maxTargets ?? 1024);
    this.sendGapMs = Math.max(0, opts.sendGapMs ?? 0);
  }

  probe(ip: string, policy: MonitoringPolicy, signal?: AbortSignal): Promise<ProbeResult> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (policy.driver !== 'ping')
      return Promise.resolve(probeFault(`ping driver given a ${policy.driver} policy`));
    if (!isProbeAddress(ip)) return Promise.resolve(probeFault(`invalid address ${JSON.stringify(ip)}`));
    if (this.closed) return Promise.resolve(probeFault('ping engine is shut down'));
    const { count, interval, timeout } = policy.parameters;
    // With one request the interval is irrelevant: let such probes share batches.
    const periodMs = count === 1 ? 0 : interval * 1000;
    const timeoutMs = timeout * 1000;
    const key = `${count}|${periodMs}|${timeoutMs}`;

    let batch = this.open.get(key);
    if (!batch) {
      const perTargetIn10s = count === 1 ? 1 : Math.min(count, Math.floor(SEQ_WINDOW_MS / periodMs) + 1);
      batch = {
        count,
        periodMs,
        timeoutMs,
        targets: new Map(),
        limit: Math.max(1, Math.min(this.maxTargets, Math.floor(SEQ_BUDGET / perTargetIn10s))),
        started: false,
        live: 0,
      };
      const b = batch;
      const window =
        this.windowMs ?? autoWindowMs((count - 1) * periodMs + timeoutMs, policy.parameters.period * 1000);
      batch.timer = setTimeout(() => this.flush(key, b), window);
      this.open.set(key, batch);
    }
    const b = batch;
    return new Promise<ProbeResult>((resolve, reject) => {
      const w: Waiter = { resolve, reject, signal };
      if (signal) {
        w.onAbort = () => this.abandon(b, ip, w);
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      const list = b.targets.get(ip);
      if (list) list.push(w);
      else b.targets.set(ip, [w]);
      b.live++;
      if (b.targets.size >= b.limit) this.flush(key, b);
    });
  }

  /** Stops every fping process and answers every waiting probe. For worker shutdown. */
  close(): void {
    this.closed = true;
    for (const [key, b] of this.open) {
      clearTimeout(b.timer);
      this.open.delete(key);
      this.settleAll(b, () => probeFault('ping engine is shut down'));
    }
    for (const b of this.inFlight) b.child?.kill('SIGKILL');
    this.spawner.close();
  }

  private flush(key: string, b: Batch): void {
    if (b.started) return;
    b.started = true;
    clearTimeout(b.timer);
    if (this.open.get(key) === b) this.open.delete(key);
    if (b.live > 0) this.run(b);
  }

  private args(b: Batch): string[] {
    const { gapMs, periodMs } = this.pacing(b);
    const args = ['-C', String(b.count), '-t', ms(b.timeoutMs), '-i', ms(gapMs), '-q', '-r', '0'];
    if (b.count > 1) args.push('-p', ms(periodMs));
    return args.concat([...b.targets.keys()]);
  }

  private pacing(b: Batch): { gapMs: number; periodMs: number } {
    return this.safeLimits
      ? { gapMs: Math.max(1, this.sendGapMs), periodMs: Math.max(10, b.periodMs) }
      : { gapMs: this.sendGapMs, periodMs: b.periodMs };
  }

  private run(b: Batch): void {
    const { gapMs, periodMs } = this.pacing(b);
    // The round's own length, plus the time to send every packet at the pace asked.
    const boundMs =
      (b.count - 1) * periodMs + b.timeoutMs + b.targets.size * b.count * gapMs + WATCHDOG_SLACK_MS;
    let stderr = '';
    let overrun = false;
    let spawnError: Error | undefined;
    let done = false;

    let child: SpawnedProcess;
    try {
      child = this.spawner.spawn(this.fpingPath, this.args(b), {
        PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
        LANG: 'C',
      });
    } catch (err) {
      this.settleAll(b, () => probeFault(`fping could not start: ${(err as Error).message}`));
      return;
    }
    b.child = child;
    this.inFlight.add(b);
    this.stats.processes++;
    this.stats.running++;
    const cancelWatchdog = watchdog(boundMs, () => {
      overrun = true;
      child.kill('SIGKILL');
    });

    child.stderr?.setEncoding('latin1');
    child.stderr?.on('data', (s: string) => {
      if (stderr.length < MAX_STDERR) stderr += s;
    });
    const finish = (code: number | null, sig: NodeJS.Signals | null) => {
      if (done) return;
      done = true;
      cancelWatchdog();
      this.inFlight.delete(b);
      this.stats.running--;
      if (spawnError) {
        const why = (spawnError as NodeJS.ErrnoException).code ?? spawnError.message;
        this.settleAll(b, () => probeFault(`fping could not start: ${why}`));
        return;
      }
      const { targets, other } = parseFpingSummary(stderr);
      if (!this.safeLimits && !this.closed && other.some((l) => l.includes('too risky'))) {
        // This fping refuses our pacing for non-root users: use its minimums from now on.
        this.safeLimits = true;
        b.child = undefined;
        if (b.live > 0) this.run(b);
        return;
      }
      const why = overrun
        ? `fping did not finish within ${formatSeconds(boundMs / 1000)} s`
        : sig
          ? `fping was killed by ${sig}`
          : `fping gave no result (exit ${code}${other.length ? `: ${other.slice(0, 2).join('; ')}` : ''})`;
      const lost = failed(`no reply to ${plural(b.count, 'echo request')}`);
      this.settleAll(b, (ip) => {
        const t = targets.get(ip);
        // fping prints a summary for every target it ran, answered or not: none is its fault.
        if (!t) return probeFault(why);
        return t.bestMs !== undefined ? { ok: true, latencyMs: t.bestMs } : lost;
      });
    };
    child.on('error', (err) => {
      // Only a failed spawn (ENOENT, EACCES, EAGAIN) matters; 'close' may not follow it.
      if (child.pid !== undefined) return;
      spawnError = err;
      setImmediate(() => finish(null, null));
    });
    child.once('close', finish);
  }

  private settleAll(b: Batch, resultFor: (ip: string) => ProbeResult): void {
    for (const [ip, waiters] of b.targets) {
      if (!waiters.length) continue;
      const r = resultFor(ip);
      for (const w of waiters) {
        if (w.onAbort) w.signal?.removeEventListener('abort', w.onAbort);
        this.stats.probes++;
        w.resolve(r);
      }
      waiters.length = 0;
    }
    b.live = 0;
  }

  /** The caller stopped waiting: drop its waiter; stop fping when nobody waits on it any more. */
  private abandon(b: Batch, ip: string, w: Waiter): void {
    const list = b.targets.get(ip);
    const i = list ? list.indexOf(w) : -1;
    if (!list || i < 0) return;
    list.splice(i, 1);
    b.live--;
    if (!b.started && list.length === 0) b.targets.delete(ip);
    w.reject(w.signal?.reason);
    if (b.live > 0) return;
    if (!b.started) {
      clearTimeout(b.timer);
      for (const [key, open] of this.open) if (open === b) this.open.delete(key);
      b.started = true;
    } else {
      b.child?.kill('SIGKILL');
    }
  }
}
