// Prometheus metrics of the conductor: policy actions by action and result,
// and VNF events (lifecycle transitions) by type and resulting state.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Db } from '../db/client.js';

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

export const healHoldsOpened = new Counter({
  name: 'vnfm_heal_holds_opened_total',
  help: 'Correlated-failure holds opened, by scope (vim, worker).',
  labelNames: ['scope'] as const,
  registers: [conductorRegistry],
});

export const healUnconfirmed = new Counter({
  name: 'vnfm_heal_unconfirmed_total',
  help: 'Failures a monitor worker reported that the conductor did not confirm, by worker queue.',
  labelNames: ['worker'] as const,
  registers: [conductorRegistry],
});

export const healPeersFailing = new Counter({
  name: 'vnfm_heal_peers_failing_total',
  help: 'Failures the conductor confirmed but did not act on because other targets of the VIM it probed failed too (the path or the VIM, not the VNF).',
  registers: [conductorRegistry],
});

/** Gauges read from the database at each scrape: what the healing gate holds and queues now. */
export function registerHealGauges(db: Db): void {
  new Gauge({
    name: 'vnfm_heal_holds',
    help: 'Correlated-failure holds by state (HELD: waiting for the probes or an operator; RELEASED: acting at the recreation limits).',
    labelNames: ['state'] as const,
    registers: [conductorRegistry],
    async collect() {
      const rows = await db.healHold.groupBy({
        by: ['state'],
        where: { state: { in: ['HELD', 'RELEASED'] } },
        _count: { _all: true },
      });
      for (const state of ['HELD', 'RELEASED'])
        this.set({ state }, rows.find((r) => r.state === state)?._count._all ?? 0);
    },
  });
  new Gauge({
    name: 'vnfm_heal_held_actions',
    help: 'Destructive actions waiting in an open correlated-failure hold.',
    registers: [conductorRegistry],
    async collect() {
      this.set(await db.policyActionExecution.count({ where: { gate: 'HELD', hold: { state: 'HELD' } } }));
    },
  });
  new Gauge({
    name: 'vnfm_heal_recreations_queued',
    help: 'Recreations waiting for a slot (VNFM_HEAL_MAX_RECREATIONS, VNFM_HEAL_MAX_RECREATIONS_PER_VIM).',
    registers: [conductorRegistry],
    async collect() {
      this.set(await db.policyActionExecution.count({ where: { gate: 'QUEUED', status: { not: 'DONE' } } }));
    },
  });
  new Gauge({
    name: 'vnfm_heal_recreations_in_flight',
    help: 'Recreations holding a slot now.',
    registers: [conductorRegistry],
    async collect() {
      this.set(await db.recreationSlot.count({ where: { execution: { status: { not: 'DONE' } } } }));
    },
  });
}
