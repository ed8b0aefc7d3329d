// The project's sample VNFDs parse, as text and as objects, into the expected
// ParsedVnfd, with Tacker's defaults applied exactly.
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseVnfd, TOSCA_VERSIONS } from '../../src/vnfd/parse.js';
import { minimalVnfd, parsedOf, sample, sampleNames, vnfdWith, CP, VDU, type Json } from './build.js';

const RESPAWN_GUARDS = {
  respawn_limit: 3,
  respawn_limit_window: 900,
  respawn_backoff: 10,
  respawn_backoff_max: 300,
};

describe('sample VNFDs', () => {
  it('includes the samples', () => {
    expect(sampleNames().length).toBeGreaterThanOrEqual(4);
  });

  it.each(sampleNames())('%s parses as text and as an object, to the same result', (name) => {
    const text = sample(name);
    const fromText = parseVnfd(text);
    expect(fromText).toMatchObject({ ok: true, yaml: text });
    const fromObject = parseVnfd(parseYaml(text) as object);
    expect(fromObject.ok).toBe(true);
    if (!fromText.ok || !fromObject.ok) return;
    expect(fromObject.parsed).toEqual(fromText.parsed);
    // The stored YAML of an object input parses back to the same VNFD.
    expect(parsedOf(fromObject.yaml)).toEqual(fromText.parsed);
    expect(fromText.parsed.vdus.length).toBeGreaterThan(0);
  });

  it('vnfd-ping-respawn.yaml gives exactly this ParsedVnfd', () => {
    expect(parsedOf(sample('vnfd-ping-respawn.yaml'))).toEqual({
      toscaVersion: 'tosca_simple_profile_for_nfv_1_0_0',
      description: 'One VDU watched by ICMP ping; respawned when it stops answering.',
      templateName: 'ping-respawn',
      vdus: [
        {
          name: 'VDU1',
          image: 'any-image',
          mgmtConnectionPoint: 'CP1',
          monitoringPolicy: {
            driver: 'ping',
            parameters: {
              monitoring_delay: 2,
              count: 3,
              interval: 0.2,
              timeout: 1,
              retry: 1,
              period: 10,
              failure_threshold: 1,
              success_threshold: 1,
              ...RESPAWN_GUARDS,
            },
            actions: { failure: 'respawn' },
          },
          monitoringParameters: { monitoring_delay: 2, count: 3, interval: 0.2, timeout: 1 },
        },
      ],
      scalingPolicies: [],
    });
  });

  it('vnfd-ping-scaling.yaml has its scaling policy', () => {
    expect(parsedOf(sample('vnfd-ping-scaling.yaml')).scalingPolicies).toEqual([
      {
        name: 'SP1',
        targets: ['VDU1'],
        increment: 1,
        cooldown: 0,
        minInstances: 1,
        maxInstances: 3,
        defaultInstances: 1,
      },
    ]);
  });

  it('vnfd-http-ping-log.yaml serves HTTP on the http_ping port', () => {
    const [vdu] = parsedOf(sample('vnfd-http-ping-log.yaml')).vdus;
    expect(vdu).toMatchObject({ name: 'VDU1', httpPort: 8000, mgmtConnectionPoint: 'CP1' });
    expect(vdu?.monitoringPolicy).toMatchObject({ driver: 'http_ping', actions: { failure: 'log' } });
    expect(vdu?.monitoringPolicy?.parameters).toMatchObject({ port: 8000, retry: 2, failure_threshold: 2 });
  });

  it('vnfd-two-vdus.yaml gives each VDU its own management CP and policy', () => {
    const vdus = parsedOf(sample('vnfd-two-vdus.yaml')).vdus;
    expect(
      vdus.map((v) => [
        v.name,
        v.mgmtConnectionPoint,
        v.monitoringPolicy?.driver,
        v.monitoringPolicy?.actions.failure,
      ]),
    ).toEqual([
      ['VDU1', 'CP1', 'ping', 'vdu_autoheal'],
      ['VDU2', 'CP2', 'http_ping', 'log_and_kill'],
    ]);
    expect(vdus[1]?.httpPort).toBe(8080);
    expect(vdus[0]?.httpPort).toBeUndefined();
  });
});

describe("Tacker's defaults", () => {
  it('ping: count 5, interval 1, timeout 5, retry 1, monitoring_delay 30; period 10, failure_threshold = retry, success_threshold 1', () => {
    const [vdu] = parsedOf(minimalVnfd()).vdus;
    expect(vdu?.monitoringPolicy).toEqual({
      driver: 'ping',
      parameters: {
        count: 5,
        interval: 1,
        timeout: 5,
        retry: 1,
        monitoring_delay: 30,
        period: 10,
        failure_threshold: 1,
        success_threshold: 1,
        ...RESPAWN_GUARDS,
      },
      actions: { failure: 'respawn' },
    });
    expect(vdu?.monitoringParameters).toEqual({});
  });

  it('http_ping: port 80, timeout 5, retry 5, monitoring_delay 30, path /; failure_threshold = retry', () => {
    const [vdu] = parsedOf(minimalVnfd({ name: 'http_ping', actions: { failure: 'log' } })).vdus;
    expect(vdu?.monitoringPolicy).toEqual({
      driver: 'http_ping',
      parameters: {
        port: 80,
        path: '/',
        timeout: 5,
        retry: 5,
        monitoring_delay: 30,
        period: 10,
        failure_threshold: 5,
        success_threshold: 1,
        ...RESPAWN_GUARDS,
      },
      actions: { failure: 'log' },
    });
    expect(vdu?.httpPort).toBe(80);
  });

  it('failure_threshold follows retry unless given', () => {
    const withRetry = parsedOf(
      minimalVnfd({ name: 'ping', parameters: { retry: 3 }, actions: { failure: 'log' } }),
    );
    expect(withRetry.vdus[0]?.monitoringPolicy?.parameters.failure_threshold).toBe(3);
    const explicit = parsedOf(
      minimalVnfd({
        name: 'ping',
        parameters: { retry: 3, failure_threshold: 2 },
        actions: { failure: 'log' },
      }),
    );
    expect(explicit.vdus[0]?.monitoringPolicy?.parameters.failure_threshold).toBe(2);
  });

  it('numeric strings are accepted as TOSCA parsers did, and kept as written in monitoringParameters', () => {
    const [vdu] = parsedOf(
      minimalVnfd({ name: 'ping', parameters: { count: '3' }, actions: { failure: 'log' } }),
    ).vdus;
    expect(vdu?.monitoringPolicy?.parameters).toMatchObject({ count: 3 });
    expect(vdu?.monitoringParameters).toEqual({ count: '3' });
  });

  it("a scaling policy without cooldown gets Tacker's 120 s", () => {
    const v = vnfdWith((d: Json) => {
      d.topology_template.policies = [
        {
          SP1: {
            type: 'tosca.policies.tacker.Scaling',
            properties: {
              targets: ['VDU1'],
              increment: 1,
              min_instances: 1,
              max_instances: 2,
              default_instances: 1,
            },
          },
        },
      ];
    });
    expect(parsedOf(v).scalingPolicies[0]?.cooldown).toBe(120);
  });
});

describe('accepted forms', () => {
  it.each(TOSCA_VERSIONS)('tosca_definitions_version %s', (version) => {
    expect(parsedOf(vnfdWith((d: Json) => (d.tosca_definitions_version = version))).toscaVersion).toBe(
      version,
    );
  });

  it('the short form virtualBinding: VDU1', () => {
    const v = vnfdWith(
      (d: Json) =>
        (d.topology_template.node_templates.CP1.requirements = [
          { virtualBinding: 'VDU1' },
          { virtualLink: 'VL1' },
        ]),
    );
    expect(parsedOf(v).vdus[0]?.mgmtConnectionPoint).toBe('CP1');
  });

  it('scaling targets on the policy itself (TOSCA) as well as in properties (Tacker samples)', () => {
    const v = vnfdWith((d: Json) => {
      d.topology_template.policies = [
        {
          SP1: {
            type: 'tosca.policies.tacker.Scaling',
            targets: ['VDU1'],
            properties: {
              increment: 1,
              cooldown: 0,
              min_instances: 0,
              max_instances: 5,
              default_instances: 2,
            },
          },
        },
      ];
    });
    expect(parsedOf(v).scalingPolicies).toEqual([
      {
        name: 'SP1',
        targets: ['VDU1'],
        increment: 1,
        cooldown: 0,
        minInstances: 0,
        maxInstances: 5,
        defaultInstances: 2,
      },
    ]);
  });

  it('a VDU without monitoring or management CP; http_port alone sets httpPort', () => {
    const v = vnfdWith((d: Json) => {
      d.topology_template.node_templates = {
        web: { type: VDU, properties: { image: 'nginx', http_port: 8080, flavor: 'm1.tiny' } },
      };
    });
    expect(parsedOf(v).vdus).toEqual([{ name: 'web', image: 'nginx', httpPort: 8080 }]);
  });

  it('http_port equal to the http_ping port', () => {
    const v = vnfdWith((d: Json) => {
      d.topology_template.node_templates.VDU1.properties.http_port = 8000;
      d.topology_template.node_templates.VDU1.properties.monitoring_policy = {
        name: 'http_ping',
        parameters: { port: 8000 },
        actions: { failure: 'log' },
      };
    });
    expect(parsedOf(v).vdus[0]?.httpPort).toBe(8000);
  });

  it('Tacker keys vnfm does not use are accepted (imports, flavor, mgmt_driver, non-management CPs)', () => {
    const v = vnfdWith((d: Json) => {
      d.imports = ['tacker_defs.yaml'];
      d.topology_template.node_templates.VDU1.properties.flavor = 'm1.tiny';
      d.topology_template.node_templates.VDU1.properties.mgmt_driver = 'noop';
      d.topology_template.node_templates.CP2 = {
        type: CP,
        properties: { anti_spoofing_protection: false },
        requirements: [{ virtualBinding: { node: 'VDU1' } }],
      };
    });
    expect(parsedOf(v).vdus[0]?.mgmtConnectionPoint).toBe('CP1');
  });

  it('JSON text is YAML too', () => {
    expect(parsedOf(JSON.stringify(minimalVnfd())).vdus).toHaveLength(1);
  });

  it('an object input is returned as YAML text', () => {
    const r = parseVnfd(minimalVnfd());
    expect(r.ok && r.yaml).toMatch(/^tosca_definitions_version: tosca_simple_profile_for_nfv_1_0_0\n/);
  });

  it('a description is optional and defaults to ""', () => {
    expect(parsedOf(minimalVnfd()).description).toBe('');
    expect(parsedOf(minimalVnfd()).templateName).toBeUndefined();
  });
});
