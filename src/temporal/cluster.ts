// A local Temporal cluster on PostgreSQL: the real server (not the dev
// server) as four processes — frontend, history, matching, worker — all
// configured by deploy/temporal/config/vnfm.yaml, the template the compose
// deployment runs too (there as one process). Start-up: both databases
// created if missing and their schemas set up or upgraded (temporal-sql-tool,
// schema files embedded in it), the services started, then the namespace and
// vnfm's search attributes registered. `npm run temporal:cluster` runs it in
// the foreground; npm run dev, the bench and the tests start it in-process.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { StartupError } from '../fatal.js';
import { ensureTemporalServer, findTemporalServer, type TemporalServerBinaries } from './cli.js';
import { freePort, stopChild, waitForTemporal } from './dev-server.js';
import { CUSTOM_SEARCH_ATTRIBUTES } from './search-attributes.js';

/** deploy/temporal: the configuration root shared with docker-compose.yml. */
export const TEMPORAL_CONFIG_ROOT = fileURLToPath(new URL('../../deploy/temporal', import.meta.url));
/** The configuration file (env `vnfm` under <root>/config). */
export const TEMPORAL_CONFIG_ENV = 'vnfm';

/** Variables read around the cluster (besides the template's own, which the server reads). */
export const CLUSTER_ENV_VARS: Record<string, string> = {
  TEMPORAL_CLUSTER_PORT: '`npm run temporal:cluster`: frontend port (default 7233)',
  TEMPORAL_CLUSTER_DB: '`npm run temporal:cluster`: database name (default temporal; and <name>_visibility)',
  TEMPORAL_HISTORY_SHARDS: '`npm run temporal:cluster`: history shards (default 4; fixed once created)',
  TEMPORAL_LOG_LEVEL: '`npm run temporal:cluster`: server log level (default warn)',
  TEMPORAL_SERVER_PATH: 'a temporal-server binary to use instead of the pinned build',
  TEMPORAL_SQL_TOOL_PATH: 'a temporal-sql-tool binary to use instead of the pinned build',
  VNFM_TEST_TEMPORAL: 'tests: cluster runs the suite (and acceptance stacks) on local clusters',
};

export const CLUSTER_SERVICES = ['history', 'matching', 'frontend', 'worker'] as const;
export type ClusterServiceName = (typeof CLUSTER_SERVICES)[number];

/** temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD. */
const INDEXED_VALUE_TYPE_KEYWORD = 2;

export interface ClusterOptions {
  /** PostgreSQL server (any database on it; the cluster's own databases are named below). */
  databaseUrl?: string;
  /** Name of the main database; the visibility one is `<name>_visibility`. Default `temporal`. */
  dbName?: string;
  /** History shards; fixed when the database is created. Default 4. */
  historyShards?: number;
  ip?: string;
  /** Frontend gRPC port; 0 or undefined: a free one (7233 for `npm run temporal:cluster`). */
  frontendPort?: number;
  namespace?: string;
  /** Per-service Prometheus endpoints on free ports. */
  metrics?: boolean;
  /** Connections per store per service process (default 8; visibility gets half). */
  maxConns?: number;
  logLevel?: string;
  /** Build the server with Go when missing (default true). */
  install?: boolean;
  /** Forward the services' output to this process's stderr. */
  inheritOutput?: boolean;
  /** Log a service that exits while the cluster runs (default true; npm run dev reports exits itself). */
  reportExits?: boolean;
  /** Own process groups (npm run dev: Ctrl-C reaches only the parent). */
  detached?: boolean;
  /** Called with every service process as soon as it exists (also after a restart). */
  onSpawn?: (service: ClusterServiceName, child: ChildProcess) => void;
  startTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface ClusterService {
  name: ClusterServiceName;
  process: ChildProcess;
  pid: number;
  /** Prometheus /metrics URL when metrics are on. */
  metricsUrl?: string;
}

export interface TemporalCluster {
  address: string;
  namespace: string;
  databases: [string, string];
  services: Map<ClusterServiceName, ClusterService>;
  /** Stops one service (SIGTERM, its graceful shutdown) and starts it again. */
  restart(name: ClusterServiceName): Promise<ClusterService>;
  /** PostgreSQL backends connected to the cluster's databases. */
  pgBackends(): Promise<number[]>;
  stop(): Promise<void>;
  /** Drops both databases (after stop). */
  dropDatabases(): Promise<void>;
}

/** The services of a cluster: ports of each service, shared settings. */
export function clusterEnv(o: {
  db: URL;
  dbName: string;
  shards: number;
  ip: string;
  ports: Record<ClusterServiceName, [number, number]>;
  maxConns: number;
  logLevel: string;
}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    TEMPORAL_DB_HOST: o.db.hostname || '127.0.0.1',
    TEMPORAL_DB_PORT: o.db.port || '5432',
    TEMPORAL_DB_USER: decodeURIComponent(o.db.username) || 'postgres',
    TEMPORAL_DB_PASSWORD: decodeURIComponent(o.db.password),
    TEMPORAL_DB_NAME: o.dbName,
    TEMPORAL_VISIBILITY_DB_NAME: `${o.dbName}_visibility`,
    TEMPORAL_DB_MAX_CONNS: String(o.maxConns),
    TEMPORAL_VISIBILITY_DB_MAX_CONNS: String(Math.max(2, Math.ceil(o.maxConns / 2))),
    TEMPORAL_HISTORY_SHARDS: String(o.shards),
    TEMPORAL_BIND_IP: o.ip,
    TEMPORAL_DYNAMIC_CONFIG_FILE: `${TEMPORAL_CONFIG_ROOT}/dynamicconfig.yaml`,
    TEMPORAL_LOG_LEVEL: o.logLevel,
  };
  for (const s of CLUSTER_SERVICES) {
    const up = s.toUpperCase();
    env[`TEMPORAL_${up}_PORT`] = String(o.ports[s][0]);
    env[`TEMPORAL_${up}_MEMBERSHIP_PORT`] = String(o.ports[s][1]);
  }
  return env;
}

/** Creates both databases if missing and brings their schemas to this server's version. */
export async function setupSchemas(
  bins: TemporalServerBinaries,
  adminUrl: URL,
  dbName: string,
  log: (line: string) => void,
): Promise<void> {
  const c = new pg.Client({ connectionString: adminUrl.toString() });
  await c.connect();
  try {
    for (const db of [dbName, `${dbName}_visibility`]) {
      const have = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [db]);
      if (!have.rowCount) await c.query(`CREATE DATABASE "${db.replace(/"/g, '')}"`);
    }
  } finally {
    await c.end();
  }
  const common = [
    '--plugin',
    'postgres12',
    '--ep',
    adminUrl.hostname || '127.0.0.1',
    '-p',
    adminUrl.port || '5432',
    '-u',
    decodeURIComponent(adminUrl.username) || 'postgres',
  ];
  if (adminUrl.password) common.push('--pw', decodeURIComponent(adminUrl.password));
  for (const [db, schema] of [
    [dbName, 'temporal'],
    [`${dbName}_visibility`, 'visibility'],
  ] as const) {
    for (const args of [
      ['setup-schema', '-v', '0.0'],
      ['update-schema', '--schema-name', `postgresql/v12/${schema}`],
    ]) {
      const r = spawnSync(bins.sql, [...common, '--db', db, ...args], { encoding: 'utf8' });
      if (r.status !== 0) {
        throw new StartupError(
          `temporal-sql-tool ${args[0]} of ${db} failed: ${(r.stderr || r.stdout)
            .trim()
            .split('\n')
            .slice(-3)
            .map((l) => l.slice(0, 400))
            .join(' | ')}`,
        );
      }
    }
    log(`schema of ${db} (${schema}) is up to date`);
  }
}

/** Registers the namespace (if missing) and vnfm's search attributes; waits until queries by them work. */
export async function registerNamespace(
  address: string,
  namespace: string,
  log: (line: string) => void,
  timeoutMs = 120_000,
): Promise<void> {
  const conn = await Connection.connect({ address, connectTimeout: 10_000 });
  const deadline = Date.now() + timeoutMs;
  const retry = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    for (;;) {
      try {
        return await fn();
      } catch (err) {
        if (Date.now() > deadline) {
          throw new StartupError(`Temporal at ${address}: ${what} failed (${(err as Error).message})`);
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  };
  try {
    await retry(`registering namespace ${namespace}`, async () => {
      try {
        await conn.workflowService.describeNamespace({ namespace });
      } catch {
        await conn.workflowService
          .registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('7 days') })
          .catch((err: Error) => {
            if (!/already exists|AlreadyExists/i.test(err.message)) throw err;
          });
        log(`namespace ${namespace} registered`);
      }
    });
    await retry('registering the search attributes', async () => {
      const have = await conn.operatorService.listSearchAttributes({ namespace });
      const missing = CUSTOM_SEARCH_ATTRIBUTES.filter((n) => !(n in (have.customAttributes ?? {})));
      if (!missing.length) return;
      await conn.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(missing.map((n) => [n, INDEXED_VALUE_TYPE_KEYWORD])),
      });
      log(`search attributes ${missing.join(', ')} registered`);
      throw new Error('registered; checking');
    });
    // The frontend's namespace and search-attribute caches refresh every few
    // seconds: ready once a query by every attribute is accepted.
    await retry('a query by the search attributes', async () => {
      await conn.workflowService.listWorkflowExecutions({
        namespace,
        pageSize: 1,
        query: CUSTOM_SEARCH_ATTRIBUTES.map((n) => `${n} = "x"`).join(' AND '),
      });
    });
  } finally {
    await conn.close();
  }
}

/**
 * A free port below 32768: the membership table keeps ports as smallint, so
 * the kernel's ephemeral range (32768 and up) is out.
 */
async function lowFreePort(ip: string): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    const free = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, ip, () => srv.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new StartupError(`no free port between 20000 and 32000 on ${ip}`);
}

/**
 * Waits until a service process has joined the cluster: its membership row
 * (the membership port it listens on) written after `since` (ms epoch).
 */
async function waitForMember(
  admin: URL,
  dbName: string,
  membershipPort: number,
  since: number,
  timeoutMs: number,
  isDead: () => string | undefined,
): Promise<void> {
  const url = new URL(admin);
  url.pathname = `/${dbName}`;
  const c = new pg.Client({ connectionString: url.toString() });
  c.on('error', () => undefined);
  await c.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const dead = isDead();
      if (dead) throw new StartupError(dead);
      const r = await c
        .query(
          `SELECT 1 FROM cluster_membership WHERE rpc_port = $1
           AND session_start >= (to_timestamp($2::float8 / 1000) AT TIME ZONE 'UTC') LIMIT 1`,
          [membershipPort, since - 2000],
        )
        .catch(() => ({ rowCount: 0 })); // the table appears with the first service
      if (r.rowCount) return;
      if (Date.now() > deadline) {
        throw new StartupError(
          `a Temporal service (membership port ${membershipPort}) did not join the cluster in ${dbName} within ${timeoutMs / 1000} s`,
        );
      }
      await new Promise((res) => setTimeout(res, 200));
    }
  } finally {
    await c.end();
  }
}

export async function startCluster(opts: ClusterOptions = {}): Promise<TemporalCluster> {
  const log = opts.log ?? ((line: string) => console.error(line));
  const bins = opts.install === false ? findTemporalServer() : await ensureTemporalServer(log);
  if (!bins) throw new StartupError('the Temporal server is not installed: run npm run temporal:install');
  const ip = opts.ip ?? '127.0.0.1';
  const namespace = opts.namespace ?? 'default';
  const dbName = opts.dbName ?? 'temporal';
  const admin = new URL(
    opts.databaseUrl ?? process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
  );
  admin.pathname = '/postgres';
  admin.search = '';
  await setupSchemas(bins, admin, dbName, log);

  const ports = {} as Record<ClusterServiceName, [number, number]>;
  for (const s of CLUSTER_SERVICES) {
    ports[s] = [
      s === 'frontend' && opts.frontendPort ? opts.frontendPort : await lowFreePort(ip),
      await lowFreePort(ip),
    ];
  }
  const env = {
    ...process.env,
    ...clusterEnv({
      db: admin,
      dbName,
      shards: opts.historyShards ?? 4,
      ip,
      ports,
      maxConns: opts.maxConns ?? 8,
      logLevel: opts.logLevel ?? 'warn',
    }),
  };
  const address = `${ip}:${ports.frontend[0]}`;
  const services = new Map<ClusterServiceName, ClusterService>();
  const exits = new Map<ClusterServiceName, string>();
  let stopping = false;

  const spawnService = async (name: ClusterServiceName): Promise<ClusterService> => {
    const metricsPort = opts.metrics ? await freePort(ip) : undefined;
    const child = spawn(
      bins.server,
      [
        '--root',
        TEMPORAL_CONFIG_ROOT,
        '--config',
        'config',
        '--env',
        TEMPORAL_CONFIG_ENV,
        '--allow-no-auth',
        'start',
        '--service',
        name,
      ],
      {
        env: { ...env, ...(metricsPort ? { TEMPORAL_METRICS_ADDRESS: `${ip}:${metricsPort}` } : {}) },
        stdio: ['ignore', opts.inheritOutput ? 'inherit' : 'pipe', opts.inheritOutput ? 'inherit' : 'pipe'],
        detached: opts.detached ?? false,
      },
    );
    opts.onSpawn?.(name, child);
    let tail = '';
    const keep = (b: Buffer) => {
      tail = (tail + b.toString()).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.once('exit', (code, sig) => {
      const why = `temporal ${name} exited (${sig ?? code}): ${
        tail
          .trim()
          .split('\n')
          .slice(-3)
          .map((l) => l.slice(0, 400))
          .join(' | ') || 'no output'
      }`;
      exits.set(name, why);
      if (!stopping && opts.reportExits !== false && services.get(name)?.process === child) log(`!! ${why}`);
    });
    exits.delete(name);
    const svc: ClusterService = {
      name,
      process: child,
      pid: child.pid!,
      metricsUrl: metricsPort ? `http://${ip}:${metricsPort}/metrics` : undefined,
    };
    services.set(name, svc);
    return svc;
  };

  const startAndJoin = async (name: ClusterServiceName, isDead: () => string | undefined) => {
    const since = Date.now();
    const svc = await spawnService(name);
    await waitForMember(admin, dbName, ports[name][1], since, opts.startTimeoutMs ?? 120_000, isDead);
    return svc;
  };

  const stopAll = async () => {
    stopping = true;
    // Clients first (frontend), the shard owner last.
    for (const name of ['frontend', 'worker', 'matching', 'history'] as const) {
      const s = services.get(name);
      if (s) await stopChild(s.process, 15_000);
    }
  };

  try {
    const firstExit = () => (exits.size ? [...exits.values()][0] : undefined);
    // One at a time, each once the previous one has joined: services that
    // start side by side race to initialise or update the cluster's metadata
    // in the database, and the losers exit.
    for (const s of CLUSTER_SERVICES) await startAndJoin(s, firstExit);
    await waitForTemporal(address, opts.startTimeoutMs ?? 120_000, firstExit);
    await registerNamespace(address, namespace, log, opts.startTimeoutMs ?? 120_000);
  } catch (err) {
    await stopAll();
    throw err;
  }
  log(
    `Temporal cluster at ${address}: ${CLUSTER_SERVICES.map((s) => `${s} pid ${services.get(s)!.pid}`).join(', ')}; databases ${dbName}, ${dbName}_visibility`,
  );

  const adminUrl = admin.toString();
  return {
    address,
    namespace,
    databases: [dbName, `${dbName}_visibility`],
    services,
    async restart(name) {
      const old = services.get(name);
      if (old) {
        services.delete(name); // an exit we asked for: not reported
        await stopChild(old.process, 30_000);
      }
      const svc = await startAndJoin(name, () => exits.get(name));
      if (name === 'frontend') await waitForTemporal(address, 60_000, () => exits.get(name));
      return svc;
    },
    async pgBackends() {
      const c = new pg.Client({ connectionString: adminUrl });
      c.on('error', () => undefined);
      await c.connect();
      try {
        const r = await c.query<{ pid: number }>(
          'SELECT pid FROM pg_stat_activity WHERE datname = ANY($1::text[])',
          [[dbName, `${dbName}_visibility`]],
        );
        return r.rows.map((x) => x.pid);
      } finally {
        await c.end();
      }
    },
    stop: stopAll,
    async dropDatabases() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        for (const db of [dbName, `${dbName}_visibility`])
          await c.query(`DROP DATABASE IF EXISTS "${db.replace(/"/g, '')}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
