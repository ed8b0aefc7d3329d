// Validation of `topology_template.policies`: TOSCA's list of single-key
// mappings. vnfm implements tosca.policies.tacker.Scaling; Tacker's other
// policy types are refused by name rather than silently ignored.
import { at, describe, type VnfdError } from './errors.js';
import { keyTypos } from './key-typos.js';
import { NODE_TYPES, VDU_NAME, type NodeKind } from './node-templates.js';
import { asInteger, isMapping, own } from './plain-data.js';
import type { ScalingPolicy } from './types.js';

export const SCALING_POLICY_TYPE = 'tosca.policies.tacker.Scaling';
export const MAX_INSTANCES_LIMIT = 100;
/** Tacker's default cooldown between scaling actions, in seconds. */
export const DEFAULT_COOLDOWN = 120;

const UNSUPPORTED_TYPES: Record<string, string> = {
  'tosca.policies.tacker.Monitoring': 'put a monitoring_policy in the VDU properties instead',
  'tosca.policies.tacker.Alarming': 'alarm-triggered actions are not implemented',
  'tosca.policies.tacker.Placement': 'placement is left to the VIM',
  'tosca.policies.tacker.Reservation': 'reservations are not implemented',
};

const POLICY_KEYS = ['type', 'properties', 'targets', 'description', 'metadata'];
const PROPERTY_KEYS = [
  'targets',
  'increment',
  'cooldown',
  'min_instances',
  'max_instances',
  'default_instances',
];

/** An integer property within [min, max], else an error; `fallback` when absent (undefined: required). */
function intProperty(
  props: Record<string, unknown>,
  key: string,
  path: string,
  range: { min: number; max: number; message: string; fallback?: number },
  errors: VnfdError[],
): number | undefined {
  const v = own(props, key);
  if (v === undefined || v === null) {
    if (range.fallback !== undefined) return range.fallback;
    errors.push({ path: at(path, key), message: 'is required' });
    return undefined;
  }
  const n = asInteger(v);
  if (n === undefined || n < range.min || n > range.max) {
    errors.push({ path: at(path, key), message: `${range.message} (got ${describe(v)})` });
    return undefined;
  }
  return n;
}

function validateTargets(
  policyBody: Record<string, unknown>,
  props: Record<string, unknown>,
  path: string,
  kinds: Map<string, NodeKind>,
  errors: VnfdError[],
): { targets?: string[]; path: string } {
  // Tacker's samples put targets under properties; TOSCA puts them on the policy. Accept either.
  const inProps = own(props, 'targets');
  const onPolicy = own(policyBody, 'targets');
  if (inProps !== undefined && onPolicy !== undefined) {
    errors.push({
      path: at(path, 'targets'),
      message: 'give targets once, either here or in properties.targets',
    });
    return { path: at(path, 'targets') };
  }
  const raw = inProps ?? onPolicy;
  const targetsPath = inProps !== undefined ? at(at(path, 'properties'), 'targets') : at(path, 'targets');
  if (raw === undefined || raw === null) {
    const missingPath = onPolicy === undefined ? at(at(path, 'properties'), 'targets') : targetsPath;
    errors.push({ path: missingPath, message: 'is required (a list of VDU names)' });
    return { path: missingPath };
  }
  if (!Array.isArray(raw) || raw.length === 0) {
    errors.push({
      path: targetsPath,
      message: `must be a non-empty list of VDU names (got ${describe(raw)})`,
    });
    return { path: targetsPath };
  }
  const targets: string[] = [];
  let ok = true;
  raw.forEach((t: unknown, i) => {
    const p = at(targetsPath, i);
    const kind = typeof t === 'string' ? kinds.get(t) : undefined;
    if (typeof t !== 'string') errors.push({ path: p, message: `must be a VDU name (got ${describe(t)})` });
    else if (kind === undefined) errors.push({ path: p, message: `VDU ${JSON.stringify(t)} does not exist` });
    else if (kind !== 'vdu') {
      errors.push({ path: p, message: `node ${JSON.stringify(t)} is a ${NODE_TYPES[kind]}, not a VDU` });
    } else if (targets.includes(t)) errors.push({ path: p, message: `${t} is listed twice` });
    else {
      targets.push(t);
      return;
    }
    ok = false;
  });
  return ok ? { targets, path: targetsPath } : { path: targetsPath };
}

function validateScalingPolicy(
  name: string,
  body: Record<string, unknown>,
  path: string,
  kinds: Map<string, NodeKind>,
  errors: VnfdError[],
): { policy?: ScalingPolicy; targetsPath: string } {
  for (const key of Object.keys(body)) {
    if (!POLICY_KEYS.includes(key)) {
      errors.push({ path: at(path, key), message: `unknown key (expected ${POLICY_KEYS.join(', ')})` });
    }
  }
  const propsPath = at(path, 'properties');
  const rawProps = own(body, 'properties');
  if (!isMapping(rawProps)) {
    errors.push({
      path: propsPath,
      message:
        rawProps === undefined || rawProps === null
          ? 'is required'
          : `must be a mapping (got ${describe(rawProps)})`,
    });
  }
  const props = isMapping(rawProps) ? rawProps : {};
  for (const key of Object.keys(props)) {
    if (!PROPERTY_KEYS.includes(key)) {
      errors.push({
        path: at(propsPath, key),
        message: `unknown property (expected ${PROPERTY_KEYS.join(', ')})`,
      });
    }
  }
  const { targets, path: targetsPath } = validateTargets(body, props, path, kinds, errors);
  if (!isMapping(rawProps)) return { targetsPath };

  const max = MAX_INSTANCES_LIMIT;
  const increment = intProperty(
    props,
    'increment',
    propsPath,
    { min: 1, max, message: `must be a positive integer (at most ${max})` },
    errors,
  );
  const cooldown = intProperty(
    props,
    'cooldown',
    propsPath,
    {
      min: 0,
      max: 86_400,
      message: 'must be a whole number of seconds from 0 to 86400',
      fallback: DEFAULT_COOLDOWN,
    },
    errors,
  );
  const minInstances = intProperty(
    props,
    'min_instances',
    propsPath,
    { min: 0, max, message: `must be an integer from 0 to ${max}` },
    errors,
  );
  const maxInstances = intProperty(
    props,
    'max_instances',
    propsPath,
    { min: 0, max, message: `must be an integer from 0 to ${max}` },
    errors,
  );
  const defaultInstances = intProperty(
    props,
    'default_instances',
    propsPath,
    { min: 0, max, message: `must be an integer from 0 to ${max}` },
    errors,
  );

  if (minInstances !== undefined && maxInstances !== undefined && maxInstances < minInstances) {
    errors.push({
      path: at(propsPath, 'max_instances'),
      message: `must be at least min_instances (${minInstances}), got ${maxInstances}`,
    });
    return { targetsPath };
  }
  if (
    minInstances !== undefined &&
    maxInstances !== undefined &&
    defaultInstances !== undefined &&
    (defaultInstances < minInstances || defaultInstances > maxInstances)
  ) {
    errors.push({
      path: at(propsPath, 'default_instances'),
      message: `must be between min_instances (${minInstances}) and max_instances (${maxInstances}), got ${defaultInstances}`,
    });
    return { targetsPath };
  }
  if (
    targets === undefined ||
    increment === undefined ||
    cooldown === undefined ||
    minInstances === undefined ||
    maxInstances === undefined ||
    defaultInstances === undefined
  ) {
    return { targetsPath };
  }
  return {
    policy: { name, targets, increment, cooldown, minInstances, maxInstances, defaultInstances },
    targetsPath,
  };
}

export function validatePolicies(
  raw: unknown,
  path: string,
  kinds: Map<string, NodeKind>,
): { scalingPolicies: ScalingPolicy[]; errors: VnfdError[] } {
  const errors: VnfdError[] = [];
  const scalingPolicies: ScalingPolicy[] = [];
  if (raw === undefined || raw === null) return { scalingPolicies, errors };
  if (!Array.isArray(raw)) {
    errors.push({
      path,
      message: `must be a list of single-key mappings such as [{SP1: {type: ${SCALING_POLICY_TYPE}, properties: {…}}}] (got ${describe(raw)})`,
    });
    return { scalingPolicies, errors };
  }
  const names = new Set<string>();
  // A VDU scaled by two policies would have two instance counts.
  const scaledBy = new Map<string, string>();
  raw.forEach((entry: unknown, i) => {
    const entryPath = at(path, i);
    const keys = isMapping(entry) ? Object.keys(entry) : [];
    if (!isMapping(entry) || keys.length !== 1) {
      errors.push({
        path: entryPath,
        message: 'must be a mapping with one key, the policy name, such as SP1: {type: …}',
      });
      return;
    }
    const name = keys[0]!;
    const policyPath = at(entryPath, name);
    if (!VDU_NAME.test(name)) {
      errors.push({ path: policyPath, message: 'policy names must be 1 to 63 letters, digits, "_" or "-"' });
    } else if (names.has(name)) {
      errors.push({ path: policyPath, message: `another policy is named ${name}` });
    }
    names.add(name);
    const body = entry[name];
    if (!isMapping(body)) {
      errors.push({ path: policyPath, message: `must be a mapping with a type (got ${describe(body)})` });
      return;
    }
    errors.push(...keyTypos(body, POLICY_KEYS, policyPath));
    const type = own(body, 'type');
    if (type !== SCALING_POLICY_TYPE) {
      const typePath = at(policyPath, 'type');
      const why = typeof type === 'string' ? UNSUPPORTED_TYPES[type] : undefined;
      errors.push({
        path: typePath,
        message:
          type === undefined || type === null
            ? `is required (vnfm supports ${SCALING_POLICY_TYPE})`
            : why !== undefined
              ? `${String(type)} is not supported by vnfm: ${why} (supported: ${SCALING_POLICY_TYPE})`
              : `unknown policy type ${typeof type === 'string' ? JSON.stringify(type) : `(${describe(type)})`} (supported: ${SCALING_POLICY_TYPE})`,
      });
      return;
    }
    const { policy, targetsPath } = validateScalingPolicy(name, body, policyPath, kinds, errors);
    if (!policy) return;
    let clash = false;
    for (const vdu of policy.targets) {
      const other = scaledBy.get(vdu);
      if (other !== undefined) {
        errors.push({
          path: targetsPath,
          message: `${vdu} is already the target of scaling policy ${other}; a VDU may have one`,
        });
        clash = true;
      } else scaledBy.set(vdu, name);
    }
    if (!clash) scalingPolicies.push(policy);
  });
  return { scalingPolicies, errors };
}
