// Reading and steering a monitor from outside (API, CLI, scripts): the status
// query merged with the probe loop's last heartbeat (fresher per-target
// counters: the workflow itself learns them only when something happens), and
// the signals.
import {
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import {
  ACCEPTED_UPDATE,
  lifecycleWorkflowId,
  MONITOR_COMMAND_WORKFLOW,
  type Acceptance,
  type LifecycleResult,
  type MonitorCommandInput,
  type MonitorCommandName,
} from '../conductor/contract.js';
import { defaultPayloadConverter } from '@temporalio/common';
import {
  monitorWorkflowId,
  QUERY_STATUS,
  SIGNAL_PAUSE,
  SIGNAL_RESUME,
  type MonitorStatus,
  type ProbeLoopHeartbeat,
} from './contract.js';
import { endedBeforeAccepting } from '../temporal/update-aborted.js';

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

export type MonitorSignal = 'pause' | 'resume';

const SIGNALS: Record<MonitorSignal, string> = {
  pause: SIGNAL_PAUSE,
  resume: SIGNAL_RESUME,
};

/** Sends pause/resume with the monitor's own actionId (taken from its status). */
export async function signalMonitor(
  client: Client,
  vnfId: string,
  command: MonitorSignal,
  actionId?: string,
): Promise<void> {
  const handle = client.workflow.getHandle(monitorWorkflowId(vnfId));
  const id = actionId ?? (await handle.query<MonitorStatus>(QUERY_STATUS)).actionId;
  await handle.signal(SIGNALS[command], { actionId: id });
}

export type MonitorCommandAnswer =
  | { kind: 'done'; result: LifecycleResult }
  | { kind: 'refused'; answer: Extract<Acceptance, { accepted: false }> }
  /** Another operation holds the VNF for longer than `busyMs`. */
  | { kind: 'busy' };

/**
 * Asks the conductor to start, restart, stop or re-sync a VNF's monitor (monitorCommandWorkflow,
 * under the VNF's lifecycle id) and waits for what it did. The conductor alone writes the
 * monitor's actionId and generation; this is how the CLI and the API reach it.
 */
export async function requestMonitorCommand(
  client: Client,
  conductorTaskQueue: string,
  vnfId: string,
  command: MonitorCommandName,
  requestedBy: string,
  busyMs = 3000,
): Promise<MonitorCommandAnswer> {
  const busyUntil = Date.now() + busyMs;
  for (;;) {
    const startWorkflowOperation = new WithStartWorkflowOperation(MONITOR_COMMAND_WORKFLOW, {
      workflowId: lifecycleWorkflowId(vnfId),
      taskQueue: conductorTaskQueue,
      args: [{ vnfId, command, requestedBy } satisfies MonitorCommandInput],
      workflowIdConflictPolicy: 'FAIL',
    });
    try {
      const answer = (await client.workflow.executeUpdateWithStart(ACCEPTED_UPDATE, {
        startWorkflowOperation,
      })) as Acceptance;
      if (!answer.accepted) return { kind: 'refused', answer };
      const handle = await startWorkflowOperation.workflowHandle();
      return { kind: 'done', result: (await handle.result()) as LifecycleResult };
    } catch (err) {
      // Replaced before it answered (a force delete took the VNF over): busy as well.
      if (endedBeforeAccepting(err)) return { kind: 'busy' };
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      // The tail of an operation that has just finished, or a longer one: retry briefly.
      if (Date.now() > busyUntil) return { kind: 'busy' };
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
