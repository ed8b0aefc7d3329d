// Reading and steering a monitor from outside (API, CLI, scripts): the status
// query merged with the probe loop's last heartbeat (fresher per-target
// counters: the workflow itself learns them only when something happens), and
// the signals.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import {
  monitorWorkflowId,
  QUERY_STATUS,
  SIGNAL_KILL,
  SIGNAL_PAUSE,
  SIGNAL_RESUME,
  SIGNAL_UPDATE,
  type MonitoredVdu,
  type MonitorStatus,
  type ProbeLoopHeartbeat,
} from './contract.js';

export interface MonitorView extends MonitorStatus {
  workflowId: string;
  runId: string;
  /** RUNNING, COMPLETED, TERMINATED, ... */
  execution: string;
  /** When the per-target counters were last refreshed from the probe loop. */
  countersAsOf?: string;
}

/** The monitor's status, or undefined when the VNF has no monitor workflow. */
export async function getMonitorStatus(client: Client, vnfId: string): Promise<MonitorView | undefined> {
  const handle = client.workflow.getHandle(monitorWorkflowId(vnfId));
  let desc;
  try {
    desc = await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
  const status = await handle.query<MonitorStatus>(QUERY_STATUS);
  const view: MonitorView = {
    ...status,
    workflowId: desc.workflowId,
    runId: desc.runId,
    execution: desc.status.name,
  };
  const loop = desc.raw.pendingActivities?.find((a) => a.activityType?.name === 'runProbeLoop');
  const payload = loop?.heartbeatDetails?.payloads?.[0];
  if (payload) {
    const hb = defaultPayloadConverter.fromPayload<ProbeLoopHeartbeat>(payload);
    for (const t of view.targets) {
      const c = hb.counters?.[t.instanceId];
      if (c && (!t.lastProbeAt || (c.lastProbeAt ?? '') > t.lastProbeAt))
        Object.assign(t, c, { episode: t.episode });
    }
    const secs = loop?.lastHeartbeatTime?.seconds;
    if (secs != null) view.countersAsOf = new Date(Number(secs) * 1000).toISOString();
  }
  return view;
}

export type MonitorCommand = 'kill' | 'pause' | 'resume';

const SIGNALS: Record<MonitorCommand, string> = {
  kill: SIGNAL_KILL,
  pause: SIGNAL_PAUSE,
  resume: SIGNAL_RESUME,
};

/** Sends kill/pause/resume with the monitor's own actionId (taken from its status). */
export async function signalMonitor(
  client: Client,
  vnfId: string,
  command: MonitorCommand,
  actionId?: string,
): Promise<void> {
  const handle = client.workflow.getHandle(monitorWorkflowId(vnfId));
  const id = actionId ?? (await handle.query<MonitorStatus>(QUERY_STATUS)).actionId;
  await handle.signal(SIGNALS[command], { actionId: id });
}

export async function updateMonitor(
  client: Client,
  vnfId: string,
  msg: { actionId: string; generation: number; vdus: MonitoredVdu[] },
): Promise<void> {
  await client.workflow.getHandle(monitorWorkflowId(vnfId)).signal(SIGNAL_UPDATE, msg);
}
