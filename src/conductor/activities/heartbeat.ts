// Conductor activities heartbeat while they run, and the workflows give them a
// heartbeat timeout: a conductor killed mid-activity (kill -9, a lost node) is
// then noticed within that timeout and the step retried on another conductor,
// instead of after the step's whole start-to-close timeout (minutes for VIM
// steps), which kept a VNF in PENDING_*/DEAD that long.
import { Context } from '@temporalio/activity';

/** How often a running activity heartbeats (the SDK throttles what it sends). */
export const HEARTBEAT_EVERY_MS = 1_000;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Activities = Record<string, (...args: any[]) => Promise<unknown>>;

export function heartbeating<T extends Activities>(activities: T): T {
  const wrapped: Activities = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (...args: unknown[]) => {
      let ctx: Context | undefined;
      try {
        ctx = Context.current();
      } catch {
        // Called outside an activity (maintenance, tests): nothing to beat for.
      }
      // Local activities have no heartbeat: their workflow task's timeout watches them.
      const timer = ctx && !ctx.info.isLocal && setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
      try {
        return await fn(...args);
      } finally {
        if (timer) clearInterval(timer);
      }
    };
  }
  return wrapped as T;
}
