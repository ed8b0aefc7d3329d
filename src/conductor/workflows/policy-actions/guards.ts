// Guards against crash loops, beyond Tacker (which respawned forever):
// exponential back-off between recreations of one VNF and a limit per window.
import type { MonitoringPolicy } from '../../../monitoring/policy.js';

export interface GuardVerdict {
  /** The limit is reached: stop acting, VNF → ERROR. */
  limitReached: boolean;
  /** Wait this long before recreating (0: at once). */
  backoffMs: number;
  reason: string;
}

/**
 * `recent` recreations happened within the policy's window, the last at
 * `lastAt`. The first recreation in a window goes at once; then the gap
 * doubles from respawn_backoff up to respawn_backoff_max.
 */
export function guard(
  policy: MonitoringPolicy,
  recent: number,
  lastAt: number | undefined,
  now: number,
): GuardVerdict {
  const p = policy.parameters;
  if (recent >= p.respawn_limit) {
    return {
      limitReached: true,
      backoffMs: 0,
      reason: `respawn limit reached: ${recent} recreation(s) within ${p.respawn_limit_window} s (respawn_limit ${p.respawn_limit})`,
    };
  }
  if (recent === 0 || lastAt === undefined)
    return { limitReached: false, backoffMs: 0, reason: 'first recreation in the window' };
  const gapMs = Math.min(p.respawn_backoff * 2 ** (recent - 1), p.respawn_backoff_max) * 1000;
  const backoffMs = Math.max(0, lastAt + gapMs - now);
  return {
    limitReached: false,
    backoffMs,
    reason: `back-off ${gapMs / 1000} s after recreation ${recent} in the window`,
  };
}
