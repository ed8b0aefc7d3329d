// The whole product as an operator runs it, for one acceptance test file:
// a Temporal dev server of the file's own with a database file (so it can be
// killed and started again on the same history), a PostgreSQL database of
// the file's own (on DATABASE_URL's server, or on a PostgreSQL server the file
// starts itself when it must be stopped), migrated with src/db/migrate.ts,
// and the api, monitor and conductor entries as child processes configured
// by environment variables only (src/config.ts). Each process can be killed
// with SIGKILL, stopped cleanly and started again; several replicas of one
// kind run side by side (api2, conductor2).
//
// The services run as `node --import tsx <entry>`: that is `tsx <entry>`
// without tsx's wrapper process, so a SIGKILL reaches the service itself.
//
// Why not bench/stack.ts: its task queues are fixed (files run in parallel
// here), it has no replicas, no Temporal restart and no PostgreSQL of its own.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { Client, Connection } from '@temporalio/client';
import { applyMigrations } from '../../src/db/migrate.js';
import { startCluster, type TemporalCluster } from '../../src/temporal/cluster.js';
import { freePort, startDevServer, type DevServer } from '../../src/temporal/dev-server.js';
import { httpClient, type HttpClient } from '../helpers/api.js';

const exec = promisify(execFile);
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN_VNFM = join(ROOT, 'bin/vnfm.js');

export type ServiceKind = 'api' | 'monitor' | 'conductor';

const ENTRY: Record<ServiceKind, string> = {
  api: 'src/api/main.ts',
  monitor: 'src/worker/monitor.ts',
  conductor: 'src/conductor/main.ts',
};

/** What a worker logs once it polls (pino JSON, `msg`). */
const RUNNING: Record<Exclude<ServiceKind, 'api'>, string> = {
  monitor: '"msg":"monitor worker running"',
  conductor: '"msg":"conductor worker running"',
};

const START_TIMEOUT_MS = 120_000;

export interface Service {
  name: string;
  kind: ServiceKind;
  pid: number;
  child: ChildProcess;
  /** HTTP base URL (api only). */
  url?: string;
  exited: Promise<void>;
  /** The last 30k characters the process wrote. */
  tail(): string;
}

export interface StackOptions {
  /** Short name: task queues, directories and messages carry it. */
  name: string;
  /** 'shared': a database on DATABASE_URL's server; 'own': a PostgreSQL server of this stack (stoppable). */
  postgres?: 'shared' | 'own';
  /** Services to start, e.g. ['conductor', 'monitor', 'api'] (names: kind, or kind + digit for replicas). */
  services?: string[];
  /** Environment for every service (after the stack's own). */
  env?: Record<string, string>;
  /**
   * 'dev': a Temporal dev server of this stack (SQLite file); 'cluster': a
   * local Temporal cluster of this stack (the real server, four services,
   * databases of its own on the shared PostgreSQL). Default: 'cluster' when
   * VNFM_TEST_TEMPORAL=cluster, else 'dev'.
   */
  temporal?: 'dev' | 'cluster';
}

// Every stack alive in this process: children are SIGKILLed and PostgreSQL
// stopped even when the test process exits without running afterAll.
const live = new Set<Stack>();
let exitHandlerInstalled = false;
function installExitHandler(): void {
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  process.once('exit', () => {
    for (const s of live) s.killAllSync();
  });
}

function kindOf(name: string): ServiceKind {
  const kind = name.replace(/\d+$/, '');
  if (kind !== 'api' && kind !== 'monitor' && kind !== 'conductor')
    throw new Error(`unknown service ${name}`);
  return kind;
}

const tailOf = (text: string, lines = 15) => text.trim().split('\n').slice(-lines).join('\n');

export class Stack {
  readonly services = new Map<string, Service>();
  readonly dir: string;
  temporal?: DevServer;
  /** The Temporal cluster, when this stack runs one (StackOptions.temporal). */
  cluster?: TemporalCluster;
  private clusterDb = '';
  temporalAddress = '';
  private temporalPort = 0;
  /** Observation client (workflow list/describe/query). */
  client!: Client;
  dbUrl = '';
  /** Admin token, created with `vnfm token create --admin`. */
  token = '';
  tenantId = '';
  readonly monitorQueue: string;
  readonly conductorQueue: string;
  private env: NodeJS.ProcessEnv = {};
  private adminUrl = '';
  private dbName = '';
  private pgDir = '';
  private pgBin = '';
  private pgPort = 0;
  private logs: WriteStream[] = [];
  private closed = false;
  /** Set when a test failed: the run directory (logs) is kept. */
  failed = false;

  private constructor(
    readonly opts: StackOptions,
    dir: string,
  ) {
    this.dir = dir;
    const suffix = `${opts.name}-${randomBytes(3).toString('hex')}`;
    this.monitorQueue = `vnfm-monitor-acc-${suffix}`;
    this.conductorQueue = `vnfm-conductor-acc-${suffix}`;
  }

  static async start(opts: StackOptions): Promise<Stack> {
    const dir = await mkdtemp(join(tmpdir(), `vnfm-acceptance-${opts.name}-`));
    const s = new Stack(opts, dir);
    live.add(s);
    installExitHandler();
    try {
      await s.boot();
    } catch (err) {
      s.failed = true;
      await s.close();
      throw err;
    }
    return s;
  }

  private async boot(): Promise<void> {
    if (this.opts.postgres === 'own') await this.initPostgres();
    else await this.createSharedDatabase();
    await applyMigrations(this.dbUrl);

    this.temporalPort = await freePort();
    await this.startTemporal();
    this.client = new Client({ connection: await Connection.connect({ address: this.temporalAddress }) });

    this.env = {
      ...process.env,
      DATABASE_URL: this.dbUrl,
      TEMPORAL_ADDRESS: this.temporalAddress,
      TEMPORAL_NAMESPACE: 'default',
      VNFM_TASK_QUEUE_MONITOR: this.monitorQueue,
      VNFM_TASK_QUEUE_CONDUCTOR: this.conductorQueue,
      VNFM_API_HOST: '127.0.0.1',
      VNFM_MONITOR_METRICS_PORT: '0',
      VNFM_CONDUCTOR_METRICS_PORT: '0',
      // A killed monitor worker's probe loops are noticed within seconds.
      VNFM_MONITOR_HEARTBEAT_TIMEOUT: '5',
      // A create an API crash orphaned is picked up within seconds, not a minute.
      VNFM_CONDUCTOR_RECONCILE_INTERVAL: '2',
      VNFM_CONDUCTOR_PENDING_CREATE_GRACE: '5',
      VNFM_LOG_LEVEL: 'info',
      ...this.opts.env,
    };
    const wanted = this.opts.services ?? ['conductor', 'monitor', 'api'];
    await Promise.all(wanted.map((name) => this.start(name)));

    const created = await this.cli([
      '--json',
      'token',
      'create',
      '--tenant',
      `acceptance-${this.opts.name}`,
      '--admin',
    ]);
    const t = JSON.parse(created.stdout) as { token: string; tenant_id: string };
    this.token = t.token;
    this.tenantId = t.tenant_id;
  }

  // ---- PostgreSQL -------------------------------------------------------------

  private async createSharedDatabase(): Promise<void> {
    const base =
      process.env.VNFM_TEST_DATABASE_URL ??
      process.env.DATABASE_URL ??
      'postgresql://postgres@127.0.0.1:5432/postgres';
    const admin = new URL(base);
    admin.pathname = '/postgres';
    this.adminUrl = admin.toString();
    this.dbName = `vnfm_acceptance_${this.opts.name.replace(/\W/g, '_')}_${Date.now()}_${randomBytes(3).toString('hex')}`;
    await this.adminQuery(`CREATE DATABASE "${this.dbName}"`);
    const url = new URL(base);
    url.pathname = `/${this.dbName}`;
    this.dbUrl = url.toString();
  }

  private async adminQuery(sql: string): Promise<void> {
    const c = new pg.Client({ connectionString: this.adminUrl });
    c.on('error', () => undefined);
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end().catch(() => undefined);
    }
  }

  /** A PostgreSQL server of this stack's own (initdb in the run directory, owned by the postgres user). */
  private async initPostgres(): Promise<void> {
    this.pgBin = await postgresBinDir();
    this.pgDir = join(this.dir, 'pg');
    await mkdir(this.pgDir, { recursive: true });
    const { uid, gid } = await postgresUser();
    await chown(this.dir, uid, gid);
    await chown(this.pgDir, uid, gid);
    await this.asPostgres(join(this.pgBin, 'initdb'), [
      '-D',
      join(this.pgDir, 'data'),
      '--auth=trust',
      '--username=postgres',
      '-E',
      'UTF8',
      '--no-sync',
    ]);
    this.pgPort = await freePort();
    await this.startPostgres();
    this.adminUrl = `postgresql://postgres@127.0.0.1:${this.pgPort}/postgres`;
    this.dbName = 'vnfm';
    await this.adminQuery('CREATE DATABASE vnfm');
    this.dbUrl = `postgresql://postgres@127.0.0.1:${this.pgPort}/vnfm`;
  }

  private asPostgres(file: string, args: string[]) {
    // initdb and postgres refuse to run as root.
    return exec('runuser', ['-u', 'postgres', '--', file, ...args], { cwd: this.pgDir, timeout: 120_000 });
  }

  /** Starts this stack's own PostgreSQL server (pg_ctl start -w). */
  async startPostgres(): Promise<void> {
    const opts = `-p ${this.pgPort} -c listen_addresses=127.0.0.1 -k ${this.pgDir} -c fsync=off -c max_connections=200`;
    await this.asPostgres(join(this.pgBin, 'pg_ctl'), [
      '-D',
      join(this.pgDir, 'data'),
      '-l',
      join(this.pgDir, 'server.log'),
      '-o',
      opts,
      '-w',
      '-t',
      '60',
      'start',
    ]);
  }

  /** Stops this stack's own PostgreSQL server (fast shutdown: clients are disconnected). */
  async stopPostgres(): Promise<void> {
    if (!this.pgDir)
      throw new Error('this stack uses the shared PostgreSQL server, which must not be stopped');
    await this.asPostgres(join(this.pgBin, 'pg_ctl'), [
      '-D',
      join(this.pgDir, 'data'),
      '-m',
      'fast',
      '-w',
      'stop',
    ]);
  }

  // ---- Temporal ---------------------------------------------------------------

  get temporalMode(): 'dev' | 'cluster' {
    return this.opts.temporal ?? (process.env.VNFM_TEST_TEMPORAL === 'cluster' ? 'cluster' : 'dev');
  }

  private async startTemporal(): Promise<void> {
    if (this.temporalMode === 'cluster') {
      this.clusterDb ||= `temporal_acc_${this.opts.name.replace(/\W/g, '_')}_${Date.now()}_${randomBytes(3).toString('hex')}`;
      this.cluster = await startCluster({
        databaseUrl: process.env.VNFM_TEST_DATABASE_URL ?? process.env.DATABASE_URL,
        dbName: this.clusterDb,
        frontendPort: this.temporalPort,
        install: false,
        maxConns: 4,
        log: () => undefined,
      });
      this.temporalAddress = this.cluster.address;
      return;
    }
    this.temporal = await startDevServer({
      port: this.temporalPort,
      dbFile: join(this.dir, 'temporal.sqlite'),
      startTimeoutMs: 120_000,
      log: () => undefined,
    });
    this.temporalAddress = this.temporal.address;
  }

  /** SIGSTOP the Temporal dev server: it accepts connections and answers nothing (restartTemporal ends it). */
  freezeTemporal(): void {
    for (const p of this.temporalProcesses()) p.kill('SIGSTOP');
  }

  private temporalProcesses(): ChildProcess[] {
    if (this.cluster) return [...this.cluster.services.values()].map((s) => s.process);
    return this.temporal ? [this.temporal.process] : [];
  }

  /** kill -9 the Temporal dev server (even a frozen one) and start it again on the same port and database file. */
  async restartTemporal(): Promise<void> {
    await Promise.all(
      this.temporalProcesses().map((child) => {
        const gone = new Promise<void>((resolve) =>
          child.exitCode !== null || child.signalCode !== null
            ? resolve()
            : child.once('exit', () => resolve()),
        );
        child.kill('SIGKILL');
        return gone;
      }),
    );
    await this.startTemporal();
  }

  // ---- services -----------------------------------------------------------------

  /**
   * Starts a service (api, monitor, conductor, or a replica such as api2) and waits until it serves.
   * `extraEnv` is added to the stack's environment for this start only (a setting of one process).
   */
  async start(name: string, extraEnv: Record<string, string> = {}): Promise<Service> {
    if (this.services.has(name)) throw new Error(`${name} is already running`);
    const kind = kindOf(name);
    const env: NodeJS.ProcessEnv = { ...this.env, ...extraEnv };
    let url: string | undefined;
    if (kind === 'api') {
      const existing = this.apiPorts.get(name);
      const port = existing ?? (await freePort());
      this.apiPorts.set(name, port);
      env.VNFM_API_PORT = String(port);
      url = `http://127.0.0.1:${port}`;
    }
    const log = createWriteStream(join(this.dir, `${name}.log`), { flags: 'a' });
    this.logs.push(log);
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY[kind]], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const keep = (b: Buffer) => {
      log.write(b);
      out = (out + b.toString()).slice(-30_000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    let exitedWith: string | undefined;
    const exited = new Promise<void>((resolve) =>
      child.once('exit', (code, sig) => {
        exitedWith = `${sig ?? code}`;
        resolve();
      }),
    );
    const svc: Service = { name, kind, pid: child.pid!, child, url, exited, tail: () => out };
    this.services.set(name, svc);
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (exitedWith !== undefined) {
        this.services.delete(name);
        throw new Error(`${name} (${ENTRY[kind]}) exited during start (${exitedWith}):\n${tailOf(out)}`);
      }
      if (kind === 'api' ? await healthy(url!) : out.includes(RUNNING[kind])) break;
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        this.services.delete(name);
        throw new Error(
          `${name} (${ENTRY[kind]}) did not start within ${START_TIMEOUT_MS / 1000} s:\n${tailOf(out)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return svc;
  }

  private readonly apiPorts = new Map<string, number>();

  service(name: string): Service {
    const s = this.services.get(name);
    if (!s) throw new Error(`${name} is not running`);
    return s;
  }

  /** kill -9, and wait until the process is gone. */
  async kill(name: string): Promise<void> {
    const s = this.service(name);
    this.services.delete(name);
    s.child.kill('SIGKILL');
    await s.exited;
  }

  /** SIGTERM (the service's clean shutdown), SIGKILL after 20 s. */
  async stop(name: string): Promise<void> {
    const s = this.services.get(name);
    if (!s) return;
    this.services.delete(name);
    const t = setTimeout(() => s.child.kill('SIGKILL'), 20_000);
    s.child.kill('SIGTERM');
    await s.exited;
    clearTimeout(t);
  }

  async restart(
    name: string,
    how: 'kill' | 'stop' = 'kill',
    env: Record<string, string> = {},
  ): Promise<Service> {
    await (how === 'kill' ? this.kill(name) : this.stop(name));
    return this.start(name, env);
  }

  /** The API's base URL (same port across restarts of that API). */
  apiUrl(name = 'api'): string {
    const port = this.apiPorts.get(name);
    if (!port) throw new Error(`${name} was never started`);
    return `http://127.0.0.1:${port}`;
  }

  /** An HTTP client of an API process with the admin token. */
  http(name = 'api'): HttpClient {
    return httpClient(this.apiUrl(name), this.token);
  }

  /** The last lines every service wrote: for failure messages. */
  logTails(lines = 8): string {
    return [...this.services.values()]
      .map((s) => `--- ${s.name} (pid ${s.pid}):\n${tailOf(s.tail(), lines)}`)
      .join('\n');
  }

  // ---- the operator's command lines ------------------------------------------------

  /** Runs the real `vnfm` CLI against this stack. Never throws on a non-zero exit: the code is returned. */
  async cli(
    args: string[],
    opts: { timeoutMs?: number } = {},
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    const env = {
      ...this.env,
      VNFM_API_URL: this.apiPorts.has('api') ? this.apiUrl('api') : 'http://127.0.0.1:9',
      VNFM_TOKEN: this.token,
      VNFM_LOG_LEVEL: 'warn',
    };
    return new Promise((resolve, reject) => {
      execFile(
        process.execPath,
        [BIN_VNFM, ...args],
        { cwd: ROOT, env, timeout: opts.timeoutMs ?? 90_000 },
        (err, stdout, stderr) => {
          if (err && typeof (err as { code?: unknown }).code !== 'number') {
            reject(new Error(`vnfm ${args.join(' ')}: ${err.message}\n${stderr}`));
            return;
          }
          resolve({ code: err ? Number((err as { code: number }).code) : 0, stdout, stderr });
        },
      );
    });
  }

  /** `vnfm …` that must succeed: its JSON output. */
  async cliJson<T = unknown>(args: string[]): Promise<T> {
    const r = await this.cli(['--json', ...args]);
    if (r.code !== 0)
      throw new Error(`vnfm ${args.join(' ')} exited ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
    return JSON.parse(r.stdout) as T;
  }

  // ---- observation ------------------------------------------------------------

  /** A read-only look at the database (counts and rows for the checks). */
  async sql<T extends pg.QueryResultRow = Record<string, unknown>>(
    text: string,
    values: unknown[] = [],
  ): Promise<T[]> {
    const c = new pg.Client({ connectionString: this.dbUrl, connectionTimeoutMillis: 5000 });
    c.on('error', () => undefined);
    await c.connect();
    try {
      return (await c.query<T>(text, values)).rows;
    } finally {
      await c.end().catch(() => undefined);
    }
  }

  // ---- teardown -------------------------------------------------------------------

  /**
   * The test process is exiting without close() (interrupted, crashed): kill
   * every child now, and leave the slow part — stopping our PostgreSQL
   * server, dropping our database, removing the run directory — to detached
   * helpers that outlive us.
   */
  killAllSync(): void {
    if (this.closed) return;
    for (const s of this.services.values()) s.child.kill('SIGKILL');
    for (const p of this.temporalProcesses()) p.kill('SIGKILL');
    const q = (x: string) => `'${x.replace(/'/g, `'\\''`)}'`;
    const later: string[] = [];
    if (this.pgDir) {
      later.push(
        `runuser -u postgres -- ${q(join(this.pgBin, 'pg_ctl'))} -D ${q(join(this.pgDir, 'data'))} -m immediate -w stop`,
      );
    } else if (this.dbName) {
      const drop = `const pg = require('pg'); const c = new pg.Client({ connectionString: ${JSON.stringify(this.adminUrl)} });
        c.connect().then(() => c.query('DROP DATABASE IF EXISTS "${this.dbName}" WITH (FORCE)')).catch(() => {}).finally(() => c.end());`;
      spawn(process.execPath, ['-e', drop], { cwd: ROOT, stdio: 'ignore', detached: true }).unref();
    }
    if (this.clusterDb) {
      const dbs = [this.clusterDb, `${this.clusterDb}_visibility`];
      const admin = new URL(
        process.env.VNFM_TEST_DATABASE_URL ??
          process.env.DATABASE_URL ??
          'postgresql://postgres@127.0.0.1:5432/postgres',
      );
      admin.pathname = '/postgres';
      const drop = `const pg = require('pg'); const c = new pg.Client({ connectionString: ${JSON.stringify(admin.toString())} });
        c.connect().then(async () => { for (const d of ${JSON.stringify(dbs)}) await c.query('DROP DATABASE IF EXISTS "' + d + '" WITH (FORCE)'); }).catch(() => {}).finally(() => c.end());`;
      spawn(process.execPath, ['-e', drop], { cwd: ROOT, stdio: 'ignore', detached: true }).unref();
    }
    if (!process.env.ACCEPTANCE_KEEP_LOGS) later.push(`rm -rf ${q(this.dir)}`);
    if (later.length) spawn('sh', ['-c', later.join('; ')], { stdio: 'ignore', detached: true }).unref();
  }

  async close(): Promise<void> {
    await Promise.all([...this.services.keys()].map((n) => this.stop(n).catch(() => undefined)));
    await this.client?.connection.close().catch(() => undefined);
    await this.temporal?.stop().catch(() => undefined);
    if (this.cluster) {
      await this.cluster.stop().catch(() => undefined);
      await this.cluster.dropDatabases().catch(() => undefined);
    }
    if (this.pgDir) {
      await this.asPostgres(join(this.pgBin, 'pg_ctl'), [
        '-D',
        join(this.pgDir, 'data'),
        '-m',
        'immediate',
        'stop',
      ]).catch(() => undefined);
    } else if (this.dbName) {
      await this.adminQuery(`DROP DATABASE IF EXISTS "${this.dbName}" WITH (FORCE)`).catch(() => undefined);
    }
    for (const l of this.logs) l.end();
    live.delete(this);
    this.closed = true;
    if (this.failed || process.env.ACCEPTANCE_KEEP_LOGS) {
      console.warn(`acceptance ${this.opts.name}: logs kept in ${this.dir}`);
      await rm(join(this.dir, 'pg', 'data'), { recursive: true, force: true }).catch(() => undefined);
    } else {
      await rm(this.dir, { recursive: true, force: true }).catch(() => undefined);
    }
  }
}

async function healthy(url: string): Promise<boolean> {
  try {
    const r = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
    await r.text();
    return r.ok;
  } catch {
    return false;
  }
}

/** /usr/lib/postgresql/<newest>/bin, where Debian puts initdb, pg_ctl and postgres. */
export async function postgresBinDir(): Promise<string> {
  const { readdir } = await import('node:fs/promises');
  const versions = (await readdir('/usr/lib/postgresql').catch(() => [] as string[]))
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  if (!versions.length) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql/*/bin');
  return `/usr/lib/postgresql/${versions[0]}/bin`;
}

async function postgresUser(): Promise<{ uid: number; gid: number }> {
  const uid = Number((await exec('id', ['-u', 'postgres'])).stdout.trim());
  const gid = Number((await exec('id', ['-g', 'postgres'])).stdout.trim());
  return { uid, gid };
}

/** Why a stack with its own PostgreSQL server cannot run here, or undefined. */
export async function ownPostgresUnavailable(): Promise<string | undefined> {
  try {
    await postgresBinDir();
  } catch (err) {
    return (err as Error).message;
  }
  if (process.getuid?.() !== 0) return 'not root: cannot run initdb/pg_ctl as the postgres user';
  try {
    await postgresUser();
  } catch {
    return 'no postgres system user to run initdb/pg_ctl as';
  }
  return undefined;
}
