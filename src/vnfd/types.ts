// The validated, normalised form of a VNFD (stored as Vnfd.parsed).
import type { MonitoringPolicy } from '../monitoring/policy.js';

export interface VduSpec {
  name: string;
  /** `properties.image`; the netns VIM treats images named `broken*` as never answering. */
  image: string;
  /** Connection point with management: true bound to this VDU, if any. */
  mgmtConnectionPoint?: string;
  monitoringPolicy?: MonitoringPolicy;
  /**
   * `monitoring_policy.parameters` as written in the VNFD (before defaults):
   * Tacker echoes them in a VNF's `attributes.monitoring_policy`.
   */
  monitoringParameters?: Record<string, number | string>;
  /** Port an HTTP responder listens on inside the instance (http_ping port, or properties.http_port). */
  httpPort?: number;
}

export interface ScalingPolicy {
  name: string;
  targets: string[];
  increment: number;
  cooldown: number;
  minInstances: number;
  maxInstances: number;
  defaultInstances: number;
}

export interface ParsedVnfd {
  toscaVersion: string;
  description: string;
  templateName?: string;
  vdus: VduSpec[];
  scalingPolicies: ScalingPolicy[];
}
