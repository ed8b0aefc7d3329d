// A policy action's cost per report (POLICY_ACTION_LEAN), read from its real
// history on the Temporal server: its record and gate steps run as local
// activities (markers, no activity tasks), and a report whose failed probe is
// already older than the confirmation delay — a monitor's backlog after a
// blip — is confirmed at once instead of waiting that delay again. A fresh
// report still waits. The target answers the conductor, so both end
// `unconfirmed` and nothing is acted on.
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  POLICY_ACTION_WORKFLOW_TYPE,
  type PolicyActionInput,
  type PolicyActionOutcome,
} from '../../src/monitoring/contract.js';
import { normalizeMonitoringPolicy } from '../../src/monitoring/policy.js';
import { createVnf, liveInstances, sampleTemplate, vnfStatus } from '../helpers/fixtures.js';
import { netnsVimEnv, type VimEnv } from '../helpers/lifecycle.js';
import { netnsUnavailable } from '../helpers/netns.js';
import { eventually, startStack, type TestStack } from '../helpers/workers.js';

const skip = await netnsUnavailable();
if (skip) console.warn(`SKIPPED policy-action cost tests: ${skip}`);

describe.skipIf(skip)(
  'policy action: local record steps, no second confirmation wait for a late report',
  () => {
    let stack: TestStack;
    let env: VimEnv;
    let base: Omit<PolicyActionInput, 'episode' | 'monitorResult'>;
    let ip: string;

    beforeAll(async () => {
      stack = await startStack();
      env = await netnsVimEnv(stack.db);
      const vnfId = await createVnf(
        stack,
        env,
        sampleTemplate('vnfd-ping-respawn', { period: 5, monitoring_delay: 1 }),
      );
      await eventually('VNF ACTIVE', async () => (await vnfStatus(stack.db, vnfId)) === 'ACTIVE', 60_000);
      const [inst] = await liveInstances(stack.db, vnfId);
      const vnf = await stack.db.vnf.findUniqueOrThrow({ where: { id: vnfId } });
      ip = inst!.mgmtIp!;
      base = {
        vnfId,
        actionId: vnf.monitorActionId!,
        generation: vnf.monitorGeneration,
        vduName: inst!.vduName,
        instanceId: inst!.id,
        ip,
        action: 'respawn',
        policy: normalizeMonitoringPolicy(
          {
            name: 'ping',
            parameters: { count: 1, interval: 0.2, timeout: 1, period: 5 },
            actions: { failure: 'respawn' },
          },
          'policy',
        ).policy!,
        protocol: 3,
      };
    }, 120_000);
    afterAll(async () => {
      await stack?.stop();
      await env?.cleanup();
    });

    /** Runs one action on the real conductor; its answer and the event types of its history. */
    async function act(episode: number, lastProbeAt: Date) {
      const h = await stack.client.workflow.start(POLICY_ACTION_WORKFLOW_TYPE, {
        workflowId: `policy-action-lean-${base.vnfId}-${episode}`,
        taskQueue: stack.temporal.conductorTaskQueue,
        args: [
          {
            ...base,
            episode,
            monitorResult: {
              target: ip,
              instanceId: base.instanceId,
              consecutiveFailures: 3,
              lastError: 'timeout',
              lastProbeAt: lastProbeAt.toISOString(),
              driver: 'ping',
            },
          } satisfies PolicyActionInput,
        ],
      });
      const outcome = (await h.result()) as PolicyActionOutcome;
      const history = await h.fetchHistory();
      const types = (history.events ?? []).map((e) => temporal.api.enums.v1.EventType[e.eventType ?? 0]);
      const scheduled = (history.events ?? []).flatMap((e) =>
        e.activityTaskScheduledEventAttributes?.activityType?.name
          ? [e.activityTaskScheduledEventAttributes.activityType.name]
          : [],
      );
      return { outcome, types, scheduled };
    }
    const count = (types: (string | undefined)[], t: string) => types.filter((x) => x?.endsWith(t)).length;

    it('a report older than period + slack is confirmed at once: no timer, its steps are markers', async () => {
      const r = await act(1001, new Date(Date.now() - 60_000));
      console.log(`[policy-action] late report, unconfirmed: ${r.types.length} history events`);
      expect(r.outcome.result, JSON.stringify(r.outcome)).toBe('unconfirmed');
      expect(count(r.types, 'TIMER_STARTED'), r.types.join(' ')).toBe(0);
      // Nor is its monitor told it is being confirmed: the answer follows within a probe round.
      expect(count(r.types, 'SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED'), r.types.join(' ')).toBe(0);
      // Only the probe is an activity task; claim, settings and completion are local.
      expect(r.scheduled).toEqual(['confirmFailure']);
      expect(count(r.types, 'MARKER_RECORDED'), r.types.join(' ')).toBeGreaterThanOrEqual(3);
    });

    it('a fresh report still waits for failures with a common cause to be reported', async () => {
      const r = await act(1002, new Date());
      expect(r.outcome.result, JSON.stringify(r.outcome)).toBe('unconfirmed');
      expect(count(r.types, 'TIMER_STARTED'), r.types.join(' ')).toBe(1);
    });
  },
);
