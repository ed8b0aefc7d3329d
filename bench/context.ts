// What a scenario runs against: the fleet of VDU hosts, the stack, the API
// client with a static VIM registered for the fleet, and a Temporal observer.
// A context hands out fleet IPs, so several scenarios can share one (the
// smoke run) while the full runs give each scenario a fresh one.
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ApiClient, createMany, type BulkResult } from './api.js';
import { onCleanup } from './cleanup.js';
import { Fleet } from './fleet.js';
import { TemporalObserver } from './observe.js';
import { PgSampler } from './pg-sampler.js';
import { cpuSeconds, memory } from './proc.js';
import { Stack } from './stack.js';
import { benchVnfd, type ProbeParams } from './vnfd.js';

export type Log = (msg: string) => void;

export interface ContextOptions {
  dir: string;
  log: Log;
  fleetSize: number;
  /** Start the monitor worker now (the api scenario starts it later). */
  monitor?: boolean;
  monitorEnv?: Record<string, string>;
  cpuProfDir?: string;
  keepDb?: boolean;
  sqlitePragmas: string[];
  /** A local Temporal cluster instead of the dev server. */
  temporal?: { historyShards: number };
}

export interface CreatedFleet {
  ids: string[];
  ips: string[];
  bulk: BulkResult;
  /** ms epoch: first POST sent, every VNF ACTIVE. */
  startedAt: number;
  activeAt: number;
}

export class Context {
  stack!: Stack;
  fleet!: Fleet;
  api!: ApiClient;
  obs!: TemporalObserver;
  pg!: PgSampler;
  /** The backends of a Temporal cluster's databases (charged to Temporal). */
  temporalPg?: PgSampler;
  vimId = '';
  private nextIp = 0;
  private readonly vnfds = new Map<string, string>();
  private closers: (() => Promise<void>)[] = [];

  private constructor(readonly opts: ContextOptions) {}

  get log(): Log {
    return this.opts.log;
  }

  get dir(): string {
    return this.opts.dir;
  }

  static async open(opts: ContextOptions): Promise<Context> {
    const ctx = new Context(opts);
    mkdirSync(opts.dir, { recursive: true });
    const tag = Math.random().toString(16).slice(2, 6);
    opts.log(`fleet: ${opts.fleetSize} IPs`);
    const t0 = Date.now();
    ctx.fleet = await Fleet.create(opts.fleetSize, tag);
    ctx.closers.push(onCleanup('fleet', () => ctx.fleet.destroy()));
    opts.log(
      `fleet ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (${ctx.fleet.namespaces.length} namespaces)`,
    );
    ctx.stack = await Stack.start({
      dir: opts.dir,
      log: opts.log,
      monitor: opts.monitor,
      monitorEnv: opts.monitorEnv,
      cpuProfDir: opts.cpuProfDir,
      sqlitePragmas: opts.sqlitePragmas,
      cluster: opts.temporal,
    });
    ctx.closers.push(onCleanup('stack', () => ctx.stack.stop(opts.keepDb)));
    ctx.pg = new PgSampler(() => ctx.stack.pgBackends());
    ctx.pg.start();
    ctx.closers.push(onCleanup('pg sampler', async () => ctx.pg.stop()));
    if (ctx.stack.cluster) {
      const cluster = ctx.stack.cluster;
      ctx.temporalPg = new PgSampler(() => cluster.pgBackends());
      ctx.temporalPg.start();
      ctx.closers.push(onCleanup('temporal pg sampler', async () => ctx.temporalPg?.stop()));
    }
    ctx.obs = await TemporalObserver.connect(ctx.stack.temporalAddress);
    ctx.closers.push(onCleanup('temporal client', () => ctx.obs.close()));
    ctx.api = new ApiClient(ctx.stack.apiUrl, ctx.stack.token);
    ctx.vimId = await ctx.api.createStaticVim('bench-fleet', [ctx.fleet.hostsCidr]);
    return ctx;
  }

  /** The next `n` unused fleet IPs. */
  takeIps(n: number): string[] {
    const all = this.fleet.ips;
    if (this.nextIp + n > all.length)
      throw new Error(`the fleet has ${all.length - this.nextIp} IPs left, ${n} wanted`);
    const out = all.slice(this.nextIp, this.nextIp + n);
    this.nextIp += n;
    return out;
  }

  /** Onboards (once) the bench VNFD for these parameters. */
  async vnfd(params: ProbeParams, scaling = false): Promise<string> {
    const key = JSON.stringify({ params, scaling });
    let id = this.vnfds.get(key);
    if (!id) {
      id = await this.api.onboardVnfd(
        `bench-${this.vnfds.size}${scaling ? '-scaling' : ''}`,
        benchVnfd(params, scaling),
      );
      this.vnfds.set(key, id);
    }
    return id;
  }

  /**
   * Creates one VNF per item through the API (bounded concurrency) and waits
   * until all are ACTIVE. `ips`: VDU1's management IPs (the first is used at
   * create, the others wait for scale-out).
   */
  async createVnfs(
    items: { vnfdId: string; ips: string[] }[],
    opts: { concurrency: number; prefix: string; timeoutMs?: number },
  ): Promise<CreatedFleet> {
    const specs = items.map((it, i) => ({
      name: `${opts.prefix}-${i}`,
      vnfdId: it.vnfdId,
      vimId: this.vimId,
      ips: it.ips,
    }));
    const startedAt = Date.now();
    const bulk = await createMany(this.api, specs, opts.concurrency, (k) =>
      this.log(`  created ${k}/${specs.length}`),
    );
    this.log(`  ${specs.length} POST /v1.0/vnfs in ${bulk.seconds.toFixed(1)} s (${bulk.rate.toFixed(1)}/s)`);
    // Bring-up slows as the fleet grows (every running loop heartbeats to the same server).
    const timeoutMs = opts.timeoutMs ?? Math.max(30 * 60_000, specs.length * 300);
    const activeAt = await this.waitStatus(bulk.ids, 'ACTIVE', timeoutMs);
    this.log(`  all ${specs.length} ACTIVE after ${((activeAt - startedAt) / 1000).toFixed(1)} s`);
    return { ids: bulk.ids, ips: items.map((it) => it.ips[0]!), bulk, startedAt, activeAt };
  }

  /** Waits until every VNF of `ids` has `status`; fails on ERROR. Returns when (ms epoch). */
  async waitStatus(ids: string[], status: string, timeoutMs: number): Promise<number> {
    const sql = await this.stack.sql();
    try {
      const deadline = Date.now() + timeoutMs;
      let lastLog = 0;
      for (;;) {
        const r = await sql.query<{ status: string; n: string; reason: string | null }>(
          `SELECT status, count(*) AS n, min(error_reason) AS reason FROM vnfs WHERE id = ANY($1::uuid[]) GROUP BY status`,
          [ids],
        );
        const by = new Map(r.rows.map((x) => [x.status, Number(x.n)]));
        const err = r.rows.find((x) => x.status === 'ERROR');
        if (err) throw new Error(`${err.n} VNF(s) went to ERROR: ${err.reason}`);
        const done = by.get(status) ?? 0;
        if (done >= ids.length) return Date.now();
        if (Date.now() > deadline)
          throw new Error(`only ${done}/${ids.length} VNFs ${status} after ${timeoutMs / 1000} s`);
        if (Date.now() - lastLog >= 10_000) {
          this.log(`  ${done}/${ids.length} ${status}`);
          lastLog = Date.now();
        }
        await new Promise((res) => setTimeout(res, 1000));
      }
    } finally {
      await sql.end();
    }
  }

  /** Deletes VNFs through the API (shared contexts: the next scenario starts clean) and waits for their monitors to end. */
  async deleteVnfs(ids: string[]): Promise<void> {
    let next = 0;
    const deadline = Date.now() + 180_000;
    const worker = async () => {
      while (next < ids.length) {
        const id = ids[next++]!;
        for (;;) {
          const r = await this.api.request('DELETE', `/v1.0/vnfs/${id}`);
          if (r.status === 204 || r.status === 404) break;
          // 409: an operation (a policy action's own delete) runs on it; wait for it.
          if (r.status !== 409 || Date.now() > deadline) {
            throw new Error(`DELETE ${id}: ${r.status} ${JSON.stringify(r.body)}`);
          }
          await new Promise((res) => setTimeout(res, 1000));
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    while ((await this.obs.countMonitors()) > 0) {
      if (Date.now() > deadline)
        throw new Error('monitors still running 180 s after their VNFs were deleted');
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /** Pids of the stack's processes by name (PostgreSQL: see `pg`). */
  pids(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, svc] of this.stack.services) out[name] = svc.pid;
    Object.assign(out, this.stack.temporalPids());
    return out;
  }

  /** Starts a CPU window over the stack's processes and PostgreSQL's backends. */
  async cpuWindow(extra: Record<string, number> = {}): Promise<() => Promise<Record<string, number>>> {
    const pids = { ...this.pids(), ...extra };
    const before = cpuOf(pids);
    const pgMark = await this.pg.mark();
    const tpgMark = await this.temporalPg?.mark();
    return async () => {
      const out = cpuDelta(cpuOf(pids), before);
      out.postgres = Math.round((await this.pg.cpuSince(pgMark)) * 100) / 100;
      if (this.temporalPg && tpgMark) {
        // A cluster: `temporal` is its four services plus their PostgreSQL backends.
        const services = Object.entries(out)
          .filter(([k]) => k.startsWith('temporal-'))
          .reduce((a, [, v]) => a + v, 0);
        const tpg = await this.temporalPg.cpuSince(tpgMark);
        out['temporal-postgres'] = Math.round(tpg * 100) / 100;
        out.temporal = Math.round((services + tpg) * 100) / 100;
      }
      return out;
    };
  }

  /** Peak RSS (MiB) of every process of the stack (and `extra`), PostgreSQL as its largest backend. */
  peakRss(extra: Record<string, number> = {}): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, pid] of Object.entries({ ...this.pids(), ...extra })) {
      const m = memory(pid);
      if (m) out[k] = Math.round(m.peakMiB);
    }
    const pg = this.pg.peak();
    if (pg.backends) out[`postgres (largest of ${pg.backends} backends)`] = pg.maxMiB;
    return out;
  }

  async close(): Promise<void> {
    for (const c of this.closers.reverse()) await c();
    this.closers = [];
    // Captures and the Temporal database are large; logs stay.
    if (!this.opts.keepDb) {
      for (const f of readdirSync(this.dir)) {
        if (f.endsWith('.pcap') || f.startsWith('temporal.sqlite'))
          rmSync(join(this.dir, f), { force: true });
      }
    }
  }
}

/** CPU seconds of every process, for windows. */
function cpuOf(pids: Record<string, number>): Record<string, number | undefined> {
  return Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)]));
}

function cpuDelta(
  after: Record<string, number | undefined>,
  before: Record<string, number | undefined>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) {
    const b = before[k];
    if (v !== undefined && b !== undefined) out[k] = Math.round((v - b) * 100) / 100;
  }
  return out;
}
