// Validation of `topology_template.node_templates`: VDUs, their connection
// points and virtual links, giving each VDU its image, management CP and
// normalised monitoring policy.
import { normalizeMonitoringPolicy } from '../monitoring/policy.js';
import { at, describe, type VnfdError } from './errors.js';
import { keyTypos } from './key-typos.js';
import { asInteger, intrinsicFunction, isMapping, own } from './plain-data.js';
import type { VduSpec } from './types.js';

export const NODE_TYPES = {
  vdu: 'tosca.nodes.nfv.VDU.Tacker',
  cp: 'tosca.nodes.nfv.CP.Tacker',
  vl: 'tosca.nodes.nfv.VL',
} as const;
export type NodeKind = keyof typeof NODE_TYPES;
const KIND_OF_TYPE = new Map(
  Object.entries(NODE_TYPES).map(([kind, type]) => [type as string, kind as NodeKind]),
);

/** VDU names end up in resource names, workflow ids and Tacker's mgmt_ip_address JSON. */
export const VDU_NAME = /^[A-Za-z0-9_-]{1,63}$/;

export interface NodeTemplates {
  vdus: VduSpec[];
  /** Kind of every node whose type is valid, in document order. */
  kinds: Map<string, NodeKind>;
  errors: VnfdError[];
}

/** The value of an optional mapping; `key:` with nothing after it counts as absent. */
function optionalMapping(
  obj: Record<string, unknown>,
  key: string,
  path: string,
  errors: VnfdError[],
): Record<string, unknown> | undefined {
  const v = own(obj, key);
  if (v === undefined || v === null) return undefined;
  if (isMapping(v)) return v;
  errors.push({ path: at(path, key), message: `must be a mapping (got ${describe(v)})` });
  return undefined;
}

function requiredString(obj: Record<string, unknown>, key: string, path: string, errors: VnfdError[]) {
  const v = own(obj, key);
  const p = at(path, key);
  const fn = intrinsicFunction(v);
  if (fn)
    errors.push({ path: p, message: `uses ${fn}, which vnfm does not evaluate; write the value itself` });
  else if (v === undefined || v === null) errors.push({ path: p, message: 'is required' });
  else if (typeof v !== 'string' || v.trim() === '') {
    errors.push({ path: p, message: `must be a non-empty string (got ${describe(v)})` });
  } else return v;
  return undefined;
}

interface VduDraft {
  spec: VduSpec;
  path: string;
  /** Has a monitoring_policy, valid or not: it needs a management CP either way. */
  monitored: boolean;
  httpPortProperty?: number;
}

function validateVdu(
  name: string,
  node: Record<string, unknown>,
  path: string,
  errors: VnfdError[],
): VduDraft {
  if (!VDU_NAME.test(name)) {
    errors.push({ path, message: 'VDU names must be 1 to 63 letters, digits, "_" or "-"' });
  } else if (name === '__proto__') {
    // Consumers key JS objects by VDU name (mgmt_ip_address, attributes).
    errors.push({ path, message: 'the name __proto__ is reserved' });
  }
  const draft: VduDraft = { spec: { name, image: '' }, path, monitored: false };
  const propsPath = at(path, 'properties');
  const props = optionalMapping(node, 'properties', path, errors);
  if (!props) {
    if (own(node, 'properties') == null)
      errors.push({ path: propsPath, message: 'is required (a VDU needs properties.image)' });
    return draft;
  }
  errors.push(...keyTypos(props, ['image', 'monitoring_policy', 'http_port'], propsPath));
  draft.spec.image = requiredString(props, 'image', propsPath, errors) ?? '';

  const httpPort = own(props, 'http_port');
  if (httpPort !== undefined) {
    const port = asInteger(httpPort);
    if (port === undefined || port < 1 || port > 65535) {
      errors.push({ path: at(propsPath, 'http_port'), message: 'must be a port number from 1 to 65535' });
    } else draft.httpPortProperty = port;
  }

  if (Object.hasOwn(props, 'monitoring_policy')) {
    draft.monitored = true;
    const raw = props.monitoring_policy;
    const result = normalizeMonitoringPolicy(raw, at(propsPath, 'monitoring_policy'));
    if (result.policy) {
      draft.spec.monitoringPolicy = result.policy;
      const params = isMapping(raw) ? own(raw, 'parameters') : undefined;
      // Validated above: every value is a number or a numeric/path string.
      draft.spec.monitoringParameters = isMapping(params)
        ? { ...(params as Record<string, number | string>) }
        : {};
    } else errors.push(...result.errors);
  }
  return draft;
}

interface CpBinding {
  vdu?: string;
  management: boolean;
  managementPath: string;
}

const REQUIREMENTS = ['virtualBinding', 'virtualLink'] as const;

function validateCp(
  node: Record<string, unknown>,
  path: string,
  kinds: Map<string, NodeKind>,
  invalid: Set<string>,
  errors: VnfdError[],
): CpBinding {
  const propsPath = at(path, 'properties');
  const props = optionalMapping(node, 'properties', path, errors);
  const cp: CpBinding = { management: false, managementPath: at(propsPath, 'management') };
  if (props) {
    errors.push(...keyTypos(props, ['management'], propsPath));
    const m = own(props, 'management');
    if (typeof m === 'boolean') cp.management = m;
    else if (m !== undefined) {
      // Tacker read VNFDs as YAML 1.1, where yes/no/on/off were booleans.
      const hint =
        typeof m === 'string' && /^(yes|no|on|off|y|n)$/i.test(m) ? '; YAML 1.2 reads it as a string' : '';
      errors.push({ path: cp.managementPath, message: `must be true or false (got ${describe(m)}${hint})` });
    }
  }

  const reqs = own(node, 'requirements');
  const reqsPath = at(path, 'requirements');
  let bindingSeen = false;
  const seen = new Map<string, string>();
  if (reqs !== undefined && reqs !== null && !Array.isArray(reqs)) {
    errors.push({
      path: reqsPath,
      message: `must be a list such as [{virtualBinding: {node: VDU1}}, {virtualLink: {node: VL1}}] (got ${describe(reqs)})`,
    });
  } else if (Array.isArray(reqs)) {
    reqs.forEach((entry: unknown, i) => {
      const entryPath = at(reqsPath, i);
      const keys = isMapping(entry) ? Object.keys(entry) : [];
      if (!isMapping(entry) || keys.length !== 1) {
        errors.push({
          path: entryPath,
          message: 'must be a mapping with one key, such as virtualBinding: {node: VDU1}',
        });
        return;
      }
      const req = keys[0]!;
      const reqPath = at(entryPath, req);
      if (!(REQUIREMENTS as readonly string[]).includes(req)) {
        errors.push({
          path: reqPath,
          message: `unknown requirement (expected ${REQUIREMENTS.join(' or ')})`,
        });
        return;
      }
      if (seen.has(req)) {
        errors.push({
          path: reqPath,
          message: `a connection point has one ${req}; another is at ${seen.get(req)}`,
        });
        return;
      }
      seen.set(req, reqPath);
      if (req === 'virtualBinding') bindingSeen = true;
      // Long form {node: X} or TOSCA's short form, the node name alone.
      const value = entry[req];
      const target = typeof value === 'string' ? value : isMapping(value) ? own(value, 'node') : undefined;
      const targetPath = typeof value === 'string' ? reqPath : at(reqPath, 'node');
      if (typeof target !== 'string') {
        errors.push({
          path: targetPath,
          message: `must name a node: {node: NAME} or NAME (got ${describe(target)})`,
        });
        return;
      }
      const kind = kinds.get(target);
      const wanted: NodeKind = req === 'virtualBinding' ? 'vdu' : 'vl';
      if (kind === undefined && !invalid.has(target)) {
        errors.push({ path: targetPath, message: `node ${JSON.stringify(target)} does not exist` });
      } else if (kind !== undefined && kind !== wanted) {
        errors.push({
          path: targetPath,
          message: `node ${JSON.stringify(target)} is a ${NODE_TYPES[kind]}, not a ${NODE_TYPES[wanted]}`,
        });
      } else if (kind === wanted && req === 'virtualBinding') cp.vdu = target;
    });
  }
  if (cp.management && !bindingSeen) {
    errors.push({
      path: cp.managementPath,
      message:
        'a management connection point must be bound to its VDU (requirements: [{virtualBinding: {node: VDU1}}])',
    });
  }
  return cp;
}

export function validateNodeTemplates(raw: Record<string, unknown>, path: string): NodeTemplates {
  const errors: VnfdError[] = [];
  const kinds = new Map<string, NodeKind>();
  // Nodes present but unusable (bad type): references to them are not reported again.
  const invalid = new Set<string>();
  const nodes: [string, Record<string, unknown>, NodeKind][] = [];

  for (const [name, node] of Object.entries(raw)) {
    const nodePath = at(path, name);
    if (!isMapping(node)) {
      errors.push({ path: nodePath, message: `must be a mapping with a type (got ${describe(node)})` });
      invalid.add(name);
      continue;
    }
    errors.push(...keyTypos(node, ['type', 'properties', 'requirements'], nodePath));
    const type = own(node, 'type');
    const kind = typeof type === 'string' ? KIND_OF_TYPE.get(type) : undefined;
    if (kind === undefined) {
      const allowed = `allowed: ${Object.values(NODE_TYPES).join(', ')}`;
      errors.push({
        path: at(nodePath, 'type'),
        message:
          type === undefined || type === null
            ? `is required (${allowed})`
            : `unknown node type ${typeof type === 'string' ? JSON.stringify(type) : `(${describe(type)})`} (${allowed})`,
      });
      invalid.add(name);
      continue;
    }
    kinds.set(name, kind);
    nodes.push([name, node, kind]);
  }

  const drafts = new Map<string, VduDraft>();
  for (const [name, node, kind] of nodes) {
    if (kind === 'vdu') drafts.set(name, validateVdu(name, node, at(path, name), errors));
  }
  const mgmtOf = new Map<string, string>();
  for (const [name, node, kind] of nodes) {
    const nodePath = at(path, name);
    if (kind === 'vl') optionalMapping(node, 'properties', nodePath, errors);
    if (kind !== 'cp') continue;
    const cp = validateCp(node, nodePath, kinds, invalid, errors);
    if (!cp.management || cp.vdu === undefined) continue;
    const other = mgmtOf.get(cp.vdu);
    if (other !== undefined) {
      errors.push({
        path: cp.managementPath,
        message: `${cp.vdu} already has the management connection point ${other}; a VDU has one`,
      });
    } else mgmtOf.set(cp.vdu, name);
  }

  const vdus: VduSpec[] = [];
  for (const draft of drafts.values()) {
    const { spec } = draft;
    const mgmt = mgmtOf.get(spec.name);
    if (mgmt !== undefined) spec.mgmtConnectionPoint = mgmt;
    const policy = spec.monitoringPolicy;
    if (draft.monitored && mgmt === undefined) {
      errors.push({
        path: at(at(draft.path, 'properties'), 'monitoring_policy'),
        message:
          `a monitored VDU needs a management connection point: a ${NODE_TYPES.cp} with ` +
          `properties.management: true and requirements: [{virtualBinding: {node: ${spec.name}}}]`,
      });
    }
    const probePort = policy?.driver === 'http_ping' ? policy.parameters.port : undefined;
    if (
      probePort !== undefined &&
      draft.httpPortProperty !== undefined &&
      probePort !== draft.httpPortProperty
    ) {
      errors.push({
        path: at(at(draft.path, 'properties'), 'http_port'),
        message: `is ${draft.httpPortProperty} but the http_ping monitoring policy probes port ${probePort}; set monitoring_policy.parameters.port to the same port`,
      });
    }
    const httpPort = probePort ?? draft.httpPortProperty;
    if (httpPort !== undefined) spec.httpPort = httpPort;
    vdus.push(spec);
  }
  return { vdus, kinds, errors };
}
