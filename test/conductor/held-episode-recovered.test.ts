// A held episode whose hold decided "no action" (the target answered the
// conductor: gate RECOVERED) ends in its monitor even when the word never
// reached it — the signal lost, as it was at the end of a storm's hold for two
// real faults that were then never acted on. The reconciliation sees the
// monitor HELD outside any open hold (past a settle time) and resyncs it, and the resync tells the
// monitor; a target that still fails is then judged afresh and acted on
// again. Real workers, Temporal, PostgreSQL and a netns VDU whose link is down.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healSettings } from '../../src/config.js';
import { HOLD_SETTLE_MS, reconcileMonitors } from '../../src/conductor/maintenance/monitors.js';
import { createLogger } from '../../src/logger.js';
import { monitorWorkflowId, type MonitorStatus } from '../../src/monitoring/contract.js';
import { createVnf, liveInstances, sampleTemplate, vnfStatus } from '../helpers/fixtures.js';
import { netnsVimEnv, type VimEnv } from '../helpers/lifecycle.js';
import { netnsUnavailable } from '../helpers/netns.js';
import { eventually, startStack, type TestStack } from '../helpers/workers.js';

const skip = await netnsUnavailable();
if (skip) console.warn(`SKIPPED held-episode tests: ${skip}`);

describe.skipIf(skip)('a held episode whose hold took no action ends in its monitor', () => {
  let stack: TestStack;
  let env: VimEnv;

  beforeAll(async () => {
    // One failure is a correlated one here: every destructive action is held.
    stack = await startStack({
      heal: healSettings({
        ...process.env,
        VNFM_HEAL_HOLD_MIN: '1',
        VNFM_HEAL_HOLD_COUNT: '1',
        VNFM_HEAL_CONFIRM_SLACK: '0',
      }),
    });
    env = await netnsVimEnv(stack.db);
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
    await env?.cleanup();
  });

  it('the reconciliation tells a monitor left HELD in an ended hold; the still failing target is acted on again', async () => {
    const vnfId = await createVnf(
      stack,
      env,
      sampleTemplate('vnfd-ping-respawn', { period: 1, monitoring_delay: 1 }),
    );
    await eventually('VNF ACTIVE', async () => (await vnfStatus(stack.db, vnfId)) === 'ACTIVE', 60_000);
    const status = () =>
      stack.client.workflow.getHandle(monitorWorkflowId(vnfId)).query<MonitorStatus>('status');
    await eventually('monitor PROBING', async () => (await status()).state === 'PROBING', 60_000);
    const [inst] = await liveInstances(stack.db, vnfId);
    await env.inject(inst!.id, 'link-down');

    const held = await eventually(
      'the failure held',
      async () => {
        const rows = await stack.db.policyActionExecution.findMany({ where: { vnfId, gate: 'HELD' } });
        return rows.length && (await status()).state === 'HELD' ? rows[0] : undefined;
      },
      60_000,
    );
    // The hold decided "no action" and ended, and its word to the monitor was lost.
    await stack.db.$transaction([
      stack.db.policyActionExecution.update({ where: { id: held.id }, data: { gate: 'RECOVERED' } }),
      stack.db.healHold.update({
        where: { id: held.holdId! },
        data: { state: 'ENDED', endedAt: new Date() },
      }),
    ]);
    const log = createLogger('test');
    const deps = { db: stack.db, client: stack.client, temporal: stack.temporal, log };
    // Just ended: the word may still be on its way to the monitor — no command yet.
    const early = await reconcileMonitors(deps);
    expect(early.commands.filter((c) => c.vnfId === vnfId)).toEqual([]);
    // Past the settle time and still HELD: it missed the word.
    await stack.db.healHold.update({
      where: { id: held.holdId! },
      data: { endedAt: new Date(Date.now() - HOLD_SETTLE_MS - 1000) },
    });
    await eventually(
      'the target judged afresh: a new action for a later episode',
      async () => {
        await reconcileMonitors(deps);
        return stack.db.policyActionExecution.findFirst({ where: { vnfId, episode: { gt: held.episode } } });
      },
      60_000,
      2000,
    );
    const s = await status();
    expect(s.targets[0]!.episode, JSON.stringify(s.targets[0])).not.toBe(held.episode);
  });
});
