// Scenario 2, detection: with N monitored VNFs (action log_and_kill), make
// K random VDUs unreachable at random phases within one period (their address
// leaves the namespace) and time fault → the conductor's DEAD MONITOR event.
// The floor is period × failure_threshold + timeout. The capture splits each
// latency into the probing part (until the threshold-th unanswered round
// timed out) and vnfm's action path (that moment → the DEAD event).
import { Capture } from '../capture.js';
import type { Context } from '../context.js';
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

export interface DetectionArgs {
  vnfs: number;
  period: number;
  faults: number;
  concurrency: number;
  shared: boolean;
}

export async function detectionScenario(ctx: Context, a: DetectionArgs): Promise<ScenarioOutput> {
  const { params, ips, items, periodMs, floorMs } = await oneVduFleet(ctx, a, 'log_and_kill');
  const capture = await Capture.start(ctx.fleet, ctx.dir, 'detection');
  let up;
  try {
    up = await bringUp(ctx, {
      items,
      concurrency: a.concurrency,
      prefix: 'det',
    });
    await sleep(2 * periodMs);

    const victims = sample(
      up.ids.map((id, i) => ({ id, ip: ips[i]! })),
      Math.min(a.faults, up.ids.length),
    );
    // Faults at random phases spread over one period.
    const offsets = victims.map(() => Math.random() * periodMs).sort((x, y) => x - y);
    const t0 = Date.now();
    const faults: { id: string; ip: string; at: number }[] = [];
    for (const [i, v] of victims.entries()) {
      const wait = t0 + offsets[i]! - Date.now();
      if (wait > 0) await sleep(wait);
      const before = Date.now();
      await ctx.fleet.cutOff(v.ip);
      faults.push({ ...v, at: (before + Date.now()) / 2 });
    }
    ctx.log(`cut off ${faults.length} VDUs; waiting for DEAD events (floor ${floorMs / 1000} s)`);

    const dead = new Map<string, number>();
    const sql = await ctx.stack.sql();
    try {
      const deadline = Date.now() + 2 * floorMs + 60_000;
      while (dead.size < faults.length && Date.now() < deadline) {
        const r = await sql.query<{ resource_id: string; ts: Date }>(
          `SELECT resource_id, min("timestamp") AS ts FROM events
           WHERE resource_id = ANY($1) AND event_type = 'MONITOR' AND resource_state = 'DEAD' GROUP BY resource_id`,
          [faults.map((f) => f.id)],
        );
        for (const row of r.rows) dead.set(row.resource_id, row.ts.getTime());
        if (dead.size < faults.length) await sleep(200);
      }
    } finally {
      await sql.end();
    }
    await sleep(1000);
    const log = await capture.stop();

    const latencies: number[] = [];
    const probing: number[] = [];
    const action: number[] = [];
    const perFault = faults.map((f) => {
      const deadAt = dead.get(f.id);
      const after = (log.byIp.get(f.ip) ?? []).filter((t) => t > f.at);
      // The threshold-th unanswered round, plus its timeout, is when the loop decides.
      const decidedAt =
        after.length >= params.failureThreshold
          ? after[params.failureThreshold * params.count - 1]! + params.timeout * 1000
          : undefined;
      if (deadAt !== undefined) latencies.push(deadAt - f.at);
      if (decidedAt !== undefined) probing.push(decidedAt - f.at);
      if (decidedAt !== undefined && deadAt !== undefined) action.push(deadAt - decidedAt);
      return { ...f, deadAt, decidedAt, latencyMs: deadAt === undefined ? undefined : deadAt - f.at };
    });
    const missing = faults.length - latencies.length;
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    const s = (ms: number | undefined) => fmt(ms === undefined ? undefined : ms / 1000, 1, 's');
    const rows: Row[] = [
      ...bringUpRows(up),
      {
        metric: 'floor: period × failure_threshold + timeout',
        value: `${a.period} × ${params.failureThreshold} + ${params.timeout} = ${floorMs / 1000} s`,
      },
      {
        metric: `fault → DEAD event, p50 / p99 over ${latencies.length} faults`,
        value: `${s(p50)} / ${s(p99)}${missing ? ` (${missing} never DEAD)` : ''}`,
        target: 'p99 ≤ floor + 2 s',
        met: !missing && p99 !== undefined && p99 <= floorMs + 2000,
      },
      {
        metric: 'of which probing (fault → threshold-th failed round timed out), p50 / p99',
        value: `${s(percentile(probing, 50))} / ${s(percentile(probing, 99))}`,
      },
      {
        metric: 'of which the action path (→ DEAD event written), p50 / p99',
        value: `${s(percentile(action, 50))} / ${s(percentile(action, 99))}`,
      },
    ];
    return {
      rows,
      notes: missing ? [`${missing} faults never produced a DEAD event`] : [],
      figures: {
        ...bringUpFigures(up),
        floorMs,
        params,
        latency: { p50, p99, max: percentile(latencies, 100), n: latencies.length },
        probing: { p50: percentile(probing, 50), p99: percentile(probing, 99) },
        action: { p50: percentile(action, 50), p99: percentile(action, 99) },
        faults: perFault,
      },
    };
  } finally {
    capture.kill();
    if (a.shared && up) {
      const live = await liveVnfs(ctx, up.ids);
      await ctx.deleteVnfs(live);
    }
  }
}

/** The VNFs of `ids` not deleted yet (log_and_kill deletes the dead ones itself). */
async function liveVnfs(ctx: Context, ids: string[]): Promise<string[]> {
  const sql = await ctx.stack.sql();
  try {
    const r = await sql.query<{ id: string }>(
      `SELECT id FROM vnfs WHERE id = ANY($1::uuid[]) AND deleted_at IS NULL`,
      [ids],
    );
    return r.rows.map((x) => x.id);
  } finally {
    await sql.end();
  }
}
