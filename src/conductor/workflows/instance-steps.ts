// Steps on a VNF's instances shared by several lifecycle workflows.
import { ActivityFailure, ApplicationFailure, uuid4 } from '@temporalio/workflow';
import { db, vim } from './activities.js';

/** Deletes every live instance of the VNF (VIM resources, IPs, rows). */
export async function deleteAllInstances(vnfId: string): Promise<void> {
  const live = await db.liveInstances(vnfId);
  await Promise.all(live.map((i) => vim.deleteInstance({ instanceId: i.instanceId })));
}

/** Replaces instances with fresh ones (new ids, new IPs) at the same VDU slots. */
export async function recreateInstances(
  vnfId: string,
  old: { instanceId: string; vduName: string; index: number }[],
): Promise<void> {
  await Promise.all(old.map((i) => vim.deleteInstance({ instanceId: i.instanceId })));
  await Promise.all(
    old.map((i) => vim.bootInstance({ vnfId, instanceId: uuid4(), vduName: i.vduName, index: i.index })),
  );
}

/** The reason an operation failed, for error_reason and events. */
export function failureMessage(err: unknown): string {
  let e: unknown = err;
  while (e instanceof ActivityFailure && e.cause) e = e.cause;
  if (e instanceof ApplicationFailure) return e.message;
  return e instanceof Error ? e.message : String(e);
}
