// Prometheus metrics of the conductor: policy actions by action and result,
// and VNF events (lifecycle transitions) by type and resulting state.
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';

export const conductorRegistry = new Registry();
collectDefaultMetrics({ register: conductorRegistry, prefix: 'vnfm_conductor_' });

export const policyActions = new Counter({
  name: 'vnfm_policy_actions_total',
  help: 'Policy actions completed, by action and result (ok, bad_action, stop).',
  labelNames: ['action', 'result'] as const,
  registers: [conductorRegistry],
});

export const vnfEvents = new Counter({
  name: 'vnfm_vnf_events_total',
  help: 'VNF events written (lifecycle transitions and monitor events), by type and state.',
  labelNames: ['event_type', 'state'] as const,
  registers: [conductorRegistry],
});
