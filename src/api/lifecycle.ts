// Starting the conductor's lifecycle workflows (src/conductor/contract.ts).
// Create is started idempotently by VNF id after the row is committed (the
// conductor also reconciles PENDING_CREATE rows that have no workflow).
// Delete, scale and update use update-with-start and wait for the workflow's
// `accepted` answer, which is the truth about whether the operation claimed
// the VNF; a second operation while one runs is refused by Temporal itself
// (one workflow id per VNF) and answered 409.
import {
  isGrpcServiceError,
  ServiceError,
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
} from '@temporalio/client';
import type { TemporalConfig } from '../config.js';
import {
  ACCEPTED_UPDATE,
  CREATE_VNF_WORKFLOW,
  lifecycleWorkflowId,
  type Acceptance,
  type CreateVnfInput,
  type DeleteVnfInput,
  type ScaleVnfInput,
  type UpdateVnfInput,
  type MonitorCommandName,
  type VnfStatus,
} from '../conductor/contract.js';
import { requestMonitorCommand, type MonitorCommandAnswer } from '../monitoring/status.js';
import type { Logger } from '../logger.js';
import { endedBeforeAccepting } from '../temporal/update-aborted.js';
import { ApiError } from './errors.js';
import type { ApiMetrics } from './metrics.js';

export type Operation =
  | 'create'
  | 'delete'
  | 'force_delete'
  | 'scale_out'
  | 'scale_in'
  | 'update'
  | `monitor_${MonitorCommandName}`;

export type LifecycleRequest =
  | { operation: 'delete' | 'force_delete'; workflow: string; input: DeleteVnfInput }
  | { operation: 'scale_out' | 'scale_in'; workflow: string; input: ScaleVnfInput }
  | { operation: 'update'; workflow: string; input: UpdateVnfInput };

const BUSY_RETRY_EVERY_MS = 200;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const REASON_STATUS = { not_found: 404, conflict: 409, invalid: 400 } as const;

/** Temporal could not be reached at all (as opposed to answering). */
function isUnavailable(err: unknown): boolean {
  const grpc = err instanceof ServiceError ? err.cause : err;
  // 14 UNAVAILABLE, 4 DEADLINE_EXCEEDED
  return isGrpcServiceError(grpc) && (grpc.code === 14 || grpc.code === 4);
}

export class Lifecycle {
  constructor(
    private readonly client: Client,
    private readonly temporal: TemporalConfig,
    private readonly metrics: ApiMetrics,
    private readonly acceptTimeoutMs: number,
    /** How long a busy workflow id is retried before 409 (see request). */
    private readonly busyRetryMs = 3000,
  ) {}

  /**
   * Starts the create workflow; never throws: the row is committed, and a
   * VNF whose workflow could not be started is picked up by the conductor's
   * reconciliation, so the client's 201 stays true.
   */
  async startCreate(vnfId: string, log: Logger): Promise<boolean> {
    const input: CreateVnfInput = { vnfId };
    try {
      await this.client.withDeadline(Date.now() + this.acceptTimeoutMs, () =>
        this.client.workflow.start(CREATE_VNF_WORKFLOW, {
          workflowId: lifecycleWorkflowId(vnfId),
          taskQueue: this.temporal.conductorTaskQueue,
          args: [input],
          workflowIdConflictPolicy: 'USE_EXISTING',
        }),
      );
      this.count('create', 'accepted');
      return true;
    } catch (err) {
      this.count('create', 'unavailable');
      log.warn(
        { err, vnfId },
        'create workflow not started; the conductor reconciles the PENDING_CREATE row',
      );
      return false;
    }
  }

  /**
   * Starts delete/scale/update and waits for the workflow's acceptance.
   * Throws ApiError for every refusal; returns the status the VNF moved to.
   */
  async request(req: LifecycleRequest): Promise<VnfStatus> {
    const vnfId = req.input.vnfId;
    const deadline = Date.now() + this.acceptTimeoutMs;
    // A lifecycle workflow's last steps (starting or updating the monitor)
    // run after it has written its final status: a request that arrives then
    // sees a settled VNF but a busy workflow id. Such a tail ends within
    // moments, so try again briefly before answering 409.
    const busyUntil = Date.now() + Math.min(this.busyRetryMs, this.acceptTimeoutMs / 2);
    let answer: Acceptance;
    for (;;) {
      try {
        answer = await this.updateWithStart(req, deadline);
        break;
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) {
          if (Date.now() < busyUntil) {
            await sleep(BUSY_RETRY_EVERY_MS);
            continue;
          }
          this.count(req.operation, 'in_use');
          throw new ApiError(
            409,
            'VNFInUse',
            `VNF ${vnfId} is in use: another operation is running on it; try again when it has finished`,
          );
        }
        if (endedBeforeAccepting(err)) {
          // The workflow ended without answering: terminated, typically by a
          // force delete that replaced it. The operation did not run.
          this.count(req.operation, 'replaced');
          throw new ApiError(
            409,
            'VNFInUse',
            `the ${req.operation.replace('_', ' ')} of VNF ${vnfId} ended before it accepted: another operation (such as a force delete) took the VNF over; try again when it has finished`,
          );
        }
        if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError || isUnavailable(err)) {
          this.count(req.operation, 'unavailable');
          throw new ApiError(
            503,
            'ServiceUnavailable',
            `the ${req.operation.replace('_', ' ')} of VNF ${vnfId} was not accepted within ${Math.round(this.acceptTimeoutMs / 1000)} s: ` +
              `Temporal or the conductor is not answering; if workflow ${lifecycleWorkflowId(vnfId)} was started, it runs when a conductor picks it up`,
            '',
            { 'Retry-After': '5' },
          );
        }
        this.count(req.operation, 'error');
        throw err;
      }
    }
    if (!answer.accepted) {
      this.count(req.operation, answer.reason);
      throw new ApiError(REASON_STATUS[answer.reason] ?? 409, answer.type, answer.message);
    }
    this.count(req.operation, 'accepted');
    return answer.status;
  }

  /** Asks the conductor to start, restart, stop or re-sync the VNF's monitor; answers what it did. */
  async monitorCommand(vnfId: string, command: MonitorCommandName, requestedBy: string): Promise<string> {
    const operation = `monitor_${command}` as const;
    let answer: MonitorCommandAnswer;
    try {
      answer = await this.client.withDeadline(Date.now() + this.acceptTimeoutMs, () =>
        requestMonitorCommand(
          this.client,
          this.temporal.conductorTaskQueue,
          vnfId,
          command,
          requestedBy,
          this.busyRetryMs,
        ),
      );
    } catch (err) {
      if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError || isUnavailable(err)) {
        this.count(operation, 'unavailable');
        throw new ApiError(
          503,
          'ServiceUnavailable',
          `the monitor ${command} of VNF ${vnfId} did not finish within ${Math.round(this.acceptTimeoutMs / 1000)} s: Temporal or the conductor is not answering`,
          '',
          { 'Retry-After': '5' },
        );
      }
      this.count(operation, 'error');
      throw err;
    }
    if (answer.kind === 'busy') {
      this.count(operation, 'in_use');
      throw new ApiError(
        409,
        'VNFInUse',
        `VNF ${vnfId} is in use: another operation is running on it; try again when it has finished`,
      );
    }
    if (answer.kind === 'refused') {
      this.count(operation, answer.answer.reason);
      throw new ApiError(
        REASON_STATUS[answer.answer.reason] ?? 409,
        answer.answer.type,
        answer.answer.message,
      );
    }
    this.count(operation, 'accepted');
    return answer.result.detail;
  }

  private async updateWithStart(req: LifecycleRequest, deadline: number): Promise<Acceptance> {
    const startWorkflowOperation = new WithStartWorkflowOperation(req.workflow, {
      workflowId: lifecycleWorkflowId(req.input.vnfId),
      taskQueue: this.temporal.conductorTaskQueue,
      args: [req.input],
      // A forced delete replaces whatever operation runs on the VNF.
      workflowIdConflictPolicy: req.operation === 'force_delete' ? 'TERMINATE_EXISTING' : 'FAIL',
    });
    return (await this.client.withDeadline(deadline, () =>
      this.client.workflow.executeUpdateWithStart(ACCEPTED_UPDATE, { startWorkflowOperation }),
    )) as Acceptance;
  }

  private count(operation: Operation, result: string): void {
    this.metrics.lifecycleOperations.inc({ operation, result });
  }
}
