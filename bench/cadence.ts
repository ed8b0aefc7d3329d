// Probe cadence as the VDU hosts saw it: rounds per IP from the capture,
// the gaps between consecutive rounds that overlap the window, drift
// (|gap − period| / period) and missed rounds (a gap longer than 1.5 periods
// misses round(gap / period) − 1 rounds). The capture must run on for at
// least 1.5 periods after the window, so the window's last gaps are whole.
import type { EchoLog } from './capture.js';

export interface Cadence {
  /** |gap − period| / period × 100, one per gap overlapping the window. */
  driftPct: number[];
  missed: number;
  /** IPs without a single round in the window. */
  silent: number;
  /** Rounds that started in the window. */
  rounds: number;
  /** Echo requests that arrived in the window. */
  echoes: number;
}

/** Echoes closer than half a period belong to one round (count > 1). */
function roundsOf(times: number[], periodMs: number): number[] {
  const starts: number[] = [];
  for (const t of times) if (!starts.length || t - starts[starts.length - 1]! >= periodMs / 2) starts.push(t);
  return starts;
}

/**
 * @param from window start (ms epoch)
 * @param to window end
 * @param end when the capture stopped (≥ to + 1.5 periods)
 */
export function cadence(
  log: EchoLog,
  ips: string[],
  from: number,
  to: number,
  end: number,
  periodMs: number,
): Cadence {
  const c: Cadence = { driftPct: [], missed: 0, silent: 0, rounds: 0, echoes: 0 };
  const missedIn = (gap: number) => (gap > 1.5 * periodMs ? Math.round(gap / periodMs) - 1 : 0);
  for (const ip of ips) {
    const times = log.byIp.get(ip) ?? [];
    c.echoes += times.filter((t) => t >= from && t < to).length;
    const rounds = roundsOf(times, periodMs);
    const inside = rounds.filter((t) => t >= from && t < to);
    c.rounds += inside.length;
    if (!inside.length) {
      c.silent++;
      c.missed += Math.max(1, Math.floor((to - from) / periodMs));
      continue;
    }
    for (let i = 0; i + 1 < rounds.length; i++) {
      const a = rounds[i]!;
      const b = rounds[i + 1]!;
      if (a >= to || b <= from) continue;
      const gap = b - a;
      c.driftPct.push((Math.abs(gap - periodMs) / periodMs) * 100);
      c.missed += missedIn(gap);
    }
    // No round before the window, or none after it before the capture ended.
    const first = rounds[0]!;
    const last = rounds[rounds.length - 1]!;
    if (first >= from) c.missed += missedIn(first - from + periodMs / 2);
    if (last < to) c.missed += missedIn(end - last);
  }
  return c;
}

/** First echo time per IP (undefined when an IP never got one). */
export function firstEchoes(log: EchoLog, ips: string[]): (number | undefined)[] {
  return ips.map((ip) => log.byIp.get(ip)?.[0]);
}
