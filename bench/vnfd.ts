// The VNFDs the bench onboards: one VDU watched by ping with the scenario's
// parameters; the scaling variant lets VDU1 grow from 1 to 2 instances (the
// second instance takes the second IP listed in param_values.mgmt_ips).
import { stringify } from 'yaml';

export interface ProbeParams {
  period: number;
  count: number;
  interval: number;
  timeout: number;
  failureThreshold: number;
  monitoringDelay: number;
  action: 'log' | 'log_and_kill' | 'respawn';
}

export const SCALING_POLICY = 'SP1';

export function benchVnfd(p: ProbeParams, scaling = false): string {
  const doc: Record<string, unknown> = {
    tosca_definitions_version: 'tosca_simple_profile_for_nfv_1_0_0',
    description: `bench: one VDU, ping every ${p.period} s${scaling ? ', scalable 1..2' : ''}`,
    metadata: { template_name: scaling ? 'bench-scaling' : 'bench' },
    topology_template: {
      node_templates: {
        VDU1: {
          type: 'tosca.nodes.nfv.VDU.Tacker',
          properties: {
            image: 'bench',
            monitoring_policy: {
              name: 'ping',
              parameters: {
                monitoring_delay: p.monitoringDelay,
                period: p.period,
                count: p.count,
                interval: p.interval,
                timeout: p.timeout,
                failure_threshold: p.failureThreshold,
              },
              actions: { failure: p.action },
            },
          },
        },
        CP1: {
          type: 'tosca.nodes.nfv.CP.Tacker',
          properties: { management: true },
          requirements: [{ virtualLink: { node: 'VL1' } }, { virtualBinding: { node: 'VDU1' } }],
        },
        VL1: { type: 'tosca.nodes.nfv.VL', properties: { network_name: 'net_mgmt' } },
      },
      ...(scaling
        ? {
            policies: [
              {
                [SCALING_POLICY]: {
                  type: 'tosca.policies.tacker.Scaling',
                  properties: {
                    targets: ['VDU1'],
                    increment: 1,
                    cooldown: 0,
                    min_instances: 1,
                    max_instances: 2,
                    default_instances: 1,
                  },
                },
              },
            ],
          }
        : {}),
    },
  };
  return stringify(doc);
}
