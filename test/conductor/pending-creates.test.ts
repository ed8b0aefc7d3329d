// The conductor's pass over VNFs left in PENDING_CREATE that no create run
// ever claimed: it starts a create only for a VNF that has none — not for one
// whose create is merely queued behind a backlog — and says which it started.
// Real Temporal and PostgreSQL; the creates go to a task queue nobody polls,
// so a started one stays queued, as behind a backlog.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREATE_VNF_WORKFLOW, lifecycleWorkflowId } from '../../src/conductor/contract.js';
import { reconcilePendingCreates } from '../../src/conductor/maintenance/pending-creates.js';
import { createLogger } from '../../src/logger.js';
import { createVnfd, loopbackVim, sampleTemplate } from '../helpers/fixtures.js';
import { privateDatabase, type PrivateDb } from '../helpers/lifecycle.js';
import { eventually, startStack, type TestStack } from '../helpers/workers.js';

describe('reconciling VNFs stuck in PENDING_CREATE', () => {
  let pdb: PrivateDb;
  let stack: TestStack;
  let where: { tenantId: string; vimId: string; vnfdId: string };
  const log = createLogger('test-pending-creates');
  const started: string[] = [];

  beforeAll(async () => {
    pdb = await privateDatabase();
    stack = await startStack({ databaseUrl: pdb.url, monitor: false, conductor: false });
    const vim = await loopbackVim(stack.db, 'pending');
    where = { ...vim, vnfdId: await createVnfd(stack.db, vim.tenantId, sampleTemplate('vnfd-ping-respawn')) };
  });
  afterAll(async () => {
    for (const id of started)
      await stack.client.workflow
        .getHandle(lifecycleWorkflowId(id))
        .terminate('test over')
        .catch(() => undefined);
    await stack?.stop();
    await pdb?.drop();
  });

  /** The pass, with creates sent to a queue of this test that nobody polls. */
  const queue = `unpolled-${randomUUID()}`;
  const pass = () =>
    reconcilePendingCreates(
      { db: stack.db, client: stack.client, temporal: { ...stack.temporal, conductorTaskQueue: queue }, log },
      0,
    );
  const pendingVnf = async (name: string) => {
    const vnf = await stack.db.vnf.create({
      data: { tenantId: where.tenantId, vimId: where.vimId, vnfdId: where.vnfdId, name },
    });
    started.push(vnf.id);
    return vnf.id;
  };
  const runOf = async (vnfId: string) => {
    const d = await stack.client.workflow.getHandle(lifecycleWorkflowId(vnfId)).describe();
    return { runId: d.runId, type: d.type, status: d.status.name, taskQueue: d.taskQueue };
  };

  it('starts a create for a VNF that has none, and only once while that create waits in its queue', async () => {
    const lost = await pendingVnf('lost');
    expect(await pass()).toEqual([lost]);
    const first = await runOf(lost);
    expect(first).toMatchObject({ type: CREATE_VNF_WORKFLOW, status: 'RUNNING', taskQueue: queue });

    // Its create is queued, not lost: the next passes neither start another nor report it,
    // whether or not visibility lists it yet.
    expect(await pass()).toEqual([]);
    await eventually('the queued create listed', async () => {
      for await (const w of stack.client.workflow.list({
        query: `WorkflowId = '${lifecycleWorkflowId(lost)}' AND ExecutionStatus = 'Running'`,
      }))
        return w.runId === first.runId;
      return false;
    });
    expect(await pass()).toEqual([]);
    expect((await runOf(lost)).runId).toBe(first.runId);
  });

  it('starts a create again for a VNF whose unclaimed create ended (terminated by hand)', async () => {
    const vnfId = await pendingVnf('ended');
    expect(await pass()).toEqual([vnfId]);
    const first = await runOf(vnfId);
    await stack.client.workflow.getHandle(lifecycleWorkflowId(vnfId)).terminate('test: lost');
    expect(await pass()).toEqual([vnfId]);
    const second = await runOf(vnfId);
    expect(second.status).toBe('RUNNING');
    expect(second.runId).not.toBe(first.runId);
  });

  it('leaves VNFs younger than the grace and VNFs a create run has claimed alone', async () => {
    const young = await pendingVnf('young');
    const claimed = await pendingVnf('claimed');
    await stack.db.vnf.update({ where: { id: claimed }, data: { lifecycleRun: randomUUID() } });
    const deps = {
      db: stack.db,
      client: stack.client,
      temporal: { ...stack.temporal, conductorTaskQueue: queue },
      log,
    };
    expect(await reconcilePendingCreates(deps, 60_000)).toEqual([]);
    const again = await reconcilePendingCreates(deps, 0);
    expect(again).toContain(young);
    expect(again).not.toContain(claimed);
  });
});
