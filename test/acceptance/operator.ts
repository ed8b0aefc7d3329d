// What an operator does and sees, for the acceptance tests: HTTP requests to
// the API, the `vnfm` and `temporal` command lines, Temporal's workflow
// list/describe/query, and the host's view of netns VDUs (namespaces, their
// own ICMP counters, faults injected from the host). Waits poll observable
// conditions; a timeout says what was expected, what was last seen and the
// VNF's events, so a failure reads as an operator's diagnosis.
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { cidrsOverlap } from '../../src/net/cidr.js';
import { namespacePrefix } from '../../src/vim/netns-names.js';
import { startResponder } from '../../src/vim/responder.js';
import { findTemporalCli } from '../../src/temporal/cli.js';
import type { Json } from '../helpers/api.js';
import { icmpInEchos } from '../helpers/netns.js';
import type { Stack } from './stack.js';

const exec = promisify(execFile);
export { icmpInEchos };

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- waiting -------------------------------------------------------------------

/**
 * Polls `probe` until it returns a value `done` accepts. On timeout throws
 * `expected <what> within <n> s; last seen: <last>` plus `context()`.
 */
export async function until<T>(
  what: string,
  probe: () => Promise<T>,
  done: (v: T) => boolean,
  opts: { timeoutMs?: number; everyMs?: number; context?: () => Promise<string> } = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let last: string;
  for (;;) {
    try {
      const v = await probe();
      if (done(v)) return v;
      last = typeof v === 'string' ? v : JSON.stringify(v);
    } catch (err) {
      last = `error: ${(err as Error).message}`;
    }
    if (Date.now() > deadline) {
      const ctx = opts.context
        ? await opts.context().catch((e: Error) => `(context unavailable: ${e.message})`)
        : '';
      throw new Error(
        `expected ${what} within ${Math.round(timeoutMs / 1000)} s; last seen: ${last.slice(0, 600)}${ctx ? `\n${ctx}` : ''}`,
      );
    }
    await sleep(opts.everyMs ?? 300);
  }
}

// ---- VNFDs -------------------------------------------------------------------------

export type Sample = 'vnfd-ping-respawn' | 'vnfd-ping-scaling' | 'vnfd-http-ping-log' | 'vnfd-two-vdus';

/**
 * A sample VNFD (test/fixtures/vnfd) as YAML, with monitoring parameters
 * merged into every monitored VDU (per VDU name, or for all with `*`) and
 * optionally every VDU's image replaced.
 */
export function sample(
  name: Sample,
  params: Record<string, Record<string, number>> = {},
  image?: string,
): string {
  interface Node {
    type: string;
    properties?: { image?: string; monitoring_policy?: { parameters?: Record<string, number> } };
  }
  const doc = parse(readFileSync(new URL(`../fixtures/vnfd/${name}.yaml`, import.meta.url), 'utf8')) as {
    topology_template: { node_templates: Record<string, Node> };
  };
  for (const [vdu, node] of Object.entries(doc.topology_template.node_templates)) {
    if (node.type !== 'tosca.nodes.nfv.VDU.Tacker' || !node.properties) continue;
    const mp = node.properties.monitoring_policy;
    if (mp) mp.parameters = { ...mp.parameters, ...params['*'], ...params[vdu] };
    if (image) node.properties.image = image;
  }
  return stringify(doc);
}

// ---- VIMs on this host -------------------------------------------------------------

export interface NetnsVim {
  id: string;
  bridge: string;
  pool: string;
}

/** A bridge name and a /24 in 10.200–10.255 that no route of this host (no other test's VIM) touches. */
export async function freePool(): Promise<{ bridge: string; pool: string }> {
  const { stdout } = await exec('ip', ['-j', '-4', 'route', 'show', 'table', 'all']);
  const taken = (JSON.parse(stdout || '[]') as { dst: string }[])
    .map((r) => r.dst)
    .filter((d) => d && d !== 'default')
    .map((d) => (d.includes('/') ? d : `${d}/32`));
  for (;;) {
    const pool = `10.${200 + randomInt(56)}.${randomInt(256)}.0/24`;
    if (!taken.some((t) => cidrsOverlap(t, pool)))
      return { bridge: `va${randomBytes(3).toString('hex')}`, pool };
  }
}

/** Registers a netns VIM the way an operator does: `vnfm vim register`. */
export async function registerNetnsVim(stack: Stack): Promise<NetnsVim> {
  for (let attempt = 0; ; attempt++) {
    const { bridge, pool } = await freePool();
    const r = await stack.cli([
      '--json',
      'vim',
      'register',
      '--name',
      `netns-${bridge}`,
      '--type',
      'netns',
      '--bridge',
      bridge,
      '--pool',
      pool,
      '--default',
    ]);
    if (r.code === 0) {
      const vim = JSON.parse(r.stdout) as { id: string };
      registered.push({ id: vim.id, bridge, pool });
      return { id: vim.id, bridge, pool };
    }
    if (attempt >= 3) throw new Error(`vnfm vim register failed (exit ${r.code}): ${r.stderr.trim()}`);
  }
}

const registered: NetnsVim[] = [];

// A test process that exits without its afterAll (a crash, a hard timeout)
// still removes its namespaces, listeners, bridges and routes. Processes in a
// namespace (responders) would keep it alive after `ip netns del`: they go first.
process.once('exit', () => {
  const sh = (...args: string[]) => {
    try {
      return execFileSync(args[0]!, args.slice(1), {
        stdio: ['ignore', 'pipe', 'ignore'],
        timeout: 5000,
      }).toString();
    } catch {
      return '';
    }
  };
  const names = (() => {
    try {
      return readdirSync('/run/netns');
    } catch {
      return [] as string[];
    }
  })();
  for (const vim of registered) {
    const prefix = namespacePrefix(vim.id);
    for (const ns of names.filter((n) => n.startsWith(prefix))) {
      for (const pid of sh('ip', 'netns', 'pids', ns)
        .split('\n')
        .map(Number)
        .filter((n) => n > 0)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
      sh('ip', 'netns', 'del', ns);
      rmSync(`/run/vnfm/netns/${ns}.json`, { force: true });
    }
    sh('ip', 'link', 'del', 'dev', vim.bridge);
    sh('ip', 'route', 'del', 'blackhole', vim.pool);
  }
  for (const ns of listeners) sh('ip', 'netns', 'del', ns);
});

/**
 * Removes everything a netns VIM made on this host, from the host's side (the
 * stack may be gone): processes in its namespaces, the namespaces, veths on
 * its bridge, the bridge, the pool's blackhole route and the driver's records.
 */
export async function removeVimFromHost(vim: NetnsVim): Promise<void> {
  const prefix = namespacePrefix(vim.id);
  for (const ns of await hostNamespaces(prefix)) {
    const pids = await exec('ip', ['netns', 'pids', ns]).then(
      (r) =>
        r.stdout
          .split('\n')
          .map(Number)
          .filter((n) => n > 0),
      () => [] as number[],
    );
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    await exec('ip', ['netns', 'del', ns]).catch(() => undefined);
  }
  const ports = await exec('ip', ['-j', 'link', 'show', 'master', vim.bridge]).then(
    (r) => (JSON.parse(r.stdout || '[]') as { ifname: string }[]).map((l) => l.ifname),
    () => [] as string[],
  );
  for (const p of ports) await exec('ip', ['link', 'del', 'dev', p]).catch(() => undefined);
  await exec('ip', ['link', 'del', 'dev', vim.bridge]).catch(() => undefined);
  await exec('ip', ['route', 'del', 'blackhole', vim.pool]).catch(() => undefined);
  for (const f of await readdir('/run/vnfm/netns').catch(() => [] as string[])) {
    if (f.startsWith(prefix)) await rm(`/run/vnfm/netns/${f}`, { force: true });
  }
}

/** Cleans up every VIM registered in this process (afterAll, after the stack is closed). */
export async function removeRegisteredVims(): Promise<void> {
  for (const vim of registered.splice(0)) await removeVimFromHost(vim);
}

/** Namespaces on this host whose name starts with `prefix`. */
export async function hostNamespaces(prefix: string): Promise<string[]> {
  return (await readdir('/run/netns').catch(() => [] as string[])).filter((n) => n.startsWith(prefix)).sort();
}

export const vimNamespaces = (vim: NetnsVim) => hostNamespaces(namespacePrefix(vim.id));

// ---- faults injected on a VDU from the host -------------------------------------------

/** The VDU's link goes down: it stops answering anything. */
export async function linkDown(ns: string): Promise<void> {
  await exec('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'eth0', 'down']);
}

/** Kills every process in the VDU's namespace (its HTTP responder). */
export async function stopResponder(ns: string): Promise<void> {
  const { stdout } = await exec('ip', ['netns', 'pids', ns]);
  const pids = stdout
    .split('\n')
    .map(Number)
    .filter((n) => n > 0);
  if (!pids.length) throw new Error(`no process runs in ${ns}: nothing to stop`);
  for (const pid of pids) process.kill(pid, 'SIGKILL');
  await until(
    `the responder in ${ns} gone`,
    () => exec('ip', ['netns', 'pids', ns]).then((r) => r.stdout.trim()),
    (s) => s === '',
    { everyMs: 50, timeoutMs: 5000 },
  );
}

/** Starts an HTTP responder in the VDU's namespace again (what the VDU's service restarting looks like). */
export async function startResponderIn(ns: string, port: number): Promise<void> {
  await startResponder(ns, port, 'acceptance');
}

/** Echo requests the namespace received, or undefined when it does not exist. */
export async function echoes(ns: string): Promise<number | undefined> {
  return icmpInEchos(ns);
}

/** Waits until the namespace has received `n` more echo requests than now (probes reach it). */
export async function probesReach(ns: string, n = 2, timeoutMs = 20_000): Promise<void> {
  const start = await until(
    `namespace ${ns} to exist`,
    () => icmpInEchos(ns),
    (v) => v !== undefined,
    { timeoutMs },
  );
  await until(
    `${n} more echo requests to reach namespace ${ns} (probes from the monitor)`,
    () => icmpInEchos(ns),
    (v) => (v ?? 0) >= start! + n,
    {
      timeoutMs,
      everyMs: 250,
    },
  );
}

// ---- the VNF as the API shows it ----------------------------------------------------------

export interface Vnf {
  id: string;
  name: string;
  status: string;
  mgmt_ip_address: string | null;
  error_reason: string | null;
  [k: string]: Json;
}

export interface Event {
  id: number;
  resource_id: string;
  resource_state: string;
  event_type: string;
  timestamp: string;
  event_details: { message?: string; [k: string]: Json };
}

export async function getVnf(stack: Stack, id: string, api = 'api'): Promise<Vnf | undefined> {
  const r = await stack.http(api).get(`/v1.0/vnfs/${id}`);
  if (r.status === 404) return undefined;
  if (r.status !== 200) throw new Error(`GET /v1.0/vnfs/${id}: ${r.status} ${r.text.slice(0, 300)}`);
  return r.body.vnf as Vnf;
}

/** Every event of the VNF, oldest first (GET /v1.0/events?resource_id=…, all pages). */
export async function vnfEvents(stack: Stack, id: string, api = 'api'): Promise<Event[]> {
  const out: Event[] = [];
  let marker = '';
  for (;;) {
    const r = await stack
      .http(api)
      .get(`/v1.0/events?resource_id=${id}&limit=1000${marker ? `&marker=${marker}` : ''}`);
    if (r.status !== 200) throw new Error(`GET /v1.0/events: ${r.status} ${r.text.slice(0, 300)}`);
    const page = r.body.events as Event[];
    out.push(...page);
    if (page.length < 1000) return out;
    marker = String(page.at(-1)!.id);
  }
}

/** `TYPE:STATE message` per event, for assertions and failure messages. */
export function describeEvents(events: Event[]): string[] {
  return events.map((e) => `${e.event_type}:${e.resource_state} ${e.event_details?.message ?? ''}`.trim());
}

export async function eventsText(stack: Stack, id: string): Promise<string> {
  try {
    const ev = await vnfEvents(stack, id);
    return `events of VNF ${id}:\n  ${describeEvents(ev).join('\n  ') || '(none)'}`;
  } catch (err) {
    return `events of VNF ${id}: unavailable (${(err as Error).message})`;
  }
}

/** `mgmt_ip_address` (a JSON string, as Tacker) as VDU → IPs. */
export function mgmtIps(vnf: Vnf): Record<string, string[]> {
  if (!vnf.mgmt_ip_address) return {};
  const m = JSON.parse(vnf.mgmt_ip_address) as Record<string, string | string[]>;
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Array.isArray(v) ? v : [v]]));
}

/** Waits for a status; fails at once if the VNF lands in ERROR (unless that is the goal), with its events. */
export async function waitStatus(
  stack: Stack,
  id: string,
  status: string,
  timeoutMs = 45_000,
  api = 'api',
): Promise<Vnf> {
  await until(
    `VNF ${id} to be ${status}`,
    async () => {
      const v = await getVnf(stack, id, api);
      if (v?.status === 'ERROR' && status !== 'ERROR')
        throw new Error(`VNF ${id} went to ERROR: ${v.error_reason}`);
      return v?.status ?? 'absent (404)';
    },
    (s) => s === status,
    { timeoutMs, context: async () => `${await eventsText(stack, id)}\n${stack.logTails(4)}` },
  ).catch(async (err: Error) => {
    if (err.message.includes('went to ERROR'))
      throw new Error(
        `expected VNF ${id} to be ${status}, but ${err.message.split('error: ')[1]}\n${await eventsText(stack, id)}`,
      );
    throw err;
  });
  return (await getVnf(stack, id, api))!;
}

export async function onboard(stack: Stack, template: string, name: string): Promise<string> {
  const r = await stack.http().post('/v1.0/vnfds', { vnfd: { name, attributes: { vnfd: template } } });
  if (r.status !== 201) throw new Error(`POST /v1.0/vnfds ${name}: ${r.status} ${r.text.slice(0, 400)}`);
  return r.body.vnfd.id as string;
}

export async function createVnf(stack: Stack, vnfdId: string, name: string, api = 'api'): Promise<string> {
  const r = await stack.http(api).post('/v1.0/vnfs', { vnf: { name, vnfd_id: vnfdId } });
  if (r.status !== 201) throw new Error(`POST /v1.0/vnfs ${name}: ${r.status} ${r.text.slice(0, 400)}`);
  if (r.body.vnf.status !== 'PENDING_CREATE')
    throw new Error(`a new VNF should be PENDING_CREATE, got ${r.body.vnf.status}`);
  return r.body.vnf.id as string;
}

/** The VNF's VDU instances as GET /resources lists them: name (VDU) and id (the namespace). */
export async function resources(
  stack: Stack,
  id: string,
): Promise<{ name: string; type: string; id: string }[]> {
  const r = await stack.http().get(`/v1.0/vnfs/${id}/resources`);
  if (r.status !== 200)
    throw new Error(`GET /v1.0/vnfs/${id}/resources: ${r.status} ${r.text.slice(0, 300)}`);
  return r.body.resources;
}

/** GET /v1.0/vnfs/{id}/monitor: the monitor's status query merged with its probe loop's heartbeat. */
export async function monitorView(stack: Stack, id: string, api = 'api'): Promise<Json | undefined> {
  const r = await stack.http(api).get(`/v1.0/vnfs/${id}/monitor`);
  if (r.status === 404) return undefined;
  if (r.status !== 200) throw new Error(`GET /v1.0/vnfs/${id}/monitor: ${r.status} ${r.text.slice(0, 300)}`);
  return r.body.monitor;
}

// ---- Temporal, as the Web UI and the temporal CLI show it ---------------------------------------

/** Runs the real `temporal` CLI against the stack's server; its JSON output. */
export async function temporalCli<T = Json>(stack: Stack, args: string[]): Promise<T> {
  const cli = findTemporalCli();
  if (!cli) throw new Error('no temporal CLI found (TEMPORAL_CLI_PATH, PATH or ~/go/bin)');
  const { stdout } = await exec(
    cli,
    [...args, '--address', stack.temporalAddress, '--namespace', 'default', '-o', 'json'],
    {
      timeout: 60_000,
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return JSON.parse(stdout || 'null') as T;
}

export interface WorkflowRow {
  workflowId: string;
  runId: string;
  status: string;
  type: string;
}

/** Workflow executions matching a visibility query (what the Web UI's search box lists). */
export async function listWorkflows(stack: Stack, query: string): Promise<WorkflowRow[]> {
  const rows: WorkflowRow[] = [];
  for await (const w of stack.client.workflow.list({ query })) {
    rows.push({ workflowId: w.workflowId, runId: w.runId, status: w.status.name, type: w.type });
  }
  return rows;
}

export const monitorQuery = (vnfId: string) => `WorkflowType = 'vnfMonitorWorkflow' AND VnfId = '${vnfId}'`;

// ---- watching an address nobody should probe any more ----------------------------------

export interface Listener {
  ns: string;
  echoes(): Promise<number>;
  selfCheck(): Promise<void>;
  remove(): Promise<void>;
}

/**
 * A namespace of the test's own on the VIM's bridge that takes over `ip` once
 * vnfm let go of it (scale in, delete): its own ICMP counters then show
 * whether anything still probes that address.
 */
export async function listenOn(vim: NetnsVim, ip: string): Promise<Listener> {
  const id = randomBytes(4).toString('hex');
  const ns = `va-listen-${id}`;
  const veth = `vl${id}`;
  const prefix = vim.pool.split('/')[1]!;
  const ipc = (...args: string[]) => exec('ip', args);
  await ipc('netns', 'add', ns);
  listeners.add(ns);
  await ipc('link', 'add', 'name', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
  await ipc('link', 'set', 'dev', veth, 'master', vim.bridge, 'up');
  await ipc('-n', ns, 'addr', 'add', `${ip}/${prefix}`, 'dev', 'eth0');
  await ipc('-n', ns, 'link', 'set', 'dev', 'eth0', 'up');
  await ipc('-n', ns, 'link', 'set', 'dev', 'lo', 'up');
  // The host may still hold the old instance's MAC for this address.
  await ipc('neigh', 'flush', 'to', ip).catch(() => undefined);
  return {
    ns,
    echoes: async () => (await icmpInEchos(ns)) ?? 0,
    /** Positive control: an echo request from the host reaches the listener (so a 0 above meant something). */
    async selfCheck() {
      const before = (await icmpInEchos(ns)) ?? 0;
      await exec('ping', ['-c1', '-W2', '-n', ip]).catch(() => undefined);
      const after = (await icmpInEchos(ns)) ?? 0;
      if (after !== before + 1)
        throw new Error(
          `listener ${ns} on ${ip} did not see a host ping (${before} → ${after}): its counters prove nothing`,
        );
    },
    async remove() {
      await ipc('link', 'del', 'dev', veth).catch(() => undefined);
      await ipc('netns', 'del', ns).catch(() => undefined);
      listeners.delete(ns);
    },
  };
}

const listeners = new Set<string>();
/** Removes listener namespaces a failed test left behind. */
export async function removeListeners(): Promise<void> {
  for (const ns of listeners) await exec('ip', ['netns', 'del', ns]).catch(() => undefined);
  listeners.clear();
}
