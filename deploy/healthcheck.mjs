// Container health check of the vnfm image: `node deploy/healthcheck.mjs [role]`.
// Plain Node, no dependencies and no TypeScript, so a check every few seconds
// costs a few milliseconds. The role (api | monitor | conductor) is given, or
// found from the vnfm process running in the container; anything else (the
// migration job, the CLI) is healthy while it runs.
//   api:       GET /readyz — the database and Temporal answer (200)
//   monitor:   GET /healthz on its metrics port (VNFM_MONITOR_METRICS_PORT)
//   conductor: GET /healthz on its metrics port (VNFM_CONDUCTOR_METRICS_PORT)
// A worker whose metrics port is 0 (off) has nothing to ask: healthy while alive.
// The defaults below are src/config.ts's (test/deploy/healthcheck.test.ts checks).
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { pathToFileURL } from 'node:url';

const ENTRY_POINTS = {
  api: 'src/api/main.ts',
  monitor: 'src/worker/monitor.ts',
  conductor: 'src/conductor/main.ts',
};

export const DEFAULT_PORTS = { api: '9890', monitor: '9891', conductor: '9892' };
const PORT_VARS = {
  api: 'VNFM_API_PORT',
  monitor: 'VNFM_MONITOR_METRICS_PORT',
  conductor: 'VNFM_CONDUCTOR_METRICS_PORT',
};

/** The role of the vnfm process running in this container, from /proc/<pid>/cmdline. */
function detectRole() {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let cmdline;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    for (const [role, entry] of Object.entries(ENTRY_POINTS)) if (cmdline.includes(entry)) return role;
  }
  return undefined;
}

/** Where to connect: the API's bind address unless it binds every interface. */
function host(role, env) {
  const bind = role === 'api' ? env.VNFM_API_HOST : undefined;
  return !bind || bind === '0.0.0.0' || bind === '::' ? '127.0.0.1' : bind;
}

function get(hostname, port, path) {
  return new Promise((resolve) => {
    const req = request({ hostname, port, path, timeout: 4000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200 ? undefined : `${path} answered ${res.statusCode}`);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (err) => resolve(`${path}: ${err.message}`));
    req.end();
  });
}

export async function check(role = detectRole(), env = process.env) {
  if (!role || !(role in ENTRY_POINTS)) return undefined;
  const raw = env[PORT_VARS[role]];
  const port = Number(raw === undefined || raw === '' ? DEFAULT_PORTS[role] : raw);
  if (role !== 'api' && port === 0) return undefined;
  return get(host(role, env), port, role === 'api' ? '/readyz' : '/healthz');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const problem = await check(process.argv[2]);
  if (problem) {
    console.error(`unhealthy: ${problem}`);
    process.exit(1);
  }
}
