// A failure confirmed from the conductor is not acted on while other targets
// of its VIM fail too, whatever the monitors' reports show yet — at 5,000 VNFs
// a blip's reports reach the conductor over minutes, and the first one found a
// correlation window with too few failures in it: one healthy VNF was killed.
// Here reports alone can never open a hold (a one-second correlation window),
// so only the conductor's probes of the peers stand between a blip and a
// respawn. Once the peers answer again, the target that still fails is
// respawned. Real workers, Temporal, PostgreSQL and netns VDUs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healSettings } from '../../src/config.js';
import { createVnf, createVnfd, liveInstances, sampleTemplate, vnfStatus } from '../helpers/fixtures.js';
import {
  monitorStatus,
  netnsVimEnv,
  privateDatabase,
  type PrivateDb,
  type VimEnv,
} from '../helpers/lifecycle.js';
import { netnsUnavailable } from '../helpers/netns.js';
import { eventually, startStack, type TestStack } from '../helpers/workers.js';

const skip = await netnsUnavailable();
if (skip) console.warn(`SKIPPED confirm-peers tests: ${skip}`);

describe.skipIf(skip)("the conductor's confirmation probes the target's peers", () => {
  let pdb: PrivateDb;
  let stack: TestStack;
  let env: VimEnv;

  beforeAll(async () => {
    // A database of its own: the fleet-wide recreation limit must not count other files' respawns.
    pdb = await privateDatabase();
    stack = await startStack({
      databaseUrl: pdb.url,
      heal: healSettings({
        ...process.env,
        // A one-second window: the reports, each judged seconds after its probe, never make a hold.
        VNFM_HEAL_HOLD_COUNT: '50',
        VNFM_HEAL_HOLD_WINDOW: '1',
      }),
    });
    env = await netnsVimEnv(stack.db);
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
    await env?.cleanup();
    await pdb?.drop();
  });

  it('holds the action while peers fail too, and respawns the target once they answer again', async () => {
    const template = sampleTemplate('vnfd-ping-respawn', { period: 2, monitoring_delay: 1 });
    // One VNFD for all: peers are the targets of the same VIM, VNFD and VDU.
    const vnfd = { vnfdId: await createVnfd(stack.db, env.tenantId, template) };
    const first = await createVnf(stack, env, vnfd, 'victim');
    const peers = [];
    for (let i = 0; i < 3; i++) peers.push(await createVnf(stack, env, vnfd, `peer-${i}`));
    const all = [first, ...peers];
    await eventually(
      'all ACTIVE',
      async () => (await Promise.all(all.map((id) => vnfStatus(stack.db, id)))).every((s) => s === 'ACTIVE'),
      90_000,
    );
    const instance = async (id: string) => (await liveInstances(stack.db, id))[0]!;
    const before = new Map(await Promise.all(all.map(async (id) => [id, (await instance(id)).id] as const)));
    await eventually(
      'monitors probing',
      async () =>
        (await Promise.all(all.map((id) => monitorStatus(stack, id).catch(() => undefined)))).every(
          (s) => s?.state === 'PROBING',
        ),
      60_000,
    );
    // A few healthy rounds first (healthy rounds do not reach the workflow's status).
    await new Promise((r) => setTimeout(r, 5000));

    await env.inject(before.get(first)!, 'link-down');
    await eventually(
      "the victim's failure reported",
      () => stack.db.policyActionExecution.findFirst({ where: { vnfId: first } }),
      60_000,
      200,
    );
    // The rest of the VIM goes dark before the conductor's confirmation (a period + slack later).
    await Promise.all(peers.map((id) => env.inject(before.get(id)!, 'link-down')));

    const held = await eventually(
      'the confirmed failure not acted on: its peers fail too',
      () => stack.db.policyActionExecution.findFirst({ where: { vnfId: first, gate: 'PEERS_FAILING' } }),
      60_000,
    ).catch(async (err: Error) => {
      const rows = await stack.db.policyActionExecution.findMany({
        where: { vnfId: { in: all } },
        select: { vnfId: true, gate: true, result: true, startedAt: true },
      });
      throw new Error(`${err.message}; actions: ${JSON.stringify(rows)}`);
    });
    expect((held.result as { result?: string } | null)?.result ?? 'unconfirmed').toBe('unconfirmed');
    const note = await stack.db.event.findFirst({
      where: { resourceId: first, eventDetails: { path: ['kind'], equals: 'peers_failing' } },
    });
    expect(note, 'an event tells the operator why').not.toBeNull();
    // Nothing recreated while the VIM is dark.
    await new Promise((r) => setTimeout(r, 8000));
    for (const id of all) expect((await instance(id)).id, `${id} not recreated`).toBe(before.get(id));
    expect(
      await stack.db.policyActionExecution.count({ where: { vnfId: { in: all }, gate: 'CONFIRMED' } }),
    ).toBe(0);

    // The peers come back; the victim still fails: acted on once it is judged again.
    await Promise.all(peers.map((id) => env.inject(before.get(id)!, 'link-up')));
    await eventually(
      'the victim respawned',
      async () => (await liveInstances(stack.db, first))[0]?.id !== before.get(first),
      120_000,
      1000,
    ).catch(async (err: Error) => {
      const rows = await stack.db.policyActionExecution.findMany({
        where: { vnfId: first },
        select: { gate: true, result: true, startedAt: true, status: true },
      });
      const st = await monitorStatus(stack, first).catch((e: Error) => e.message);
      throw new Error(`${err.message}; actions: ${JSON.stringify(rows)}; monitor: ${JSON.stringify(st)}`);
    });
    for (const id of peers) expect((await instance(id)).id, `peer ${id} not recreated`).toBe(before.get(id));
  }, 300_000);
});
