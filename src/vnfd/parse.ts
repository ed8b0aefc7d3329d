// parseVnfd: a Tacker VNFD (YAML text, or the object Tacker's API also
// accepts in attributes.vnfd) → the validated ParsedVnfd, or every problem
// found, each with its dotted path. Pure: the API and the conductor import it.
import { at, describe, type VnfdError } from './errors.js';
import { keyTypos } from './key-typos.js';
import { validateNodeTemplates } from './node-templates.js';
import { isMapping, own, type PlainData } from './plain-data.js';
import { loadObject, loadYamlText } from './safe-yaml.js';
import { validatePolicies } from './scaling-policies.js';
import type { ParsedVnfd } from './types.js';

export type { VnfdError } from './errors.js';

export const TOSCA_VERSIONS = [
  'tosca_simple_profile_for_nfv_1_0_0',
  'tosca_simple_yaml_1_0',
  'tosca_simple_yaml_1_2',
] as const;

export type ParseVnfdResult =
  { ok: true; parsed: ParsedVnfd; yaml: string } | { ok: false; errors: VnfdError[] };

/**
 * Validates a VNFD. `yaml` is the text to store: the input itself when given
 * as text, else the object serialised as YAML. Never throws.
 */
export function parseVnfd(input: string | object): ParseVnfdResult {
  try {
    const loaded = typeof input === 'string' ? loadYamlText(input) : loadObject(input);
    if (!loaded.ok) return loaded;
    const result = validateVnfd(loaded.data);
    return result.errors.length || !result.parsed
      ? { ok: false, errors: result.errors }
      : { ok: true, parsed: result.parsed, yaml: loaded.yaml };
  } catch (err) {
    // A bug here must become a 400-style answer, not a crashed request or activity.
    return { ok: false, errors: [{ path: '', message: `the VNFD could not be validated: ${String(err)}` }] };
  }
}

function validateVnfd(data: PlainData): { parsed?: ParsedVnfd; errors: VnfdError[] } {
  const errors: VnfdError[] = [];
  if (!isMapping(data)) {
    return { errors: [{ path: '', message: `the VNFD must be a mapping (got ${describe(data)})` }] };
  }
  errors.push(
    ...keyTypos(data, ['tosca_definitions_version', 'topology_template', 'description', 'metadata'], ''),
  );

  const version = own(data, 'tosca_definitions_version');
  if (version === undefined || version === null) {
    errors.push({
      path: 'tosca_definitions_version',
      message: `is required (one of ${TOSCA_VERSIONS.join(', ')})`,
    });
  } else if (typeof version !== 'string' || !(TOSCA_VERSIONS as readonly string[]).includes(version)) {
    errors.push({
      path: 'tosca_definitions_version',
      message: `must be one of ${TOSCA_VERSIONS.join(', ')} (got ${describe(version)})`,
    });
  }

  const description = own(data, 'description') ?? '';
  if (typeof description !== 'string') {
    errors.push({ path: 'description', message: `must be a string (got ${describe(description)})` });
  }

  let templateName: string | undefined;
  const metadata = own(data, 'metadata');
  if (metadata !== undefined && metadata !== null) {
    if (!isMapping(metadata)) {
      errors.push({ path: 'metadata', message: `must be a mapping (got ${describe(metadata)})` });
    } else {
      const t = own(metadata, 'template_name');
      if (typeof t === 'string') templateName = t;
      else if (t !== undefined && t !== null) {
        errors.push({ path: 'metadata.template_name', message: `must be a string (got ${describe(t)})` });
      }
    }
  }

  const topology = own(data, 'topology_template');
  if (!isMapping(topology)) {
    errors.push({
      path: 'topology_template',
      message:
        topology === undefined || topology === null
          ? 'is required (a mapping with node_templates)'
          : `must be a mapping (got ${describe(topology)})`,
    });
    return { errors };
  }
  errors.push(...keyTypos(topology, ['node_templates', 'policies'], 'topology_template'));
  const nodesPath = at('topology_template', 'node_templates');
  const rawNodes = own(topology, 'node_templates');
  if (!isMapping(rawNodes)) {
    errors.push({
      path: nodesPath,
      message:
        rawNodes === undefined || rawNodes === null
          ? 'is required (a mapping of node names to node templates)'
          : `must be a mapping of node names to node templates (got ${describe(rawNodes)})`,
    });
    return { errors };
  }
  const nodes = validateNodeTemplates(rawNodes, nodesPath);
  errors.push(...nodes.errors);
  if (![...nodes.kinds.values()].includes('vdu')) {
    errors.push({
      path: nodesPath,
      message: 'must contain at least one VDU (type tosca.nodes.nfv.VDU.Tacker)',
    });
  }
  const policies = validatePolicies(
    own(topology, 'policies'),
    at('topology_template', 'policies'),
    nodes.kinds,
  );
  errors.push(...policies.errors);

  if (errors.length) return { errors };
  const parsed: ParsedVnfd = {
    toscaVersion: version as string,
    description: description as string,
    vdus: nodes.vdus,
    scalingPolicies: policies.scalingPolicies,
  };
  if (templateName !== undefined) parsed.templateName = templateName;
  return { parsed, errors };
}
