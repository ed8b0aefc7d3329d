// VNF attributes in the shape Tacker's legacy API returned them, so Tacker
// clients and scripts keep working.
import { pythonJson } from '../wire/python-json.js';
import type { ParsedVnfd } from './types.js';

// The scaling lookups are also reachable from here, next to the attribute they complement.
export { defaultInstances, scalingPolicyFor, scalingPolicyOfVdu } from './scaling.js';

/**
 * The JSON string of a VNF's `attributes.monitoring_policy`:
 * `{"vdus": {"VDU1": {"ping": {"name", "actions", "parameters", "monitoring_params"}}}}`,
 * with `parameters` as written in the VNFD and `monitoring_params` with
 * defaults applied. Undefined when no VDU is monitored.
 */
export function monitoringPolicyAttribute(parsed: ParsedVnfd): string | undefined {
  const vdus = new Map<string, unknown>();
  for (const vdu of parsed.vdus) {
    const policy = vdu.monitoringPolicy;
    if (!policy) continue;
    vdus.set(vdu.name, {
      [policy.driver]: {
        name: policy.driver,
        actions: { ...policy.actions },
        parameters: vdu.monitoringParameters ?? {},
        monitoring_params: policy.parameters,
      },
    });
  }
  return vdus.size ? pythonJson({ vdus }) : undefined;
}
