// The real stack as separate processes, started the way production starts
// them: a Temporal dev server (SQLite file, Prometheus metrics), a PostgreSQL
// database of its own (created on DATABASE_URL's server, migrated, dropped
// afterwards), and the api, monitor and conductor entries run by Node with
// tsx (`node --import tsx src/api/main.ts` is `tsx src/api/main.ts` without
// the wrapper process, so the pid we measure is the service itself).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Connection } from '@temporalio/client';
import { createApiToken } from '../src/auth/tokens.js';
import { createDb } from '../src/db/client.js';
import { applyMigrations } from '../src/db/migrate.js';
import { startCluster, type TemporalCluster } from '../src/temporal/cluster.js';
import { freePort, startDevServer, stopChild, type DevServer } from '../src/temporal/dev-server.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

export type ServiceName = 'api' | 'monitor' | 'conductor';

/** Entries, and the task queue whose workflow pollers show that a worker runs (the api answers /healthz). */
const ENTRIES: Record<ServiceName, { entry: string; queue?: string }> = {
  api: { entry: 'src/api/main.ts' },
  monitor: { entry: 'src/worker/monitor.ts', queue: 'vnfm-monitor' },
  conductor: { entry: 'src/conductor/main.ts', queue: 'vnfm-conductor' },
};

export interface Service {
  name: ServiceName;
  child: ChildProcess;
  pid: number;
  logFile: string;
}

export interface StackOptions {
  /** Run directory: logs, the Temporal database, captures. */
  dir: string;
  /** Extra environment of the monitor worker (VNFM_PING_ENGINE, …). */
  monitorEnv?: Record<string, string>;
  /** Start the monitor worker with the rest (default true). */
  monitor?: boolean;
  /** node --cpu-prof for the monitor worker, profiles written to this directory on exit. */
  cpuProfDir?: string;
  /** SQLite pragmas of the Temporal dev server's db file. */
  sqlitePragmas: string[];
  /** A local Temporal cluster (the real server, four services on PostgreSQL) instead of the dev server. */
  cluster?: { historyShards: number };
  log: (msg: string) => void;
}

export class Stack {
  readonly services = new Map<ServiceName, Service>();
  temporal?: DevServer;
  cluster?: TemporalCluster;
  temporalAddress = '';
  temporalMetricsUrl = '';
  apiUrl = '';
  monitorMetricsUrl = '';
  token = '';
  dbUrl = '';
  private adminUrl = '';
  private dbName = '';
  private env: NodeJS.ProcessEnv = {};

  private constructor(readonly opts: StackOptions) {}

  static async start(opts: StackOptions): Promise<Stack> {
    const s = new Stack(opts);
    try {
      await s.boot();
    } catch (err) {
      await s.stop();
      throw err;
    }
    return s;
  }

  private async boot(): Promise<void> {
    const { log, dir } = this.opts;
    const base = process.env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/postgres';
    this.dbName = `vnfm_bench_${Date.now()}_${randomBytes(3).toString('hex')}`;
    const admin = new URL(base);
    admin.pathname = '/postgres';
    this.adminUrl = admin.toString();
    const c = new pg.Client({ connectionString: this.adminUrl });
    await c.connect();
    await c.query(`CREATE DATABASE "${this.dbName}"`);
    await c.end();
    const url = new URL(base);
    url.pathname = `/${this.dbName}`;
    this.dbUrl = url.toString();
    await applyMigrations(this.dbUrl);
    log(`database ${this.dbName} created and migrated`);

    if (this.opts.cluster) {
      this.cluster = await startCluster({
        dbName: this.dbName.replace(/^vnfm_bench_/, 'temporal_bench_'),
        historyShards: this.opts.cluster.historyShards,
        metrics: true,
        maxConns: 16,
        log,
      });
      this.temporalAddress = this.cluster.address;
      this.temporalMetricsUrl = this.cluster.services.get('frontend')!.metricsUrl!;
    } else {
      const metricsPort = await freePort();
      this.temporal = await startDevServer({
        dbFile: join(dir, 'temporal.sqlite'),
        metricsPort,
        sqlitePragmas: this.opts.sqlitePragmas,
        startTimeoutMs: 120_000,
      });
      this.temporalAddress = this.temporal.address;
      this.temporalMetricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
      log(`temporal dev server at ${this.temporal.address} (pid ${this.temporal.process.pid})`);
    }

    const apiPort = await freePort();
    const monitorPort = await freePort();
    this.apiUrl = `http://127.0.0.1:${apiPort}`;
    this.monitorMetricsUrl = `http://127.0.0.1:${monitorPort}/metrics`;
    this.env = {
      ...process.env,
      DATABASE_URL: this.dbUrl,
      TEMPORAL_ADDRESS: this.temporalAddress,
      TEMPORAL_NAMESPACE: 'default',
      VNFM_API_HOST: '127.0.0.1',
      VNFM_API_PORT: String(apiPort),
      VNFM_MONITOR_METRICS_PORT: String(monitorPort),
      VNFM_CONDUCTOR_METRICS_PORT: String(await freePort()),
      VNFM_LOG_LEVEL: process.env.VNFM_LOG_LEVEL ?? 'info',
    };
    await Promise.all([
      this.startService('conductor'),
      this.startService('api'),
      ...(this.opts.monitor !== false ? [this.startService('monitor')] : []),
    ]);

    const db = createDb(this.dbUrl, { max: 1 });
    try {
      this.token = (await createApiToken(db, { tenant: 'bench', admin: true, name: 'bench' })).token;
    } finally {
      await db.$disconnect();
    }
  }

  /** Starts a service and waits until it serves: /healthz for the api, a workflow poller with its pid for workers. */
  async startService(name: ServiceName): Promise<Service> {
    const { entry, queue } = ENTRIES[name];
    const logFile = join(this.opts.dir, `${name}.log`);
    const out = createWriteStream(logFile, { flags: 'a' });
    const nodeArgs = ['--import', 'tsx'];
    if (name === 'monitor' && this.opts.cpuProfDir)
      nodeArgs.push('--cpu-prof', '--cpu-prof-dir', this.opts.cpuProfDir);
    const env = { ...this.env, ...(name === 'monitor' ? this.opts.monitorEnv : {}) };
    const child = spawn(process.execPath, [...nodeArgs, entry], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const svc: Service = { name, child, pid: child.pid!, logFile };
    this.services.set(name, svc);
    let tail = '';
    const keep = (b: Buffer) => {
      out.write(b);
      tail = (tail + b.toString()).slice(-2000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    let exited = false;
    child.once('exit', (code, sig) => {
      exited = true;
      if (this.services.get(name) === svc && !this.stopping) {
        this.opts.log(`!! ${name} exited (${sig ?? code}): ${tail.trim().split('\n').slice(-2).join(' | ')}`);
      }
    });
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (exited)
        throw new Error(`${name} exited during start: ${tail.trim().split('\n').slice(-3).join(' | ')}`);
      if (queue ? await this.hasPoller(queue, svc.pid) : await this.apiHealthy()) break;
      if (Date.now() > deadline) throw new Error(`${name} did not start within 120 s (see ${logFile})`);
      await new Promise((r) => setTimeout(r, 250));
    }
    this.opts.log(`${name} running (pid ${svc.pid})`);
    return svc;
  }

  private async apiHealthy(): Promise<boolean> {
    return fetch(`${this.apiUrl}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
  }

  private conn?: Connection;

  private async hasPoller(queue: string, pid: number): Promise<boolean> {
    this.conn ??= await Connection.connect({ address: this.temporalAddress });
    const r = await this.conn.workflowService.describeTaskQueue({
      namespace: 'default',
      taskQueue: { name: queue, kind: 1 }, // TASK_QUEUE_KIND_NORMAL
      taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
    });
    // Conductor identities are pid@host; monitor identities monitor-host-pid-….
    return (r.pollers ?? []).some((p) => new RegExp(`(^|\\D)${pid}(\\D|$)`).test(p.identity ?? ''));
  }

  private stopping = false;

  /** SIGTERM (clean shutdown: loops hand back their counters, profiles get written), then SIGKILL. */
  async stopService(name: ServiceName, graceMs = 30_000): Promise<void> {
    const svc = this.services.get(name);
    if (!svc) return;
    this.services.delete(name);
    await stopChild(svc.child, graceMs);
  }

  /** Temporal's processes: `temporal` (the dev server), or `temporal-<service>` for a cluster. */
  temporalPids(): Record<string, number> {
    if (this.cluster)
      return Object.fromEntries([...this.cluster.services].map(([name, s]) => [`temporal-${name}`, s.pid]));
    return this.temporal?.process.pid ? { temporal: this.temporal.process.pid } : {};
  }

  pid(name: ServiceName): number | undefined {
    return this.services.get(name)?.pid;
  }

  /** PostgreSQL backends serving this stack's database. */
  async pgBackends(): Promise<number[]> {
    const c = new pg.Client({ connectionString: this.adminUrl });
    c.on('error', () => undefined);
    await c.connect();
    try {
      const r = await c.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [
        this.dbName,
      ]);
      return r.rows.map((x) => x.pid);
    } finally {
      await c.end();
    }
  }

  /** A client of this stack's database, for the bench's own observations (events, statuses). */
  async sql(): Promise<pg.Client> {
    const c = new pg.Client({ connectionString: this.dbUrl });
    // The database is dropped at teardown, possibly under a waiting query: never crash on that.
    c.on('error', () => undefined);
    await c.connect();
    return c;
  }

  async stop(keepDb = false): Promise<void> {
    this.stopping = true;
    for (const name of ['api', 'monitor', 'conductor'] as const)
      await this.stopService(name, 15_000).catch(() => undefined);
    await this.conn?.close().catch(() => undefined);
    await this.temporal?.stop().catch(() => undefined);
    await this.cluster?.stop().catch(() => undefined);
    if (this.cluster && !keepDb) await this.cluster.dropDatabases().catch(() => undefined);
    if (this.dbName && !keepDb) {
      const c = new pg.Client({ connectionString: this.adminUrl });
      try {
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS "${this.dbName}" WITH (FORCE)`);
      } catch {
        // best effort
      } finally {
        await c.end().catch(() => undefined);
      }
    }
  }
}
