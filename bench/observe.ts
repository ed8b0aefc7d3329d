// Observations of Temporal: how many monitors are PROBING (visibility),
// history lengths of a sample of monitors, and the dev server's RPC counters.
import { Client, Connection } from '@temporalio/client';
import { scrape, sumBy, type Sample } from './prom.js';

export class TemporalObserver {
  private constructor(readonly client: Client) {}

  static async connect(address: string): Promise<TemporalObserver> {
    const connection = await Connection.connect({ address });
    return new TemporalObserver(new Client({ connection, namespace: 'default' }));
  }

  async countMonitors(state?: string): Promise<number> {
    const q =
      `WorkflowType = "vnfMonitorWorkflow" AND ExecutionStatus = "Running"` +
      (state ? ` AND MonitorState = "${state}"` : '');
    return (await this.client.workflow.count(q)).count;
  }

  /** Waits until `n` monitors are PROBING; returns when (ms epoch), or undefined on timeout. */
  async waitProbing(
    n: number,
    timeoutMs: number,
    progress?: (k: number) => void,
  ): Promise<number | undefined> {
    const deadline = Date.now() + timeoutMs;
    let lastLog = 0;
    while (Date.now() < deadline) {
      const k = await this.countMonitors('PROBING').catch(() => -1);
      if (k >= n) return Date.now();
      if (Date.now() - lastLog >= 10_000) {
        progress?.(k);
        lastLog = Date.now();
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
    return undefined;
  }

  /** History length per workflow id (missing workflows are left out). */
  async historyLengths(workflowIds: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const id of workflowIds) {
      try {
        const d = await this.client.workflow.getHandle(id).describe();
        out.set(id, d.historyLength);
      } catch {
        // gone (deleted VNF)
      }
    }
    return out;
  }

  async close(): Promise<void> {
    await this.client.connection.close();
  }
}

/** RPCs clients made to the Temporal frontend, by operation (counter `service_requests`; internal hops left out). */
export async function temporalRpcs(metricsUrl: string): Promise<Map<string, number>> {
  const samples: Sample[] = await scrape(metricsUrl);
  return sumBy(
    samples.filter((s) => s.labels.service_name === 'frontend'),
    'service_requests',
    'operation',
  );
}

/** Per-operation rates between two counter snapshots. */
export function rates(
  after: Map<string, number>,
  before: Map<string, number>,
  seconds: number,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [op, v] of after) {
    const d = v - (before.get(op) ?? 0);
    if (d > 0) out[op] = Math.round((d / seconds) * 100) / 100;
  }
  return out;
}
