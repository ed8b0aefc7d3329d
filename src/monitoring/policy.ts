// The monitoring policy of one VDU, normalised: Tacker's parameters with their
// defaults applied, plus vnfm's additions (period, thresholds, respawn guards).
// Shared by VNFD validation (src/vnfd) and the monitor, so both read a policy
// the same way. Pure: safe to import from workflow code.

export const DRIVERS = ['ping', 'http_ping'] as const;
export type Driver = (typeof DRIVERS)[number];

export const ACTIONS = ['respawn', 'log', 'log_and_kill', 'vdu_autoheal'] as const;
export type PolicyActionName = (typeof ACTIONS)[number];

/** Parameters every driver accepts. Times are in seconds. */
export interface CommonParameters {
  monitoring_delay: number;
  /** Seconds between probe rounds. */
  period: number;
  /** Consecutive failed rounds before the action runs (default: retry). */
  failure_threshold: number;
  /** Consecutive healthy rounds that end a failure episode. */
  success_threshold: number;
  /** Respawns allowed within respawn_limit_window before the VNF goes to ERROR. */
  respawn_limit: number;
  respawn_limit_window: number;
  /** First gap between respawns; doubles per respawn in the window, capped. */
  respawn_backoff: number;
  respawn_backoff_max: number;
}

export interface PingParameters extends CommonParameters {
  /** Echo requests per round (ping -c). */
  count: number;
  /** Seconds between echo requests (ping -i). */
  interval: number;
  /** Seconds to wait for a reply (ping -W). */
  timeout: number;
  retry: number;
}

export interface HttpPingParameters extends CommonParameters {
  port: number;
  path: string;
  /** Seconds per request. */
  timeout: number;
  retry: number;
}

export type MonitoringPolicy =
  | { driver: 'ping'; parameters: PingParameters; actions: { failure: PolicyActionName } }
  | { driver: 'http_ping'; parameters: HttpPingParameters; actions: { failure: PolicyActionName } };

const COMMON_DEFAULTS = {
  monitoring_delay: 30,
  period: 10,
  success_threshold: 1,
  respawn_limit: 3,
  respawn_limit_window: 900,
  respawn_backoff: 10,
  respawn_backoff_max: 300,
};

export const PING_DEFAULTS = { ...COMMON_DEFAULTS, count: 5, interval: 1, timeout: 5, retry: 1 };
export const HTTP_PING_DEFAULTS = { ...COMMON_DEFAULTS, port: 80, path: '/', timeout: 5, retry: 5 };

type Kind = 'posInt' | 'posNum' | 'nonNegNum' | 'port' | 'path';

const COMMON_KINDS: Record<keyof CommonParameters, Kind> = {
  monitoring_delay: 'nonNegNum',
  period: 'posNum',
  failure_threshold: 'posInt',
  success_threshold: 'posInt',
  respawn_limit: 'posInt',
  respawn_limit_window: 'posNum',
  respawn_backoff: 'nonNegNum',
  respawn_backoff_max: 'nonNegNum',
};

const KINDS: Record<Driver, Record<string, Kind>> = {
  ping: { ...COMMON_KINDS, count: 'posInt', interval: 'posNum', timeout: 'posNum', retry: 'posInt' },
  http_ping: { ...COMMON_KINDS, port: 'port', path: 'path', timeout: 'posNum', retry: 'posInt' },
};

export interface PolicyError {
  path: string;
  message: string;
}

function checkValue(kind: Kind, v: unknown): string | undefined {
  const num = typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : v;
  switch (kind) {
    case 'posInt':
      return typeof num === 'number' && Number.isInteger(num) && num > 0 && num <= 1_000_000
        ? undefined
        : 'must be a positive integer';
    case 'posNum':
      return typeof num === 'number' && Number.isFinite(num) && num > 0 && num <= 86_400
        ? undefined
        : 'must be a positive number of seconds (at most 86400)';
    case 'nonNegNum':
      return typeof num === 'number' && Number.isFinite(num) && num >= 0 && num <= 86_400
        ? undefined
        : 'must be a number of seconds from 0 to 86400';
    case 'port':
      return typeof num === 'number' && Number.isInteger(num) && num >= 1 && num <= 65535
        ? undefined
        : 'must be a port number from 1 to 65535';
    case 'path':
      return typeof v === 'string' && /^\/[\x21-\x7e]{0,1023}$/.test(v)
        ? undefined
        : 'must be an absolute URL path such as /healthz';
  }
}

function coerce(kind: Kind, v: unknown): number | string {
  if (kind === 'path') return v as string;
  return typeof v === 'string' ? Number(v) : (v as number);
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Validates a VDU's `monitoring_policy` and applies defaults. `path` prefixes
 * every error, e.g. `topology_template.node_templates.VDU1.properties.monitoring_policy`.
 */
export function normalizeMonitoringPolicy(
  raw: unknown,
  path: string,
): { policy: MonitoringPolicy; errors: [] } | { policy?: undefined; errors: PolicyError[] } {
  const errors: PolicyError[] = [];
  if (!isPlainObject(raw)) return { errors: [{ path, message: 'must be a mapping' }] };
  for (const key of Object.keys(raw)) {
    if (!['name', 'parameters', 'actions'].includes(key)) {
      errors.push({ path: `${path}.${key}`, message: 'unknown key (expected name, parameters, actions)' });
    }
  }
  const driver = raw.name;
  if (driver === 'http-ping') {
    errors.push({ path: `${path}.name`, message: 'unknown driver "http-ping" (did you mean http_ping?)' });
  } else if (typeof driver !== 'string' || !(DRIVERS as readonly string[]).includes(driver)) {
    errors.push({ path: `${path}.name`, message: `must be one of ${DRIVERS.join(', ')}` });
  }
  const params = raw.parameters ?? {};
  const out: Record<string, number | string> = {};
  if (!isPlainObject(params)) {
    errors.push({ path: `${path}.parameters`, message: 'must be a mapping' });
  } else if (typeof driver === 'string' && Object.hasOwn(KINDS, driver)) {
    const kinds = KINDS[driver as Driver];
    for (const [k, v] of Object.entries(params)) {
      // Own keys only: `constructor`, `toString`, `__proto__` must not pass as parameters.
      const kind = Object.hasOwn(kinds, k) ? kinds[k] : undefined;
      if (!kind) {
        errors.push({
          path: `${path}.parameters.${k}`,
          message: `unknown parameter for ${driver} (allowed: ${Object.keys(kinds).join(', ')})`,
        });
        continue;
      }
      const bad = checkValue(kind, v);
      if (bad) errors.push({ path: `${path}.parameters.${k}`, message: bad });
      else out[k] = coerce(kind, v);
    }
  }
  const actions = raw.actions;
  let failure: PolicyActionName | undefined;
  if (!isPlainObject(actions)) {
    errors.push({ path: `${path}.actions`, message: 'must be a mapping such as {failure: respawn}' });
  } else {
    for (const [k, v] of Object.entries(actions)) {
      if (k !== 'failure') {
        errors.push({
          path: `${path}.actions.${k}`,
          message: 'unknown event (the drivers produce only "failure")',
        });
      } else if (typeof v !== 'string' || !(ACTIONS as readonly string[]).includes(v)) {
        errors.push({ path: `${path}.actions.failure`, message: `must be one of ${ACTIONS.join(', ')}` });
      } else failure = v as PolicyActionName;
    }
    if (!('failure' in actions)) errors.push({ path: `${path}.actions.failure`, message: 'is required' });
  }
  if (errors.length || !failure) return { errors };

  if (driver === 'ping') {
    const p = { ...PING_DEFAULTS, ...out } as Omit<PingParameters, 'failure_threshold'> & {
      failure_threshold?: number;
    };
    const parameters: PingParameters = { ...p, failure_threshold: p.failure_threshold ?? p.retry };
    return { policy: { driver: 'ping', parameters, actions: { failure } }, errors: [] };
  }
  const p = { ...HTTP_PING_DEFAULTS, ...out } as Omit<HttpPingParameters, 'failure_threshold'> & {
    failure_threshold?: number;
  };
  const parameters: HttpPingParameters = { ...p, failure_threshold: p.failure_threshold ?? p.retry };
  return { policy: { driver: 'http_ping', parameters, actions: { failure } }, errors: [] };
}

/** Upper bound of one probe round's duration, in seconds. */
export function roundDurationSeconds(policy: MonitoringPolicy): number {
  if (policy.driver === 'ping') {
    const p = policy.parameters;
    return (p.count - 1) * p.interval + p.timeout;
  }
  return policy.parameters.timeout;
}
