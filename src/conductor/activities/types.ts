// Shapes the conductor's workflows and activities exchange. Pure types.
import type { VnfStatus } from '../contract.js';
import type { VnfEvent } from './events.js';

export interface InstancePlan {
  instanceId: string;
  vduName: string;
  index: number;
}

export interface ClaimRequest {
  vnfId: string;
  /** Statuses the operation may start from; empty = any (force). */
  from: VnfStatus[];
  to: VnfStatus;
  /** Tacker's name of the operation, for messages ("delete", "scale"). */
  operation: string;
  event: VnfEvent;
}

export interface ScaleRequest {
  vnfId: string;
  policy: string;
  type: 'out' | 'in';
}

export interface ScalePlan {
  /** Instances to boot (out) — ids minted by the workflow are filled in there. */
  add: { vduName: string; index: number }[];
  /** Instances to remove (in). */
  remove: string[];
}
