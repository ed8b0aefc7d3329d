// Each class of VNFD error, with the exact dotted path it is reported at.
import { describe, expect, it } from 'vitest';
import { errorsOf, expectError, minimalVnfd, NODES, vnfdWith, CP, VDU, VL, type Json } from './build.js';

const P = `${NODES}.VDU1.properties`;
const MP = `${P}.monitoring_policy`;
const nodes = (d: Json): Json => d.topology_template.node_templates;

const scaling = (properties: Json, extra: Json = {}): Json => ({
  type: 'tosca.policies.tacker.Scaling',
  properties: {
    targets: ['VDU1'],
    increment: 1,
    cooldown: 0,
    min_instances: 1,
    max_instances: 3,
    default_instances: 1,
    ...properties,
  },
  ...extra,
});
const withPolicies = (...policies: Json[]): Json =>
  vnfdWith((d: Json) => (d.topology_template.policies = policies));
const SPP = 'topology_template.policies[0].SP1.properties';

describe('document structure', () => {
  it('the VNFD must be a mapping', () => {
    expectError('- a\n- b\n', '', 'must be a mapping (got a list)');
    expectError('', '', 'must be a mapping (got nothing)');
  });

  it('tosca_definitions_version is required and must be a known version', () => {
    expectError(
      vnfdWith((d: Json) => delete d.tosca_definitions_version),
      'tosca_definitions_version',
      'is required',
    );
    expectError(
      vnfdWith((d: Json) => (d.tosca_definitions_version = 'tosca_simple_yaml_1_3')),
      'tosca_definitions_version',
      'must be one of tosca_simple_profile_for_nfv_1_0_0, tosca_simple_yaml_1_0, tosca_simple_yaml_1_2',
    );
  });

  it('topology_template and node_templates are required mappings', () => {
    expectError(
      vnfdWith((d: Json) => delete d.topology_template),
      'topology_template',
      'is required',
    );
    expectError(
      vnfdWith((d: Json) => (d.topology_template = [])),
      'topology_template',
      'must be a mapping',
    );
    expectError(
      vnfdWith((d: Json) => delete d.topology_template.node_templates),
      NODES,
      'is required',
    );
    expectError(
      vnfdWith((d: Json) => (d.topology_template.node_templates = ['VDU1'])),
      NODES,
      'must be a mapping',
    );
  });

  it('at least one VDU', () => {
    expectError(
      vnfdWith((d: Json) => (d.topology_template.node_templates = { VL1: { type: VL } })),
      NODES,
      'at least one VDU',
    );
  });

  it('description and metadata.template_name must be strings', () => {
    expectError(
      vnfdWith((d: Json) => (d.description = ['x'])),
      'description',
      'must be a string',
    );
    expectError(
      vnfdWith((d: Json) => (d.metadata = { template_name: 5 })),
      'metadata.template_name',
      'must be a string',
    );
  });

  it('misspelt keys are named, with the key meant', () => {
    const errors = expectError(
      vnfdWith((d: Json) => {
        d.topology_templates = d.topology_template;
        delete d.topology_template;
      }),
      'topology_templates',
      'did you mean topology_template?',
    );
    expect(errors).toContainEqual({
      path: 'topology_template',
      message: expect.stringContaining('is required'),
    });
  });
});

describe('node templates', () => {
  it('unknown node types name the allowed types', () => {
    expectError(
      vnfdWith((d: Json) => (nodes(d).X = { type: 'tosca.nodes.Compute' })),
      `${NODES}.X.type`,
      'unknown node type "tosca.nodes.Compute" (allowed: tosca.nodes.nfv.VDU.Tacker, tosca.nodes.nfv.CP.Tacker, tosca.nodes.nfv.VL)',
    );
    expectError(
      vnfdWith((d: Json) => delete nodes(d).VL1.type),
      `${NODES}.VL1.type`,
      'is required',
    );
    expectError(
      vnfdWith((d: Json) => (nodes(d).VL1 = 'x')),
      `${NODES}.VL1`,
      'must be a mapping',
    );
  });

  it('VDU names: letters, digits, _ and -, at most 63; odd names are quoted in the path', () => {
    const rename = (name: string) =>
      vnfdWith((d: Json) => {
        nodes(d)[name] = nodes(d).VDU1;
        delete nodes(d).VDU1;
        nodes(d).CP1.requirements[1].virtualBinding.node = name;
      });
    expectError(rename('VDU 1'), `${NODES}["VDU 1"]`, 'VDU names must be 1 to 63 letters');
    expectError(rename('a.b'), `${NODES}["a.b"]`, 'VDU names must be');
    expectError(rename('V'.repeat(64)), `${NODES}.${'V'.repeat(64)}`, 'VDU names must be');
    // JSON.parse makes __proto__ an own key, as a request body would.
    expectError(
      JSON.parse(JSON.stringify(minimalVnfd()).replace('"VDU1":', '"__proto__":')),
      `${NODES}.__proto__`,
      'reserved',
    );
  });

  it('properties.image is a required non-empty string', () => {
    expectError(
      vnfdWith((d: Json) => delete nodes(d).VDU1.properties.image),
      `${P}.image`,
      'is required',
    );
    expectError(
      vnfdWith((d: Json) => (nodes(d).VDU1.properties.image = 42)),
      `${P}.image`,
      'must be a non-empty string (got 42)',
    );
    expectError(
      vnfdWith((d: Json) => (nodes(d).VDU1.properties.image = ' ')),
      `${P}.image`,
      'must be a non-empty string',
    );
    expectError(
      vnfdWith((d: Json) => (nodes(d).VDU1.properties.image = { get_input: 'image_name' })),
      `${P}.image`,
      'uses get_input, which vnfm does not evaluate',
    );
    expectError(
      vnfdWith((d: Json) => delete nodes(d).VDU1.properties),
      `${NODES}.VDU1.properties`,
      'is required',
    );
  });

  it('properties.http_port is a port; it must agree with the http_ping port', () => {
    expectError(
      vnfdWith((d: Json) => (nodes(d).VDU1.properties.http_port = 70000)),
      `${P}.http_port`,
      'must be a port number from 1 to 65535',
    );
    expectError(
      vnfdWith((d: Json) => {
        nodes(d).VDU1.properties.http_port = 8080;
        nodes(d).VDU1.properties.monitoring_policy = { name: 'http_ping', actions: { failure: 'log' } };
      }),
      `${P}.http_port`,
      'is 8080 but the http_ping monitoring policy probes port 80',
    );
  });

  it('a misspelt monitoring_policy is not silently ignored', () => {
    expectError(
      vnfdWith((d: Json) => {
        nodes(d).VDU1.properties['monitoring-policy'] = nodes(d).VDU1.properties.monitoring_policy;
        delete nodes(d).VDU1.properties.monitoring_policy;
      }),
      `${P}.monitoring-policy`,
      'did you mean monitoring_policy?',
    );
  });
});

describe('monitoring_policy', () => {
  it('a bad parameter is named with its full path', () => {
    const errors = errorsOf(
      minimalVnfd({ name: 'ping', parameters: { count: 0 }, actions: { failure: 'respawn' } }),
    );
    expect(errors).toContainEqual({ path: `${MP}.parameters.count`, message: 'must be a positive integer' });
  });

  it("the http-ping typo (from Tacker's own docs) gets a helpful message", () => {
    expectError(
      minimalVnfd({ name: 'http-ping', actions: { failure: 'respawn' } }),
      `${MP}.name`,
      'did you mean http_ping?',
    );
  });

  it('unknown drivers, parameters, actions and events', () => {
    expectError(
      minimalVnfd({ name: 'icmp', actions: { failure: 'respawn' } }),
      `${MP}.name`,
      'must be one of ping, http_ping',
    );
    expectError(
      minimalVnfd({ name: 'ping', parameters: { port: 80 }, actions: { failure: 'respawn' } }),
      `${MP}.parameters.port`,
      'unknown parameter for ping',
    );
    expectError(
      minimalVnfd({ name: 'ping', actions: { failure: 'reboot' } }),
      `${MP}.actions.failure`,
      'must be one of respawn, log, log_and_kill, vdu_autoheal',
    );
    expectError(minimalVnfd({ name: 'ping', actions: {} }), `${MP}.actions.failure`, 'is required');
    expectError(minimalVnfd({ name: 'ping' }), `${MP}.actions`, 'must be a mapping');
    expectError(
      minimalVnfd({ name: 'ping', actions: { failure: 'log', success: 'log' } }),
      `${MP}.actions.success`,
      'unknown event',
    );
    expectError(minimalVnfd('ping'), MP, 'must be a mapping');
    expectError(
      minimalVnfd({ name: 'http_ping', parameters: { path: 'healthz' }, actions: { failure: 'log' } }),
      `${MP}.parameters.path`,
      'absolute URL path',
    );
  });

  it('prototype names are not parameters', () => {
    expectError(
      minimalVnfd({ name: 'ping', parameters: { constructor: 1 }, actions: { failure: 'log' } }),
      `${MP}.parameters.constructor`,
      'unknown parameter',
    );
  });

  it('a monitored VDU needs a management CP', () => {
    const noMgmt = vnfdWith((d: Json) => (nodes(d).CP1.properties.management = false));
    expectError(noMgmt, MP, 'a monitored VDU needs a management connection point');
    const noCp = vnfdWith((d: Json) => delete nodes(d).CP1);
    expectError(noCp, MP, 'a monitored VDU needs a management connection point');
  });
});

describe('connection points', () => {
  const CPR = `${NODES}.CP1.requirements`;
  it('virtualBinding to a missing node or a non-VDU', () => {
    expectError(
      vnfdWith((d: Json) => (nodes(d).CP1.requirements[1].virtualBinding.node = 'VDU9')),
      `${CPR}[1].virtualBinding.node`,
      'node "VDU9" does not exist',
    );
    expectError(
      vnfdWith((d: Json) => (nodes(d).CP1.requirements[1] = { virtualBinding: 'VL1' })),
      `${CPR}[1].virtualBinding`,
      'node "VL1" is a tosca.nodes.nfv.VL, not a tosca.nodes.nfv.VDU.Tacker',
    );
    expectError(
      vnfdWith((d: Json) => (nodes(d).CP1.requirements[1] = { virtualBinding: { node: 3 } })),
      `${CPR}[1].virtualBinding.node`,
      'must name a node',
    );
  });

  it('virtualLink to a missing node or a non-VL', () => {
    expectError(
      vnfdWith((d: Json) => (nodes(d).CP1.requirements[0].virtualLink.node = 'VDU1')),
      `${CPR}[0].virtualLink.node`,
      'is a tosca.nodes.nfv.VDU.Tacker, not a tosca.nodes.nfv.VL',
    );
  });

  it('requirements: a list of single-key mappings with known names', () => {
    expectError(
      vnfdWith((d: Json) => (nodes(d).CP1.requirements = { virtualBinding: 'VDU1' })),
      CPR,
      'must be a list',
    );
    expectError(
      vnfdWith((d: Json) => nodes(d).CP1.requirements.push({ virtualBinding: 'VDU1', virtualLink: 'VL1' })),
      `${CPR}[2]`,
      'one key',
    );
    expectError(
      vnfdWith((d: Json) => nodes(d).CP1.requirements.push({ binding: 'VDU1' })),
      `${CPR}[2].binding`,
      'unknown requirement',
    );
    expectError(
      vnfdWith((d: Json) => nodes(d).CP1.requirements.push({ virtualBinding: 'VDU1' })),
      `${CPR}[2].virtualBinding`,
      'a connection point has one virtualBinding',
    );
  });

  it('management is a boolean (YAML 1.1 "yes" explained) and needs a binding', () => {
    expectError(
      vnfdWith((d: Json) => (nodes(d).CP1.properties.management = 'yes')),
      `${NODES}.CP1.properties.management`,
      'YAML 1.2 reads it as a string',
    );
    expectError(
      vnfdWith((d: Json) => nodes(d).CP1.requirements.pop()),
      `${NODES}.CP1.properties.management`,
      'must be bound to its VDU',
    );
  });

  it('one management CP per VDU', () => {
    const v = vnfdWith(
      (d: Json) =>
        (nodes(d).CP2 = {
          type: CP,
          properties: { management: true },
          requirements: [{ virtualBinding: 'VDU1' }],
        }),
    );
    expectError(
      v,
      `${NODES}.CP2.properties.management`,
      'VDU1 already has the management connection point CP1',
    );
  });
});

describe('scaling policies', () => {
  it('policies is a list of single-key mappings', () => {
    expectError(
      vnfdWith((d: Json) => (d.topology_template.policies = { SP1: scaling({}) })),
      'topology_template.policies',
      'must be a list of single-key mappings',
    );
    expectError(
      withPolicies({ SP1: scaling({}), SP2: scaling({}) }),
      'topology_template.policies[0]',
      'one key',
    );
    expectError(withPolicies({ SP1: 'x' }), 'topology_template.policies[0].SP1', 'must be a mapping');
    expectError(
      withPolicies({ SP1: scaling({}) }, { SP1: scaling({ targets: ['VDU2'] }) }),
      'topology_template.policies[1].SP1',
      'another policy is named SP1',
    );
  });

  it.each([
    ['tosca.policies.tacker.Monitoring', 'put a monitoring_policy in the VDU properties instead'],
    ['tosca.policies.tacker.Alarming', 'is not supported by vnfm'],
    ['tosca.policies.tacker.Placement', 'is not supported by vnfm'],
  ])('%s is refused as not supported', (type, message) => {
    expectError(
      withPolicies({ SP1: { type, properties: {} } }),
      'topology_template.policies[0].SP1.type',
      message,
    );
  });

  it('unknown or missing policy types', () => {
    expectError(
      withPolicies({ SP1: { type: 'tosca.policies.Foo' } }),
      'topology_template.policies[0].SP1.type',
      'unknown policy type "tosca.policies.Foo" (supported: tosca.policies.tacker.Scaling)',
    );
    expectError(
      withPolicies({ SP1: { properties: {} } }),
      'topology_template.policies[0].SP1.type',
      'is required',
    );
  });

  it('targets: a non-empty list of existing VDU names', () => {
    expectError(
      withPolicies({ SP1: scaling({ targets: [] }) }),
      `${SPP}.targets`,
      'must be a non-empty list of VDU names',
    );
    expectError(
      withPolicies({ SP1: scaling({ targets: 'VDU1' }) }),
      `${SPP}.targets`,
      'must be a non-empty list',
    );
    expectError(
      withPolicies({ SP1: scaling({ targets: ['VDU9'] }) }),
      `${SPP}.targets[0]`,
      'VDU "VDU9" does not exist',
    );
    expectError(
      withPolicies({ SP1: scaling({ targets: ['VDU1', 'CP1'] }) }),
      `${SPP}.targets[1]`,
      'node "CP1" is a tosca.nodes.nfv.CP.Tacker, not a VDU',
    );
    expectError(withPolicies({ SP1: scaling({ targets: undefined }) }), `${SPP}.targets`, 'is required');
    expectError(
      withPolicies({ SP1: scaling({}, { targets: ['VDU1'] }) }),
      'topology_template.policies[0].SP1.targets',
      'give targets once',
    );
  });

  it('numbers: increment >= 1, cooldown >= 0, min >= 0, max within min..100, default within min..max', () => {
    expectError(
      withPolicies({ SP1: scaling({ increment: 0 }) }),
      `${SPP}.increment`,
      'must be a positive integer',
    );
    expectError(
      withPolicies({ SP1: scaling({ increment: 1.5 }) }),
      `${SPP}.increment`,
      'must be a positive integer',
    );
    expectError(withPolicies({ SP1: scaling({ cooldown: -1 }) }), `${SPP}.cooldown`, 'from 0 to 86400');
    expectError(
      withPolicies({ SP1: scaling({ min_instances: -1 }) }),
      `${SPP}.min_instances`,
      'must be an integer from 0 to 100',
    );
    expectError(
      withPolicies({ SP1: scaling({ max_instances: 101 }) }),
      `${SPP}.max_instances`,
      'must be an integer from 0 to 100',
    );
    expectError(
      withPolicies({ SP1: scaling({ min_instances: 3, max_instances: 2, default_instances: 2 }) }),
      `${SPP}.max_instances`,
      'must be at least min_instances (3)',
    );
    expectError(
      withPolicies({ SP1: scaling({ default_instances: 4 }) }),
      `${SPP}.default_instances`,
      'must be between min_instances (1) and max_instances (3)',
    );
    expectError(
      withPolicies({ SP1: scaling({ default_instances: 0 }) }),
      `${SPP}.default_instances`,
      'must be between',
    );
    expectError(
      withPolicies({ SP1: scaling({ max_instances: 'three' }) }),
      `${SPP}.max_instances`,
      'got the string "three"',
    );
    expectError(withPolicies({ SP1: scaling({ increment: undefined }) }), `${SPP}.increment`, 'is required');
  });

  it('unknown properties and keys (typos) are errors', () => {
    expectError(
      withPolicies({ SP1: scaling({ max_instance: 3 }) }),
      `${SPP}.max_instance`,
      'unknown property',
    );
    expectError(
      withPolicies({ SP1: scaling({}, { triggers: {} }) }),
      'topology_template.policies[0].SP1.triggers',
      'unknown key',
    );
  });

  it('a VDU may be the target of one scaling policy', () => {
    expectError(
      withPolicies({ SP1: scaling({}) }, { SP2: scaling({}) }),
      'topology_template.policies[1].SP2.properties.targets',
      'VDU1 is already the target of scaling policy SP1',
    );
  });
});

describe('error reporting', () => {
  it('collects every error, not just the first', () => {
    const v = vnfdWith((d: Json) => {
      delete d.tosca_definitions_version;
      nodes(d).VDU1.properties.image = 1;
      nodes(d).VDU1.properties.monitoring_policy = {
        name: 'ping',
        parameters: { count: -1, timeout: 'x' },
        actions: { failure: 'respawn' },
      };
      nodes(d).VDU2 = { type: VDU, properties: {} };
      d.topology_template.policies = [{ SP1: scaling({ increment: 0, targets: ['nope'] }) }];
    });
    const paths = errorsOf(v).map((e) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'tosca_definitions_version',
        `${P}.image`,
        `${MP}.parameters.count`,
        `${MP}.parameters.timeout`,
        `${NODES}.VDU2.properties.image`,
        `${SPP}.targets[0]`,
        `${SPP}.increment`,
      ]),
    );
  });

  it('every error has a path and a message', () => {
    for (const e of errorsOf(
      vnfdWith((d: Json) => (d.topology_template.node_templates.VDU1 = { type: VDU })),
    )) {
      expect(typeof e.path).toBe('string');
      expect(e.message.length).toBeGreaterThan(0);
    }
  });
});
