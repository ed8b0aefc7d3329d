// VNF attributes in the shape Tacker's legacy API returned them, so Tacker
// clients and scripts keep working.
import type { ParsedVnfd } from './types.js';

// The scaling lookups are also reachable from here, next to the attribute they complement.
export { defaultInstances, scalingPolicyFor, scalingPolicyOfVdu } from './scaling.js';

/**
 * Python's `json.dumps` output (", " and ": " separators, non-ASCII escaped),
 * which is what Tacker stored and returned, byte for byte for the values a
 * monitoring policy holds.
 */
function pythonJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(pythonJson).join(', ')}]`;
  if (typeof v === 'object' && v !== null) {
    const items = (v instanceof Map ? [...v] : Object.entries(v)).map(
      ([k, x]) => `${pythonJson(k)}: ${pythonJson(x)}`,
    );
    return `{${items.join(', ')}}`;
  }
  if (typeof v === 'string') {
    return JSON.stringify(v).replace(
      /[\u0080-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  }
  return JSON.stringify(v) ?? 'null';
}

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
