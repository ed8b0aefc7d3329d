// Rolling upgrade under load (issue 15, item 2), on a Temporal cluster
// (--temporal cluster): with N monitored VNFs (action log_and_kill), restart
// each Temporal service (history, matching, frontend, worker) and then each
// vnfm process (monitor, conductor, api) one at a time — SIGTERM, the
// process's graceful shutdown, start again, wait until it serves — while K
// VDUs are cut off at the start of the rolling restart. Checked: no monitor
// lost (N − K running and every target probed by the worker at the end), no
// action run twice (policy_action_executions and DEAD events per VNF ≤ 1,
// none for a healthy VNF), and every fault detected (fault → policy action) —
// within the floor plus the restarts' time.
import type { Context } from '../context.js';
import { waitTargets } from '../monitor-metrics.js';
import { fmt, type Row } from '../results.js';
import { percentile } from '../stats.js';
import {
  bringUp,
  bringUpFigures,
  bringUpRows,
  oneVduFleet,
  sample,
  sleep,
  type ScenarioOutput,
} from './common.js';

export interface RollingArgs {
  vnfs: number;
  period: number;
  faults: number;
  concurrency: number;
  shared: boolean;
}

export async function rollingScenario(ctx: Context, a: RollingArgs): Promise<ScenarioOutput> {
  const cluster = ctx.stack.cluster;
  if (!cluster)
    throw new Error('the rolling scenario restarts Temporal services: run it with --temporal cluster');
  const { params, ips, items, periodMs, floorMs } = await oneVduFleet(ctx, a, 'log_and_kill');
  const up = await bringUp(ctx, {
    items,
    concurrency: a.concurrency,
    prefix: 'roll',
  });
  await sleep(2 * periodMs);

  const victims = sample(
    up.ids.map((id, i) => ({ id, ip: ips[i]! })),
    Math.min(a.faults, up.ids.length),
  );
  const healthy = up.ids.filter((id) => !victims.some((v) => v.id === id));
  const t0 = Date.now();
  const faults: { id: string; ip: string; at: number }[] = [];
  for (const v of victims) {
    await ctx.fleet.cutOff(v.ip);
    faults.push({ ...v, at: Date.now() });
  }
  ctx.log(`cut off ${faults.length} VDUs; rolling restart begins`);

  // One at a time: each Temporal service, then each vnfm process.
  const restarts: { name: string; seconds: number }[] = [];
  const order = ['history', 'matching', 'frontend', 'worker'] as const;
  for (const name of order) {
    const s0 = Date.now();
    await cluster.restart(name);
    // The membership ring settles and shards are reacquired: give it a period.
    await sleep(periodMs);
    restarts.push({ name: `temporal-${name}`, seconds: (Date.now() - s0) / 1000 });
    ctx.log(`  restarted temporal ${name} (${restarts.at(-1)!.seconds.toFixed(1)} s incl. one period)`);
  }
  for (const name of ['monitor', 'conductor', 'api'] as const) {
    const s0 = Date.now();
    await ctx.stack.stopService(name);
    await ctx.stack.startService(name);
    await sleep(periodMs);
    restarts.push({ name, seconds: (Date.now() - s0) / 1000 });
    ctx.log(`  restarted ${name} (${restarts.at(-1)!.seconds.toFixed(1)} s incl. one period)`);
  }
  const rollingS = (Date.now() - t0) / 1000;

  // Every fault detected.
  const dead = new Map<string, number>();
  const sql = await ctx.stack.sql();
  let twice: { vnf_id: string; n: string }[];
  let unexpected: number;
  let deadTwice: number;
  try {
    const deadline = Date.now() + 2 * floorMs + 120_000;
    while (dead.size < faults.length && Date.now() < deadline) {
      // Detected: the monitor's failure reached the conductor as a policy
      // action (run, or deferred by the correlated-failure hold).
      const r = await sql.query<{ resource_id: string; ts: Date }>(
        `SELECT vnf_id::text AS resource_id, min(started_at) AS ts FROM policy_action_executions
         WHERE vnf_id = ANY($1::uuid[]) GROUP BY vnf_id`,
        [faults.map((f) => f.id)],
      );
      for (const row of r.rows) dead.set(row.resource_id, row.ts.getTime());
      if (dead.size < faults.length) await sleep(500);
    }
    // Let the kills finish, then count.
    await sleep(5000);
    twice = (
      await sql.query<{ vnf_id: string; n: string }>(
        `SELECT vnf_id, count(*) AS n FROM policy_action_executions WHERE vnf_id = ANY($1::uuid[])
         GROUP BY vnf_id, vdu_name, episode HAVING count(*) > 1`,
        [up.ids],
      )
    ).rows;
    unexpected = Number(
      (
        await sql.query<{ n: string }>(
          `SELECT count(*) AS n FROM events WHERE resource_id = ANY($1) AND event_type = 'MONITOR'`,
          [healthy],
        )
      ).rows[0]!.n,
    );
    deadTwice = Number(
      (
        await sql.query<{ n: string }>(
          `SELECT count(*) AS n FROM (SELECT resource_id FROM events WHERE resource_id = ANY($1)
           AND event_type = 'MONITOR' AND resource_state = 'DEAD' GROUP BY resource_id HAVING count(*) > 1) x`,
          [faults.map((f) => f.id)],
        )
      ).rows[0]!.n,
    );
  } finally {
    await sql.end();
  }

  // No monitor lost: the healthy ones all run and are probed (the killed
  // VNFs' monitors complete as their deletes finish, so this is polled).
  let running = -1;
  let probing = -1;
  const settle = Date.now() + 120_000;
  while (Date.now() < settle) {
    running = await ctx.obs.countMonitors().catch(() => -1);
    probing = await ctx.obs.countMonitors('PROBING').catch(() => -1);
    // A faulted VNF whose action is held (correlated failure) stays, watched.
    if (running >= healthy.length && probing === healthy.length) break;
    await sleep(2000);
  }
  const targetsAt = await waitTargets(ctx.stack.monitorMetricsUrl, healthy.length, 120_000);

  const latencies = faults.flatMap((f) => (dead.has(f.id) ? [dead.get(f.id)! - f.at] : []));
  const missing = faults.length - latencies.length;
  const p99 = percentile(latencies, 99);
  const bound = floorMs + rollingS * 1000;
  const s = (ms: number | undefined) => fmt(ms === undefined ? undefined : ms / 1000, 1, 's');
  const rows: Row[] = [
    ...bringUpRows(up),
    {
      metric: 'restarts, one at a time (each incl. one period of settling)',
      value: restarts.map((r) => `${r.name} ${fmt(r.seconds, 1, 's')}`).join(', '),
    },
    { metric: 'whole rolling restart', value: fmt(rollingS, 0, 's') },
    {
      metric: `monitors of healthy VNFs running / PROBING / probed by the worker after it (of ${healthy.length})`,
      value: `${running} / ${probing} / ${targetsAt ? 'all' : 'NOT all within 120 s'}`,
      target: 'none lost',
      met: running >= healthy.length && probing === healthy.length && targetsAt !== undefined,
    },
    {
      metric:
        'actions run twice (same VNF, VDU, episode) / DEAD events twice / MONITOR events of healthy VNFs',
      value: `${twice.length} / ${deadTwice} / ${unexpected}`,
      target: '0 / 0 / 0',
      met: twice.length === 0 && deadTwice === 0 && unexpected === 0,
    },
    {
      metric: `fault (cut off as the rolling restart began) → policy action started, p50 / p99 over ${latencies.length} faults`,
      value: `${s(percentile(latencies, 50))} / ${s(p99)}${missing ? ` (${missing} never detected)` : ''}`,
      target: `≤ floor ${floorMs / 1000} s + rolling restart ${fmt(rollingS, 0, 's')}`,
      met: !missing && p99 !== undefined && p99 <= bound,
    },
  ];
  return {
    rows,
    notes: [
      `restart order: Temporal ${order.join(', ')}; then vnfm monitor, conductor, api (SIGTERM, graceful shutdown, start, serving again)`,
    ],
    figures: {
      ...bringUpFigures(up),
      floorMs,
      params,
      restarts,
      rollingS,
      running,
      probing,
      healthy: healthy.length,
      targetsAfterRestartS: targetsAt ? (targetsAt - t0) / 1000 : undefined,
      actionsTwice: twice,
      deadTwice,
      unexpectedMonitorEvents: unexpected,
      latency: { p50: percentile(latencies, 50), p99, max: percentile(latencies, 100), n: latencies.length },
    },
  };
}
