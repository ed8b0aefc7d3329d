// The `ping` driver over the npm `ping` package: one system `ping` process
// per probe round. Simple and faithful to Tacker, but spawning costs a few ms
// of CPU per probe; the batched fping engine is the default at fleet scale.
import ping, { type PingConfig } from 'ping';
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

/**
 * Seconds after which we stop waiting for the package even if `ping` has not
 * exited. ping ends by itself within (count-1)*interval + timeout (-c and -W
 * bound it), so this only catches a child that is stuck for good. It is
 * generous (twice the round plus 30 s) because on an overloaded host a
 * child can wait seconds for CPU, and a tight net would turn local overload
 * into false failures, and those into respawns; a late result is the honest
 * signal (the monitor sees missed rounds). The package gives no handle on
 * the child to kill.
 */
export function safetyNetSeconds(count: number, interval: number, timeout: number): number {
  return 2 * ((count - 1) * interval + timeout + 1) + 30;
}

/**
 * Arguments for the package. We do not pass `deadline` (ping -w): with -w,
 * iputils ping keeps sending past -c until it has -c replies or the deadline
 * passes, so a dead target would get (deadline / interval) requests instead
 * of `count`. Only -c/-i/-W: `count` requests `interval` apart, then up to
 * `timeout` seconds for replies.
 */
export function pingPackageConfig(count: number, interval: number, timeout: number): PingConfig {
  return {
    numeric: true, // -n
    min_reply: count, // -c
    timeout, // -W (the package formats it with %d, which keeps fractions)
    extra: ['-i', formatSeconds(interval)],
    // deadline left out: the package then passes no -w. v6 left out: it picks ping6 for IPv6.
  };
}

/** The reason ping printed (e.g. "ping: connect: Network is unreachable"), if any. */
function pingComplaint(output: string): string | undefined {
  let unreachable: string | undefined;
  for (const line of output.split('\n')) {
    const l = line.trim();
    if (l.startsWith('ping:') || l.startsWith('ping6:')) return l;
    // e.g. "From 10.0.0.1 icmp_seq=1 Destination Host Unreachable"
    const m = /icmp_seq=\d+ (.+)$/.exec(l);
    if (m && !l.includes(' time=') && !unreachable) unreachable = m[1];
  }
  return unreachable;
}

export class PingPackageDriver implements ProbeDriver {
  async probe(ip: string, policy: MonitoringPolicy, signal?: AbortSignal): Promise<ProbeResult> {
    signal?.throwIfAborted();
    if (policy.driver !== 'ping') return probeFault(`ping driver given a ${policy.driver} policy`);
    if (!isProbeAddress(ip)) return probeFault(`invalid address ${JSON.stringify(ip)}`);
    const { count, interval, timeout } = policy.parameters;
    // Spawns `ping` synchronously; the safety net starts after it.
    const run = ping.promise
      .probe(ip, pingPackageConfig(count, interval, timeout))
      .then((res): ProbeResult => {
        if (res.alive && res.times.length) return { ok: true, latencyMs: Math.min(...res.times) };
        const why = pingComplaint(res.output);
        if (why?.startsWith('ping')) return failed(why);
        const base = `no reply to ${count} echo request${count === 1 ? '' : 's'}`;
        return failed(why ? `${base} (${why})` : base);
      })
      .catch((err: unknown) => probeFault(`ping could not run: ${(err as Error).message}`));
    const netS = safetyNetSeconds(count, interval, timeout);
    let cancel: (() => void) | undefined;
    let onAbort: (() => void) | undefined;
    const bounded = new Promise<ProbeResult>((resolve, reject) => {
      cancel = watchdog(netS * 1000, () =>
        resolve(probeFault(`ping did not finish within ${formatSeconds(netS)} s`)),
      );
      if (signal) {
        onAbort = () => reject(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
      }
    });
    try {
      return await Promise.race([run, bounded]);
    } finally {
      cancel?.();
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  }
}
