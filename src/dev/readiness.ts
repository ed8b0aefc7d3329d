// "Everything answers": the API's /healthz, the Web UI, and a worker polling
// each task queue. Pollers are told apart from those of an earlier run (the
// server lists them for minutes) by their last poll time.
import { Connection } from '@temporalio/client';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves once `url` answers 200; rejects after `timeoutMs`. */
export async function waitForHttp(url: string, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(250);
  }
  throw new Error(`${what} (${url}) did not answer within ${Math.round(timeoutMs / 1000)} s (${last})`);
}

/** Resolves once every queue has a workflow poller that polled after `since`. */
export async function waitForPollers(opts: {
  address: string;
  namespace: string;
  taskQueues: string[];
  since: number;
  timeoutMs: number;
}): Promise<void> {
  const conn = await Connection.connect({ address: opts.address, connectTimeout: 10_000 });
  try {
    const deadline = Date.now() + opts.timeoutMs;
    const pending = new Set(opts.taskQueues);
    while (pending.size && Date.now() < deadline) {
      for (const name of [...pending]) {
        const r = await conn.workflowService.describeTaskQueue({
          namespace: opts.namespace,
          taskQueue: { name },
          taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
        });
        // The server keeps second precision; allow for that and clock rounding.
        const fresh = (r.pollers ?? []).some(
          (p) => Number(p.lastAccessTime?.seconds ?? 0) * 1000 >= opts.since - 2000,
        );
        if (fresh) pending.delete(name);
      }
      if (pending.size) await sleep(500);
    }
    if (pending.size) {
      throw new Error(
        `no worker polls ${[...pending].join(', ')} after ${Math.round(opts.timeoutMs / 1000)} s`,
      );
    }
  } finally {
    await conn.close();
  }
}
