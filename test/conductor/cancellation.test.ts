// Issue 14, part B: a lifecycle workflow that is terminated (an operator in the
// Web UI, or a force delete replacing it) stops its VIM steps — cancellation
// reaches the running boot through its heartbeats, and the boot removes what it
// made — and a force delete leaves nothing behind: no live instance row, no
// namespace, no held address. Sibling boots all settle before a failure's
// cleanup starts.
//
// The file has a database of its own: it locks whole tables to hold VIM steps
// at chosen points, which must not stall other test files.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DELETE_VNF_WORKFLOW,
  lifecycleWorkflowId,
  SCALE_VNF_WORKFLOW,
} from '../../src/conductor/contract.js';
import { advisoryKey } from '../../src/vim/instance-locks.js';
import { namespaceName } from '../../src/vim/netns-names.js';
import { createVnf, liveInstances, vnfStatus } from '../helpers/fixtures.js';
import {
  delay,
  lifecycleResult,
  netnsVimEnv,
  privateDatabase,
  requestOperation,
  template,
  type PrivateDb,
  type VimEnv,
} from '../helpers/lifecycle.js';
import { netnsUnavailable } from '../helpers/netns.js';
import { eventually, startStack, type TestStack } from '../helpers/workers.js';

const skip = await netnsUnavailable();
if (skip) console.warn(`SKIPPED conductor cancellation tests: ${skip}`);

/** Longer than the SDK's heartbeat throttle (0.8 × the 10 s heartbeat timeout): a cancellation has arrived. */
const CANCELLATION_REACHES_MS = 12_000;

describe.skipIf(skip)('terminated lifecycle workflows and force deletes leave nothing behind', () => {
  let pdb: PrivateDb;
  let stack: TestStack;
  let env: VimEnv;
  const envs: VimEnv[] = [];
  const clients: pg.Client[] = [];

  beforeAll(async () => {
    pdb = await privateDatabase();
    stack = await startStack({ databaseUrl: pdb.url, monitor: false });
    env = await netnsVimEnv(stack.db);
    envs.push(env);
  });
  afterAll(async () => {
    for (const c of clients) await c.end().catch(() => undefined);
    await stack?.stop();
    for (const e of envs) await e.cleanup();
    await pdb?.drop();
  });

  const client = async () => {
    const c = new pg.Client({ connectionString: pdb.url });
    await c.connect();
    clients.push(c);
    return c;
  };
  const activeVnf = async (name: string, vim = env, instances = 1) => {
    const vnfId = await createVnf(
      stack,
      vim,
      template('vnfd-ping-scaling', { params: { period: 1 }, instances, maxInstances: 4 }),
      name,
    );
    expect((await lifecycleResult(stack, vnfId)).status).toBe('ACTIVE');
    return vnfId;
  };
  /** Statements waiting for a lock on `table`. */
  const waitersOn = async (c: pg.Client, table: string) =>
    (
      await c.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_class t ON t.oid = l.relation
         WHERE NOT l.granted AND t.relname = $1`,
        [table],
      )
    ).rows[0]!.n;
  /** Nothing of the VNF's is left: rows, namespaces, addresses. */
  const nothingLeft = async (vnfId: string, keep: string[] = []) => {
    const rows = await liveInstances(stack.db, vnfId);
    const held = await stack.db.ipAllocation.findMany({ where: { vnfId, instanceId: { not: null } } });
    const all = await stack.db.vduInstance.findMany({ where: { vnfId }, select: { id: true } });
    const mine = new Set(all.map((r) => namespaceName(env.vimId, r.id)));
    const namespaces = (await env.namespaces()).filter((n) => mine.has(n));
    return {
      rows: rows.map((r) => `${r.id}:${r.status}`).filter((r) => !keep.some((k) => r.startsWith(k))),
      held: held.map((a) => `${a.instanceId}=${a.ip}`).filter((a) => !keep.some((k) => a.startsWith(k))),
      namespaces: namespaces.filter((n) => !keep.some((k) => n === namespaceName(env.vimId, k))),
    };
  };
  const empty = { rows: [], held: [], namespaces: [] };

  it('a scale out terminated mid-boot: the boot hears it and removes its instance', async () => {
    const vnfId = await activeVnf('terminated');
    const [first] = await liveInstances(stack.db, vnfId);
    // Hold every new address: the boot stops inside the VIM step, its row written.
    const locker = await client();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE ip_allocations IN SHARE MODE');
    const req = await requestOperation(stack, SCALE_VNF_WORKFLOW, { vnfId, policy: 'SP1', type: 'out' });
    expect(req.answer).toEqual({ accepted: true, status: 'PENDING_SCALE_OUT' });
    const added = await eventually('the new instance BUILDING', async () =>
      (await liveInstances(stack.db, vnfId)).find((i) => i.id !== first!.id),
    );
    expect(added.status).toBe('BUILDING');
    // As an operator does in the Web UI.
    await stack.client.workflow.getHandle(lifecycleWorkflowId(vnfId)).terminate('test: terminated by hand');
    await delay(CANCELLATION_REACHES_MS);
    await locker.query('COMMIT');
    // The boot finishes its VIM step, finds its workflow gone and removes what it made.
    const left = await eventually(
      'the abandoned boot to remove its instance',
      async () => {
        const l = await nothingLeft(vnfId, [first!.id]);
        return JSON.stringify(l) === JSON.stringify(empty) && l;
      },
      30_000,
    ).catch(async (err) => {
      throw new Error(
        `${(err as Error).message}; left: ${JSON.stringify(await nothingLeft(vnfId, [first!.id]))}`,
      );
    });
    expect(left).toEqual(empty);
    const row = await stack.db.vduInstance.findUniqueOrThrow({ where: { id: added.id } });
    expect(row.deletedAt).not.toBeNull();
    // The first instance is untouched.
    expect(await env.namespaces()).toEqual([first!.vimResourceId]);
  });

  it('a force delete replacing a scale out whose boot is still to write its row: nothing is left', async () => {
    const vnfId = await activeVnf('forced');
    const [first] = await liveInstances(stack.db, vnfId);
    // The delete of the first instance waits (its lock held here), so the
    // delete is still running when the boot's row can be written.
    const holder = await client();
    await holder.query('SELECT pg_advisory_lock($1::bigint)', [
      advisoryKey(namespaceName(env.vimId, first!.id)),
    ]);
    // The boot waits to write its row.
    const locker = await client();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE vdu_instances IN SHARE MODE');
    const req = await requestOperation(stack, SCALE_VNF_WORKFLOW, { vnfId, policy: 'SP1', type: 'out' });
    expect(req.answer).toEqual({ accepted: true, status: 'PENDING_SCALE_OUT' });
    await eventually(
      'the boot waiting to write its row',
      async () => (await waitersOn(locker, 'vdu_instances')) >= 1,
    );
    // Forced: terminates the scale out and starts the delete.
    const forced = requestOperation(stack, DELETE_VNF_WORKFLOW, { vnfId, force: true });
    await delay(3_000);
    await locker.query('COMMIT');
    const del = await forced;
    expect(del.answer).toEqual({ accepted: true, status: 'PENDING_DELETE' });
    // Let the boot run to its end (or be refused) while the delete waits for the first instance.
    await delay(CANCELLATION_REACHES_MS);
    await holder.query('SELECT pg_advisory_unlock_all()');
    expect((await del.result()).status).toBe('DELETED');
    const left = await eventually(
      'nothing left of the force-deleted VNF',
      async () => {
        const l = await nothingLeft(vnfId);
        return JSON.stringify(l) === JSON.stringify(empty) && l;
      },
      20_000,
    ).catch(async (err) => {
      throw new Error(`${(err as Error).message}; left: ${JSON.stringify(await nothingLeft(vnfId))}`);
    });
    expect(left).toEqual(empty);
  });

  it('a failed boot: its cleanup starts only once every sibling boot has settled', async () => {
    // Five addresses, four taken: of two boots, one gets the last address and builds, the other fails at once.
    const small = await netnsVimEnv(stack.db, { prefix: 29 });
    envs.push(small);
    const base = small.pool.split('/')[0]!.split('.').map(Number);
    for (const last of [2, 3, 4, 5]) {
      await stack.db.ipAllocation.create({
        data: {
          vimId: small.vimId,
          ip: [...base.slice(0, 3), base[3]! + last].join('.'),
          instanceId: randomUUID(),
        },
      });
    }
    const vnfId = await createVnf(
      stack,
      small,
      template('vnfd-ping-scaling', { params: { period: 1 }, instances: 2 }),
      'siblings',
    );
    const r = await lifecycleResult(stack, vnfId);
    expect(r.status).toBe('ERROR');
    expect(r.detail).toMatch(/no free address/);
    expect(await vnfStatus(stack.db, vnfId)).toBe('ERROR');
    expect(await liveInstances(stack.db, vnfId)).toEqual([]);
    expect(await small.namespaces()).toEqual([]);

    const history = await stack.client.workflow.getHandle(lifecycleWorkflowId(vnfId)).fetchHistory();
    const events = history.events ?? [];
    const scheduled = new Map<string, string>();
    let lastBootClosed = -1;
    let cleanupScheduled = -1;
    events.forEach((e, i) => {
      const s = e.activityTaskScheduledEventAttributes;
      if (s) {
        scheduled.set(String(e.eventId), s.activityType?.name ?? '');
        if (s.activityType?.name === 'liveInstances' && cleanupScheduled < 0) cleanupScheduled = i;
      }
      const closed =
        e.activityTaskCompletedEventAttributes ??
        e.activityTaskFailedEventAttributes ??
        e.activityTaskTimedOutEventAttributes;
      if (closed && scheduled.get(String(closed.scheduledEventId)) === 'bootInstance') lastBootClosed = i;
    });
    expect([...scheduled.values()].filter((n) => n === 'bootInstance')).toHaveLength(2);
    expect(cleanupScheduled).toBeGreaterThan(-1);
    expect(lastBootClosed).toBeLessThan(cleanupScheduled);
  });
});
