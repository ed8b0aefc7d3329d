// What the API and the CLI need to drive the conductor's lifecycle workflows:
// names, ids, inputs and results. Pure; no conductor code is loaded.
//
// Operations on one VNF are serialised by Temporal: every lifecycle workflow
// of a VNF runs under the same workflow id (lifecycleWorkflowId), so a second
// operation started while one runs is refused (409 VNFInUse). Callers start
// delete/scale/update with update-with-start and wait for the `accepted`
// update, which answers once the workflow has checked and claimed the VNF's
// status in the database, so the HTTP answer is the truth.

export const VNF_STATUSES = [
  'PENDING_CREATE',
  'ACTIVE',
  'PENDING_UPDATE',
  'PENDING_SCALE_OUT',
  'PENDING_SCALE_IN',
  'PENDING_HEAL',
  'PENDING_DELETE',
  'DEAD',
  'ERROR',
] as const;
export type VnfStatus = (typeof VNF_STATUSES)[number];

export const lifecycleWorkflowId = (vnfId: string): string => `vnf-lifecycle-${vnfId}`;

/** Statuses in which a VNF with a monitoring policy has a running monitor (held while ERROR). */
export const MONITORED_STATUSES: readonly VnfStatus[] = [
  'ACTIVE',
  'PENDING_UPDATE',
  'PENDING_SCALE_OUT',
  'PENDING_SCALE_IN',
  'PENDING_HEAL',
  'DEAD',
  'ERROR',
];

export const CREATE_VNF_WORKFLOW = 'createVnfWorkflow';
export const DELETE_VNF_WORKFLOW = 'deleteVnfWorkflow';
export const SCALE_VNF_WORKFLOW = 'scaleVnfWorkflow';
export const UPDATE_VNF_WORKFLOW = 'updateVnfWorkflow';
export const MONITOR_COMMAND_WORKFLOW = 'monitorCommandWorkflow';
export const SETTLE_VNF_WORKFLOW = 'settleVnfWorkflow';

/** The coordinator of a correlated-failure hold, and the signal that carries an operator's decision. */
export const HEAL_HOLD_WORKFLOW = 'healHoldWorkflow';
export const healHoldWorkflowId = (holdId: string): string => `heal-hold-${holdId}`;
export const HOLD_DECISION_SIGNAL = 'decide';
export interface HoldDecisionSignal {
  decision: 'release' | 'cancel';
  by: string;
}

/** Update name every lifecycle workflow answers: did it claim the VNF? */
export const ACCEPTED_UPDATE = 'accepted';

export interface CreateVnfInput {
  vnfId: string;
}
export interface DeleteVnfInput {
  vnfId: string;
  /** Admin force delete: from any state, even while another operation runs. */
  force: boolean;
  requestedBy?: string;
}
export interface ScaleVnfInput {
  vnfId: string;
  policy: string;
  type: 'out' | 'in';
}
/**
 * What an operator (CLI, API) or the reconciliation asks of a VNF's monitor. start: make sure
 * one runs (a new actionId if monitoring was stopped); restart: rebuild it from the database;
 * stop: stop monitoring until the next start; resync: send it the database's set under a
 * generation above both sides'.
 */
export const MONITOR_COMMANDS = ['start', 'restart', 'stop', 'resync'] as const;
export type MonitorCommandName = (typeof MONITOR_COMMANDS)[number];
export interface MonitorCommandInput {
  vnfId: string;
  command: MonitorCommandName;
  requestedBy?: string;
}

/**
 * The conductor's reconciliation settles a VNF left in `status` (PENDING_*) by
 * the lifecycle run `run` (vnfs.lifecycle_run), which no longer runs.
 */
export interface SettleVnfInput {
  vnfId: string;
  status: VnfStatus;
  run: string | null;
}

export interface UpdateVnfInput {
  vnfId: string;
  attributes: { config?: unknown; param_values?: unknown };
}

export type Acceptance =
  | { accepted: true; status: VnfStatus }
  | {
      accepted: false;
      /** HTTP-ish reason: not_found → 404, conflict → 409, invalid → 400. */
      reason: 'not_found' | 'conflict' | 'invalid';
      type: string;
      message: string;
    };

export interface LifecycleResult {
  vnfId: string;
  status: VnfStatus | 'DELETED' | 'REFUSED';
  detail: string;
}
