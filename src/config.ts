// Process configuration, from environment variables only. Every setting has a
// default that works for `npm run dev`; invalid values stop the process at
// start with one line naming the variable (see src/fatal.ts).
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const seconds = z.coerce.number().positive();

/** Every environment variable vnfm reads, with its default and meaning. */
export const ENV_VARS = {
  DATABASE_URL: {
    default: undefined,
    help: 'PostgreSQL URL. `npm run dev` without it runs an embedded PGlite under VNFM_DATA_DIR.',
  },
  TEMPORAL_ADDRESS: {
    default: 'localhost:7233',
    help: 'Temporal frontend host:port (`npm run dev` starts its dev server there).',
  },
  TEMPORAL_NAMESPACE: { default: 'default', help: 'Temporal namespace.' },
  TEMPORAL_CLI_PATH: {
    default: undefined,
    help: 'Temporal CLI binary for the dev server (otherwise `temporal` on PATH or the cached install).',
  },
  VNFM_API_HOST: { default: '0.0.0.0', help: 'Address the HTTP API binds to.' },
  VNFM_API_PORT: { default: '9890', help: "HTTP API port (Tacker's port)." },
  VNFM_API_URL: { default: 'http://127.0.0.1:9890', help: 'Where the CLI finds the API.' },
  VNFM_API_BODY_LIMIT: {
    default: '1048576',
    help: 'Largest request body the API accepts, in bytes (larger: 413).',
  },
  VNFM_API_LIFECYCLE_TIMEOUT: {
    default: '30',
    help: 'Seconds the API waits for a lifecycle workflow to accept an operation before answering 503.',
  },
  VNFM_API_TOKEN_CACHE: {
    default: '2',
    help: 'Seconds the API caches a token lookup (a revocation takes effect within this time).',
  },
  VNFM_TOKEN: { default: undefined, help: 'API token the CLI sends.' },
  VNFM_LOG_LEVEL: { default: 'info', help: 'trace | debug | info | warn | error | fatal.' },
  VNFM_TASK_QUEUE_MONITOR: { default: 'vnfm-monitor', help: 'Task queue of monitor workflows.' },
  VNFM_TASK_QUEUE_CONDUCTOR: {
    default: 'vnfm-conductor',
    help: 'Task queue of lifecycle workflows and policy actions.',
  },
  VNFM_MONITOR_METRICS_PORT: {
    default: '9891',
    help: 'Prometheus /metrics port of the monitor worker (0: off).',
  },
  VNFM_CONDUCTOR_METRICS_PORT: {
    default: '9892',
    help: 'Prometheus /metrics port of the conductor worker (0: off).',
  },
  VNFM_CONDUCTOR_RECONCILE_INTERVAL: {
    default: '60',
    help: 'Seconds between the conductor passes that restart lost creates, settle VNFs left in PENDING_*, bring every monitor in line with the database and collect VIM garbage.',
  },
  VNFM_CONDUCTOR_PENDING_CREATE_GRACE: {
    default: '30',
    help: 'Seconds a VNF may sit in PENDING_CREATE without a create workflow before the conductor starts one.',
  },
  VNFM_CONDUCTOR_SETTLE_GRACE: {
    default: '60',
    help: 'Seconds a VNF may sit in a PENDING_* state with no lifecycle workflow running before the conductor settles it (ACTIVE, ERROR, or its delete finished), with an event.',
  },
  VNFM_HEAL_CONFIRM: {
    default: 'on',
    help: 'on: before a destructive action (respawn, vdu_autoheal, log_and_kill) the conductor probes the target itself; a failure it does not see is not acted on.',
  },
  VNFM_HEAL_CONFIRM_SLACK: {
    default: '2',
    help: "Seconds the confirmation waits beyond the target's probe period, so failures that share a cause are all reported first.",
  },
  VNFM_HEAL_CONFIRM_PEERS: {
    default: '10',
    help: 'Other targets of the VIM (same VNFD and VDU) the conductor probes when it confirms a failure; enough failing too (as a hold counts): no action yet. 0: off.',
  },
  VNFM_HEAL_HOLD_WINDOW: {
    default: '30',
    help: 'Seconds within which failures of one VIM or monitor worker count as correlated.',
  },
  VNFM_HEAL_HOLD_SHARE: {
    default: '0.2',
    help: "Share of a scope's VNFs failing within the window that holds its destructive actions (with VNFM_HEAL_HOLD_MIN).",
  },
  VNFM_HEAL_HOLD_COUNT: {
    default: '10',
    help: 'VNFs of one scope failing within the window that hold its destructive actions, whatever their share.',
  },
  VNFM_HEAL_HOLD_MIN: {
    default: '3',
    help: 'Fewest VNFs failing within the window that can make a correlated-failure hold (small fleets).',
  },
  VNFM_HEAL_HOLD_LIMIT: {
    default: '300',
    help: 'Seconds a hold waits for the probes to recover before an operator decides (vnfm hold release|cancel).',
  },
  VNFM_HEAL_HOLD_AUTO_RELEASE: {
    default: 'off',
    help: 'on: a hold past its limit releases its actions by itself, at the recreation limits below.',
  },
  VNFM_HEAL_MAX_RECREATIONS: {
    default: '20',
    help: 'Recreations (respawn, vdu_autoheal) in flight at once in the whole fleet; the rest wait, queued.',
  },
  VNFM_HEAL_MAX_RECREATIONS_PER_VIM: {
    default: '5',
    help: 'Recreations in flight at once on one VIM; the rest wait, queued.',
  },
  VNFM_HEAL_QUARANTINE_AFTER: {
    default: '3',
    help: 'Unconfirmed failures of one monitor worker within VNFM_HEAL_HOLD_LIMIT that take it out of probing.',
  },
  VNFM_HEAL_QUARANTINE_FOR: {
    default: '600',
    help: 'Seconds a monitor worker with an unreliable probe path hands its loops to the others.',
  },
  VNFM_CONDUCTOR_GC_GRACE: {
    default: '120',
    help: 'Seconds a namespace, address or instance row without a live owner is left alone before the conductor removes it.',
  },
  VNFM_MONITOR_MAX_LOOPS: {
    default: '20000',
    help: 'Probe loops (long-running activities) one monitor worker runs at once.',
  },
  VNFM_MONITOR_MAX_CACHED_WORKFLOWS: {
    default: '500',
    help: 'Monitor workflows a monitor worker keeps cached between events (≈ 0.3 MB each).',
  },
  VNFM_MONITOR_HEARTBEAT_TIMEOUT: {
    default: '45',
    help: "Seconds of a monitor worker's silence (its presence heartbeat) before its probe loops are started on other workers.",
  },
  VNFM_MONITOR_LOOP_HEARTBEAT_TIMEOUT: {
    default: '10800',
    help: 'Seconds without a heartbeat before a probe loop itself is restarted elsewhere: a backstop behind the worker presence; healthy loops beat a third as often.',
  },
  VNFM_PING_ENGINE: {
    default: 'batch',
    help: 'ICMP engine behind the ping driver: batch (fping, shared) or ping (the `ping` package).',
  },
  VNFM_DATA_DIR: {
    default: '.vnfm',
    help: '`npm run dev` state: embedded database, Temporal database, dev token, dev.pid (one `npm run dev` per directory).',
  },
  VNFM_DEV_TEMPORAL: {
    default: 'start',
    help: '`npm run dev`: start a Temporal dev server (start), a local Temporal cluster on PostgreSQL (cluster; `npm run temporal:cluster`), or use TEMPORAL_ADDRESS (external).',
  },
  VNFM_DEV_DB_PORT: { default: '55432', help: '`npm run dev`: port of the embedded database.' },
  VNFM_TEMPORAL_UI_PORT: { default: '8233', help: '`npm run dev`: Temporal Web UI port.' },
  VNFM_NETNS_BRIDGE: {
    default: 'vnfmbr0',
    help: 'Bridge of the netns VIM that `npm run dev` registers on first start (as root).',
  },
  VNFM_NETNS_POOL: {
    default: '10.234.0.0/24',
    help: 'Address pool of the netns VIM that `npm run dev` registers on first start (as root).',
  },
} as const satisfies Record<string, { default: string | undefined; help: string }>;

export type EnvName = keyof typeof ENV_VARS;

export class ConfigError extends Error {}

function read(env: NodeJS.ProcessEnv, name: EnvName): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? ENV_VARS[name].default : v;
}

function parse<T>(env: NodeJS.ProcessEnv, name: EnvName, schema: z.ZodType<T>): T {
  const raw = read(env, name);
  const r = schema.safeParse(raw);
  if (!r.success) {
    const why = r.error.issues[0]?.message ?? 'invalid';
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is invalid: ${why}`);
  }
  return r.data;
}

const hostPort = z.string().regex(/^[^\s:]+:\d+$/, 'expected host:port, e.g. localhost:7233');

export interface TemporalConfig {
  address: string;
  namespace: string;
  monitorTaskQueue: string;
  conductorTaskQueue: string;
}

export function temporalConfig(env: NodeJS.ProcessEnv = process.env): TemporalConfig {
  const q = z.string().min(1).max(200);
  return {
    address: parse(env, 'TEMPORAL_ADDRESS', hostPort),
    namespace: parse(env, 'TEMPORAL_NAMESPACE', z.string().min(1)),
    monitorTaskQueue: parse(env, 'VNFM_TASK_QUEUE_MONITOR', q),
    conductorTaskQueue: parse(env, 'VNFM_TASK_QUEUE_CONDUCTOR', q),
  };
}

export function databaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  const url = read(env, 'DATABASE_URL');
  if (!url)
    throw new ConfigError(
      'DATABASE_URL is not set: point it at PostgreSQL, e.g. postgresql://postgres@127.0.0.1:5432/vnfm',
    );
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new ConfigError(`DATABASE_URL must be a postgresql:// URL, got ${JSON.stringify(url)}`);
  }
  return url;
}

export const logLevel = (env: NodeJS.ProcessEnv = process.env) =>
  parse(env, 'VNFM_LOG_LEVEL', z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']));

export function apiConfig(env: NodeJS.ProcessEnv = process.env) {
  return {
    host: parse(env, 'VNFM_API_HOST', z.string().min(1)),
    port: parse(env, 'VNFM_API_PORT', port),
    bodyLimitBytes: parse(
      env,
      'VNFM_API_BODY_LIMIT',
      z.coerce
        .number()
        .int()
        .min(1024)
        .max(64 * 1024 * 1024),
    ),
    lifecycleTimeoutMs: parse(env, 'VNFM_API_LIFECYCLE_TIMEOUT', seconds) * 1000,
    tokenCacheMs: parse(env, 'VNFM_API_TOKEN_CACHE', z.coerce.number().min(0).max(60)) * 1000,
  };
}

export function monitorConfig(env: NodeJS.ProcessEnv = process.env) {
  return {
    metricsPort: parse(env, 'VNFM_MONITOR_METRICS_PORT', port),
    maxLoops: parse(env, 'VNFM_MONITOR_MAX_LOOPS', z.coerce.number().int().min(1)),
    maxCachedWorkflows: parse(env, 'VNFM_MONITOR_MAX_CACHED_WORKFLOWS', z.coerce.number().int().min(0)),
    heartbeatTimeoutSeconds: parse(env, 'VNFM_MONITOR_HEARTBEAT_TIMEOUT', seconds),
    loopHeartbeatTimeoutSeconds: parse(env, 'VNFM_MONITOR_LOOP_HEARTBEAT_TIMEOUT', seconds),
    pingEngine: parse(env, 'VNFM_PING_ENGINE', z.enum(['batch', 'ping'])),
  };
}

export function conductorConfig(env: NodeJS.ProcessEnv = process.env) {
  return {
    metricsPort: parse(env, 'VNFM_CONDUCTOR_METRICS_PORT', port),
    reconcileIntervalMs: parse(env, 'VNFM_CONDUCTOR_RECONCILE_INTERVAL', seconds) * 1000,
    pendingCreateGraceMs: parse(env, 'VNFM_CONDUCTOR_PENDING_CREATE_GRACE', seconds) * 1000,
    settleGraceMs: parse(env, 'VNFM_CONDUCTOR_SETTLE_GRACE', seconds) * 1000,
    heal: healSettings(env),
    gcGraceMs: parse(env, 'VNFM_CONDUCTOR_GC_GRACE', seconds) * 1000,
  };
}

/** How the conductor guards destructive actions (docs/monitoring.md, "Healing safety"). */
export interface HealSettings {
  confirm: boolean;
  confirmSlackMs: number;
  confirmPeers: number;
  holdWindowMs: number;
  holdShare: number;
  holdCount: number;
  holdMin: number;
  holdLimitMs: number;
  autoRelease: boolean;
  maxRecreations: number;
  maxRecreationsPerVim: number;
  quarantineAfter: number;
  quarantineForMs: number;
}

export function healSettings(env: NodeJS.ProcessEnv = process.env): HealSettings {
  const onOff = z.enum(['on', 'off']);
  const count = z.coerce.number().int().min(1);
  return {
    confirm: parse(env, 'VNFM_HEAL_CONFIRM', onOff) === 'on',
    confirmSlackMs: parse(env, 'VNFM_HEAL_CONFIRM_SLACK', z.coerce.number().min(0).max(600)) * 1000,
    confirmPeers: parse(env, 'VNFM_HEAL_CONFIRM_PEERS', z.coerce.number().int().min(0).max(100)),
    holdWindowMs: parse(env, 'VNFM_HEAL_HOLD_WINDOW', seconds) * 1000,
    holdShare: parse(env, 'VNFM_HEAL_HOLD_SHARE', z.coerce.number().gt(0).max(1)),
    holdCount: parse(env, 'VNFM_HEAL_HOLD_COUNT', count),
    holdMin: parse(env, 'VNFM_HEAL_HOLD_MIN', count),
    holdLimitMs: parse(env, 'VNFM_HEAL_HOLD_LIMIT', seconds) * 1000,
    autoRelease: parse(env, 'VNFM_HEAL_HOLD_AUTO_RELEASE', onOff) === 'on',
    maxRecreations: parse(env, 'VNFM_HEAL_MAX_RECREATIONS', count),
    maxRecreationsPerVim: parse(env, 'VNFM_HEAL_MAX_RECREATIONS_PER_VIM', count),
    quarantineAfter: parse(env, 'VNFM_HEAL_QUARANTINE_AFTER', count),
    quarantineForMs: parse(env, 'VNFM_HEAL_QUARANTINE_FOR', seconds) * 1000,
  };
}

export function cliConfig(env: NodeJS.ProcessEnv = process.env) {
  return {
    apiUrl: parse(env, 'VNFM_API_URL', z.url()),
    token: read(env, 'VNFM_TOKEN'),
  };
}

export function devConfig(env: NodeJS.ProcessEnv = process.env) {
  return {
    dataDir: parse(env, 'VNFM_DATA_DIR', z.string().min(1)),
    temporal: parse(env, 'VNFM_DEV_TEMPORAL', z.enum(['start', 'cluster', 'external'])),
    dbPort: parse(env, 'VNFM_DEV_DB_PORT', port),
    uiPort: parse(env, 'VNFM_TEMPORAL_UI_PORT', port),
    bridge: parse(
      env,
      'VNFM_NETNS_BRIDGE',
      z.string().regex(/^[a-zA-Z0-9_-]{1,15}$/, 'an interface name of at most 15 characters'),
    ),
    pool: parse(
      env,
      'VNFM_NETNS_POOL',
      z.string().regex(/^\d+\.\d+\.\d+\.\d+\/\d+$/, 'a CIDR such as 10.234.0.0/24'),
    ),
  };
}
