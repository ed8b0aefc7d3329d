// Lookups of a parsed VNFD's scaling policies, for the API (scale actions)
// and the conductor (instance counts at create and scale).
import type { ParsedVnfd, ScalingPolicy } from './types.js';

/** The scaling policy named `policyName` (the `policy` of a scale action), if any. */
export function scalingPolicyFor(parsed: ParsedVnfd, policyName: string): ScalingPolicy | undefined {
  return parsed.scalingPolicies.find((p) => p.name === policyName);
}

/** The scaling policy that targets `vduName` (validation allows at most one), if any. */
export function scalingPolicyOfVdu(parsed: ParsedVnfd, vduName: string): ScalingPolicy | undefined {
  return parsed.scalingPolicies.find((p) => p.targets.includes(vduName));
}

/** Instances of `vduName` to create with the VNF: its scaling policy's default_instances, else 1. */
export function defaultInstances(parsed: ParsedVnfd, vduName: string): number {
  return scalingPolicyOfVdu(parsed, vduName)?.defaultInstances ?? 1;
}
