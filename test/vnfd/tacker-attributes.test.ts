// The attributes Tacker clients read, and the scaling lookups.
import { describe, expect, it } from 'vitest';
import {
  defaultInstances,
  monitoringPolicyAttribute,
  scalingPolicyFor,
} from '../../src/vnfd/tacker-attributes.js';
import { scalingPolicyOfVdu } from '../../src/vnfd/scaling.js';
import { minimalVnfd, parsedOf, sample, vnfdWith, VDU, type Json } from './build.js';

describe('monitoringPolicyAttribute', () => {
  it("is the JSON string Tacker returned, in Python's json.dumps format", () => {
    expect(monitoringPolicyAttribute(parsedOf(sample('vnfd-ping-respawn.yaml')))).toBe(
      '{"vdus": {"VDU1": {"ping": {"name": "ping", "actions": {"failure": "respawn"}, ' +
        '"parameters": {"monitoring_delay": 2, "count": 3, "interval": 0.2, "timeout": 1}, ' +
        '"monitoring_params": {"monitoring_delay": 2, "period": 10, "success_threshold": 1, ' +
        '"respawn_limit": 3, "respawn_limit_window": 900, "respawn_backoff": 10, "respawn_backoff_max": 300, ' +
        '"count": 3, "interval": 0.2, "timeout": 1, "retry": 1, "failure_threshold": 1}}}}}',
    );
  });

  it('has one entry per monitored VDU, keyed by driver', () => {
    const attr = JSON.parse(monitoringPolicyAttribute(parsedOf(sample('vnfd-two-vdus.yaml')))!) as Json;
    expect(Object.keys(attr.vdus)).toEqual(['VDU1', 'VDU2']);
    expect(attr.vdus.VDU2.http_ping).toMatchObject({
      name: 'http_ping',
      actions: { failure: 'log_and_kill' },
      parameters: { monitoring_delay: 1, port: 8080, retry: 1, timeout: 1 },
      monitoring_params: {
        port: 8080,
        path: '/',
        timeout: 1,
        retry: 1,
        failure_threshold: 1,
        monitoring_delay: 1,
      },
    });
  });

  it('keeps parameters as written and puts the defaults in monitoring_params', () => {
    const parsed = parsedOf(
      minimalVnfd({ name: 'ping', parameters: { count: '2' }, actions: { failure: 'log' } }),
    );
    const ping = (JSON.parse(monitoringPolicyAttribute(parsed)!) as Json).vdus.VDU1.ping;
    expect(ping.parameters).toEqual({ count: '2' });
    expect(ping.monitoring_params).toMatchObject({
      count: 2,
      interval: 1,
      timeout: 5,
      retry: 1,
      monitoring_delay: 30,
    });
  });

  it('gives {} as parameters when the VNFD has none', () => {
    const ping = (JSON.parse(monitoringPolicyAttribute(parsedOf(minimalVnfd()))!) as Json).vdus.VDU1.ping;
    expect(ping.parameters).toEqual({});
  });

  it('is undefined when no VDU is monitored', () => {
    const v = vnfdWith(
      (d: Json) => (d.topology_template.node_templates = { VDU1: { type: VDU, properties: { image: 'i' } } }),
    );
    expect(monitoringPolicyAttribute(parsedOf(v))).toBeUndefined();
  });
});

describe('scaling lookups', () => {
  const scaled = parsedOf(
    vnfdWith((d: Json) => {
      d.topology_template.node_templates.VDU2 = { type: VDU, properties: { image: 'i' } };
      d.topology_template.policies = [
        {
          SP1: {
            type: 'tosca.policies.tacker.Scaling',
            properties: {
              targets: ['VDU1'],
              increment: 1,
              cooldown: 0,
              min_instances: 1,
              max_instances: 4,
              default_instances: 2,
            },
          },
        },
      ];
    }),
  );

  it("defaultInstances is the VDU's scaling policy default_instances, else 1", () => {
    expect(defaultInstances(scaled, 'VDU1')).toBe(2);
    expect(defaultInstances(scaled, 'VDU2')).toBe(1);
    expect(defaultInstances(parsedOf(sample('vnfd-two-vdus.yaml')), 'VDU1')).toBe(1);
  });

  it('scalingPolicyFor finds a policy by name; scalingPolicyOfVdu by target', () => {
    expect(scalingPolicyFor(scaled, 'SP1')).toMatchObject({ name: 'SP1', maxInstances: 4 });
    expect(scalingPolicyFor(scaled, 'SP2')).toBeUndefined();
    expect(scalingPolicyFor(scaled, 'VDU1')).toBeUndefined();
    expect(scalingPolicyOfVdu(scaled, 'VDU1')?.name).toBe('SP1');
    expect(scalingPolicyOfVdu(scaled, 'VDU2')).toBeUndefined();
  });
});
