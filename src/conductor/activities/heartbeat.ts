// Conductor activities heartbeat while they run, and the workflows give them a
// heartbeat timeout: a conductor killed mid-activity (kill -9, a lost node) is
// then noticed within that timeout and the step retried on another conductor,
// instead of after the step's whole start-to-close timeout (minutes for VIM
// steps), which kept a VNF in PENDING_*/DEAD that long.
//
// Heartbeats are also how cancellation reaches an activity: when its workflow
// is terminated (a force delete replaces the running operation, an operator
// terminates it in the Web UI) or cancels it, the next heartbeat's answer
// aborts the activity's cancellationSignal. Long steps (VIM boots) ask
// `abandoned()` between their steps and stop, removing what they made: nobody
// would ever finish or undo it otherwise.
import { Context } from '@temporalio/activity';
import { lifecycleWorkflowId } from '../contract.js';

/** How often a running activity heartbeats (the SDK throttles what it sends). */
export const HEARTBEAT_EVERY_MS = 1_000;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Activities = Record<string, (...args: any[]) => Promise<unknown>>;

function currentContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    // Called outside an activity (maintenance, tests).
    return undefined;
  }
}

/**
 * Whether the workflow that runs this activity is gone (terminated, completed,
 * reset) or asked it to stop. Not when the worker shuts down or the attempt
 * timed out: then the step is retried, and what it made is the retry's to finish.
 */
export function abandoned(): boolean {
  const ctx = currentContext();
  if (!ctx?.cancellationSignal.aborted) return false;
  const why = ctx.cancellationDetails;
  return !why || why.notFound || why.cancelRequested || why.reset;
}

/** The caller's run id when it is the VNF's lifecycle workflow (the one that may own its step). */
export function lifecycleRunOf(vnfId: string): string | undefined {
  const run = currentContext()?.info.workflowExecution;
  return run && run.workflowId === lifecycleWorkflowId(vnfId) ? run.runId : undefined;
}

export function heartbeating<T extends Activities>(activities: T): T {
  const wrapped: Activities = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (...args: unknown[]) => {
      const ctx = currentContext();
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
