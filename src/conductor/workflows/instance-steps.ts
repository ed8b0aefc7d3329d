// Steps on a VNF's instances shared by several lifecycle workflows.
import { ActivityFailure, ApplicationFailure, uuid4 } from '@temporalio/workflow';
import { db, vim } from './activities.js';

/**
 * Waits for steps started side by side. `settle` (SETTLE_SIBLINGS): every one
 * finishes before the first failure is thrown, so the caller's cleanup never
 * races with a sibling still booting; without it (runs recorded before the
 * patch), the first failure is thrown at once, as Promise.all does.
 */
export async function allOf<T>(steps: Promise<T>[], settle: boolean): Promise<T[]> {
  if (!settle) return Promise.all(steps);
  const results = await Promise.allSettled(steps);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/** Deletes every live instance of the VNF (VIM resources, IPs, rows). */
export async function deleteAllInstances(vnfId: string, settle = false): Promise<void> {
  const live = await db.liveInstances(vnfId);
  await allOf(
    live.map((i) => vim.deleteInstance({ instanceId: i.instanceId })),
    settle,
  );
}

/** Replaces instances with fresh ones (new ids, new IPs) at the same VDU slots. */
export async function recreateInstances(
  vnfId: string,
  old: { instanceId: string; vduName: string; index: number }[],
  settle = false,
): Promise<void> {
  await allOf(
    old.map((i) => vim.deleteInstance({ instanceId: i.instanceId })),
    settle,
  );
  await allOf(
    old.map((i) => vim.bootInstance({ vnfId, instanceId: uuid4(), vduName: i.vduName, index: i.index })),
    settle,
  );
}

/** The reason an operation failed, for error_reason and events. */
export function failureMessage(err: unknown): string {
  let e: unknown = err;
  while (e instanceof ActivityFailure && e.cause) e = e.cause;
  if (e instanceof ApplicationFailure) return e.message;
  return e instanceof Error ? e.message : String(e);
}
