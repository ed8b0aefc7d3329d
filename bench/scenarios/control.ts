// Scenario 3, control: with N monitored VNFs, delete K of them and scale out
// K others (whose second management IP was listed in param_values.mgmt_ips
// at create: a static VIM cannot boot hosts, so the scale-out IPs are
// pre-provisioned in the fleet and idle until then). At the hosts (capture):
// (a) DELETE sent → last echo request at the deleted VNF's IP,
// (b) the scale-out's ACTIVE event → first echo request at the new IP.
import { Capture } from '../capture.js';
import type { Context } from '../context.js';
import { fmt, type Row } from '../results.js';
import { percentile } from '../stats.js';
import { SCALING_POLICY } from '../vnfd.js';
import {
  bringUp,
  bringUpFigures,
  bringUpRows,
  probeParams,
  sample,
  sleep,
  type ScenarioOutput,
} from './common.js';

export interface ControlArgs {
  vnfs: number;
  period: number;
  faults: number;
  concurrency: number;
  shared: boolean;
}

const TARGET_MS = 5000;

export async function controlScenario(ctx: Context, a: ControlArgs): Promise<ScenarioOutput> {
  const params = probeParams({ period: a.period });
  const periodMs = a.period * 1000;
  const k = Math.min(a.faults, Math.floor(a.vnfs / 2));
  const plainId = await ctx.vnfd(params);
  const scalingId = await ctx.vnfd(params, true);
  const ips = ctx.takeIps(a.vnfs);
  const spare = ctx.takeIps(k);
  // The first k VNFs are scalable, with a spare IP each for their second instance.
  const items = ips.map((ip, i) =>
    i < k ? { vnfdId: scalingId, ips: [ip, spare[i]!] } : { vnfdId: plainId, ips: [ip] },
  );
  const capture = await Capture.start(ctx.fleet, ctx.dir, 'control');
  let up;
  const deleted = new Set<string>();
  try {
    up = await bringUp(ctx, { items, concurrency: a.concurrency, prefix: 'ctl' });
    await sleep(2 * periodMs);
    const ids = up.ids;

    // (a) deletes at random moments over one period.
    const victims = sample(
      ids.slice(k).map((id, i) => ({ id, ip: ips[k + i]! })),
      k,
    );
    const dels: { id: string; ip: string; sentAt: number; ackMs: number }[] = [];
    let t0 = Date.now();
    const offsets = victims.map(() => Math.random() * periodMs).sort((x, y) => x - y);
    for (const [i, v] of victims.entries()) {
      const wait = t0 + offsets[i]! - Date.now();
      if (wait > 0) await sleep(wait);
      const sentAt = Date.now();
      const r = await ctx.api.deleteVnf(v.id);
      deleted.add(v.id);
      dels.push({ ...v, sentAt, ackMs: r.ms });
    }
    ctx.log(`deleted ${dels.length} VNFs`);

    // (b) scale-outs at random moments over one period.
    const scaled: { id: string; ip: string; sentAt: number; ackMs: number }[] = [];
    t0 = Date.now();
    for (let i = 0; i < k; i++) {
      const wait = t0 + offsets[i]! - Date.now();
      if (wait > 0) await sleep(wait);
      const sentAt = Date.now();
      const r = await ctx.api.scaleOut(ids[i]!, SCALING_POLICY);
      scaled.push({ id: ids[i]!, ip: spare[i]!, sentAt, ackMs: r.ms });
    }
    ctx.log(`scaled out ${scaled.length} VNFs; waiting for ACTIVE and first probes`);
    const activeAt = await scaleActiveTimes(
      ctx,
      scaled.map((s) => s.id),
      120_000,
    );
    // Long enough for a late probe at a deleted IP, and for new IPs' first round.
    await sleep(3 * periodMs);
    const log = await capture.stop();

    const lastEcho = dels.map((d) => {
      const times = log.byIp.get(d.ip) ?? [];
      const last = times.length ? times[times.length - 1]! : undefined;
      const after = times.filter((t) => t > d.sentAt).length;
      return {
        ...d,
        lastEcho: last,
        echoesAfter: after,
        latencyMs: last === undefined ? undefined : Math.max(0, last - d.sentAt),
      };
    });
    const firstEcho = scaled.map((s) => {
      const first = log.byIp.get(s.ip)?.[0];
      const active = activeAt.get(s.id);
      return {
        ...s,
        activeAt: active,
        firstEcho: first,
        latencyMs: first === undefined || active === undefined ? undefined : first - active,
      };
    });
    const delLat = lastEcho.flatMap((x) => (x.latencyMs === undefined ? [] : [x.latencyMs]));
    const newLat = firstEcho.flatMap((x) => (x.latencyMs === undefined ? [] : [x.latencyMs]));
    const neverProbed = firstEcho.filter((x) => x.firstEcho === undefined).length;
    const stray = lastEcho.filter((x) => x.latencyMs !== undefined && x.latencyMs > TARGET_MS).length;
    const s = (ms: number | undefined) => fmt(ms === undefined ? undefined : ms / 1000, 2, 's');
    const delP99 = percentile(delLat, 99);
    const newP99 = percentile(newLat, 99);
    const rows: Row[] = [
      ...bringUpRows(up),
      {
        metric: `(a) DELETE → last echo request at the deleted IP, p50 / p99 over ${delLat.length}`,
        value: `${s(percentile(delLat, 50))} / ${s(delP99)} (${lastEcho.filter((x) => x.echoesAfter).length} IPs probed after the DELETE)`,
        target: 'p99 ≤ 5 s',
        met: delP99 !== undefined && delP99 <= TARGET_MS && delLat.length === dels.length,
      },
      {
        metric: `(b) scale-out ACTIVE → first echo request at the new IP, p50 / p99 over ${newLat.length}`,
        value: `${s(percentile(newLat, 50))} / ${s(newP99)}${neverProbed ? ` (${neverProbed} new IPs never probed)` : ''}`,
        target: 'p99 ≤ 5 s',
        met: newP99 !== undefined && newP99 <= TARGET_MS && !neverProbed,
      },
      {
        metric: 'API answer time of DELETE / scale-out POST, p50',
        value: `${fmt(
          percentile(
            dels.map((d) => d.ackMs),
            50,
          ),
          0,
          'ms',
        )} / ${fmt(
          percentile(
            scaled.map((d) => d.ackMs),
            50,
          ),
          0,
          'ms',
        )}`,
      },
    ];
    return {
      rows,
      notes: stray ? [`${stray} deleted IPs were still probed more than 5 s after their DELETE`] : [],
      figures: {
        ...bringUpFigures(up),
        params,
        deleteToLastEcho: {
          p50: percentile(delLat, 50),
          p99: delP99,
          max: percentile(delLat, 100),
          n: delLat.length,
        },
        activeToFirstEcho: {
          p50: percentile(newLat, 50),
          p99: newP99,
          max: percentile(newLat, 100),
          n: newLat.length,
        },
        deletes: lastEcho,
        scaleOuts: firstEcho,
      },
    };
  } finally {
    capture.kill();
    if (a.shared && up) await ctx.deleteVnfs(up.ids.filter((id) => !deleted.has(id)));
  }
}

/** Time (ms epoch) of each VNF's scale-out ACTIVE event (SCALE, ACTIVE), waiting up to `timeoutMs`. */
async function scaleActiveTimes(
  ctx: Context,
  ids: string[],
  timeoutMs: number,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const sql = await ctx.stack.sql();
  try {
    const deadline = Date.now() + timeoutMs;
    while (out.size < ids.length && Date.now() < deadline) {
      const r = await sql.query<{ resource_id: string; ts: Date }>(
        `SELECT resource_id, min("timestamp") AS ts FROM events
         WHERE resource_id = ANY($1) AND event_type = 'SCALE' AND resource_state = 'ACTIVE' GROUP BY resource_id`,
        [ids],
      );
      for (const row of r.rows) out.set(row.resource_id, row.ts.getTime());
      if (out.size < ids.length) await sleep(200);
    }
  } finally {
    await sql.end();
  }
  return out;
}
