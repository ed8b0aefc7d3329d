// What the conductor and monitor behaviour tests share beyond fixtures.ts:
// lifecycle requests made exactly as the API makes them (update-with-start
// and the `accepted` update), VNFDs with any number of instances, netns VIMs
// that tear down everything they made, the VIM's namespaces as the host sees
// them, worker processes that can be SIGKILLed, and a database private to
// one test file (for files that run a whole conductor process: its start-up
// maintenance looks at every VNF and VIM in its database).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { WithStartWorkflowOperation, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { TemporalConfig } from '../../src/config.js';
import type { Db } from '../../src/db/client.js';
import { scratchDatabase, type ScratchDatabase } from '../../src/db/migrate.js';
import {
  ACCEPTED_UPDATE,
  lifecycleWorkflowId,
  type Acceptance,
  type LifecycleResult,
} from '../../src/conductor/contract.js';
import { monitorWorkflowId, type MonitorStatus } from '../../src/monitoring/contract.js';
import type { Fault, VimDriver } from '../../src/vim/driver.js';
import { namespacePrefix } from '../../src/vim/netns-names.js';
import { NetnsVimDriver } from '../../src/vim/netns.js';
import { vimDriverFor } from '../../src/vim/registry.js';
import { ensureTemporalCli } from '../../src/temporal/cli.js';
import { freePort, stopChild, waitForTemporal } from '../../src/temporal/dev-server.js';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes.js';
import { databaseUrl, processEnv } from './env.js';
import type { Sample } from './fixtures.js';
import { freshNetnsConfig } from './netns.js';
import type { TestStack } from './workers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

// ---- lifecycle requests, as src/api/lifecycle.ts makes them ----------------

export type Answer = Acceptance | { accepted: false; reason: 'in_use' };

export interface Requested {
  answer: Answer;
  /** The workflow's result (only when it was started). */
  result(): Promise<LifecycleResult>;
}

/** Starts a delete/scale/update workflow with update-with-start and waits for `accepted`. */
export async function requestOperation(
  stack: Pick<TestStack, 'client' | 'temporal'>,
  workflow: string,
  input: { vnfId: string } & Record<string, unknown>,
): Promise<Requested> {
  const startWorkflowOperation = new WithStartWorkflowOperation(workflow, {
    workflowId: lifecycleWorkflowId(input.vnfId),
    taskQueue: stack.temporal.conductorTaskQueue,
    args: [input],
    // A forced delete replaces whatever operation runs on the VNF (as the API does).
    workflowIdConflictPolicy: input.force === true ? 'TERMINATE_EXISTING' : 'FAIL',
  });
  try {
    const answer = (await stack.client.workflow.executeUpdateWithStart(ACCEPTED_UPDATE, {
      startWorkflowOperation,
    })) as Acceptance;
    const handle = await startWorkflowOperation.workflowHandle();
    return { answer, result: () => handle.result() as Promise<LifecycleResult> };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    return {
      answer: { accepted: false, reason: 'in_use' },
      result: () => Promise.reject(new Error('not started: another operation holds the VNF')),
    };
  }
}

/** The result of the VNF's current lifecycle workflow (e.g. the create the fixture started). */
export async function lifecycleResult(
  stack: Pick<TestStack, 'client'>,
  vnfId: string,
): Promise<LifecycleResult> {
  return stack.client.workflow.getHandle(lifecycleWorkflowId(vnfId)).result() as Promise<LifecycleResult>;
}

// ---- templates --------------------------------------------------------------

export interface TemplateOptions {
  /** Monitoring parameters for every monitored VDU (e.g. `{ period: 1 }`). */
  params?: Record<string, number>;
  /** Image of every VDU (`broken…` never answers). */
  image?: string;
  /** Failure action of every monitored VDU. */
  action?: string;
  /** Instances of VDU1 at create (adds or replaces the scaling policy SP1). */
  instances?: number;
  /** max_instances of SP1 (default: max(instances, 3)). */
  maxInstances?: number;
}

/** A sample VNFD (test/fixtures/vnfd) with parameters, image, action and instance count changed. */
export function template(name: Sample, opts: TemplateOptions = {}): string {
  interface Node {
    type: string;
    properties?: {
      image?: string;
      monitoring_policy?: { parameters?: Record<string, number>; actions?: Record<string, string> };
    };
  }
  const doc = parse(readFileSync(new URL(`../fixtures/vnfd/${name}.yaml`, import.meta.url), 'utf8')) as {
    topology_template: { node_templates: Record<string, Node>; policies?: unknown[] };
  };
  for (const node of Object.values(doc.topology_template.node_templates)) {
    if (node.type !== 'tosca.nodes.nfv.VDU.Tacker' || !node.properties) continue;
    const mp = node.properties.monitoring_policy;
    if (mp) {
      mp.parameters = { ...mp.parameters, ...opts.params };
      if (opts.action) mp.actions = { failure: opts.action };
    }
    if (opts.image) node.properties.image = opts.image;
  }
  if (opts.instances !== undefined) {
    doc.topology_template.policies = [
      {
        SP1: {
          type: 'tosca.policies.tacker.Scaling',
          properties: {
            targets: ['VDU1'],
            increment: 1,
            cooldown: 0,
            min_instances: 1,
            max_instances: opts.maxInstances ?? Math.max(opts.instances, 3),
            default_instances: opts.instances,
          },
        },
      },
    ];
  }
  return stringify(doc);
}

// ---- netns VIMs -------------------------------------------------------------

export interface VimEnv {
  tenantId: string;
  vimId: string;
  bridge: string;
  pool: string;
  driver: NetnsVimDriver;
  /** Fault injection on one instance, as the VIM does it. */
  inject(instanceId: string, fault: Fault): Promise<void>;
  /** This VIM's namespaces on the host. */
  namespaces(): Promise<string[]>;
  /** Removes every namespace, veth, bridge and route this VIM made; soft-deletes its row. */
  cleanup(): Promise<void>;
}

/**
 * A netns VIM with a pool no one else uses. `prefix` narrows the pool (29:
 * five instance addresses); `allowedCidrs` replaces the default (the pool).
 */
export async function netnsVimEnv(db: Db, opts: { prefix?: number; allowedCidrs?: string[] } = {}) {
  const fresh = await freshNetnsConfig();
  const pool = opts.prefix ? `${fresh.pool.split('/')[0]}/${opts.prefix}` : fresh.pool;
  const config = { bridge: fresh.bridge, pool, allowedCidrs: opts.allowedCidrs ?? [pool] };
  const tenant = await db.tenant.create({ data: { name: `t-${randomUUID()}` } });
  const vim = await db.vim.create({
    data: { tenantId: tenant.id, name: `netns-${fresh.bridge}`, type: 'netns', isDefault: true, config },
  });
  const driver = vimDriverFor(vim, { db }) as NetnsVimDriver;
  const env: VimEnv = {
    tenantId: tenant.id,
    vimId: vim.id,
    bridge: config.bridge,
    pool,
    driver,
    inject: (instanceId, fault) => driver.injectFault(instanceId, fault),
    namespaces: () => vimNamespaces(vim.id),
    async cleanup() {
      await driver.teardown().catch(() => undefined);
      await db.vim.update({ where: { id: vim.id }, data: { deletedAt: new Date() } }).catch(() => undefined);
    },
  };
  return env;
}

export async function vimNamespaces(vimId: string): Promise<string[]> {
  const prefix = namespacePrefix(vimId);
  try {
    return (await readdir('/run/netns')).filter((n) => n.startsWith(prefix)).sort();
  } catch {
    return [];
  }
}

export type { VimDriver };

// ---- monitor views ----------------------------------------------------------

export async function monitorStatus(stack: Pick<TestStack, 'client'>, vnfId: string): Promise<MonitorStatus> {
  return stack.client.workflow.getHandle(monitorWorkflowId(vnfId)).query<MonitorStatus>('status');
}

export async function monitorExecution(stack: Pick<TestStack, 'client'>, vnfId: string): Promise<string> {
  return (await stack.client.workflow.getHandle(monitorWorkflowId(vnfId)).describe()).status.name;
}

// ---- worker processes -------------------------------------------------------

export interface WorkerProcess {
  pid: number;
  /** Everything the process wrote (last 20k characters). */
  output(): string;
  /** kill -9, and wait until it is gone. */
  sigkill(): Promise<void>;
  /** SIGTERM (a clean stop), and wait until it is gone. */
  stop(): Promise<void>;
  exited: Promise<void>;
}

/**
 * Starts `src/conductor/main.ts` or `src/worker/monitor.ts` the way
 * production starts it (environment only), in one process (node --import
 * tsx, so SIGKILL reaches the worker itself, not a wrapper), and waits
 * until it says it is running.
 */
export async function spawnWorker(
  kind: 'conductor' | 'monitor',
  cfg: TemporalConfig,
  extra: Record<string, string> = {},
): Promise<WorkerProcess> {
  const entry = kind === 'conductor' ? 'src/conductor/main.ts' : 'src/worker/monitor.ts';
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: ROOT,
    env: processEnv(cfg, {
      VNFM_LOG_LEVEL: 'info',
      VNFM_CONDUCTOR_METRICS_PORT: '0',
      VNFM_MONITOR_METRICS_PORT: '0',
      ...extra,
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (b: Buffer) => {
    out = (out + b.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running = `${kind === 'conductor' ? 'conductor' : 'monitor'} worker running`;
  const deadline = Date.now() + 90_000;
  while (!out.includes(running)) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${kind} process exited during start: ${out.slice(-2000)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${kind} process did not start within 90 s: ${out.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  return {
    pid: child.pid!,
    output: () => out,
    exited,
    async sigkill() {
      if (!gone()) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (!gone()) child.kill('SIGTERM');
      await exited;
    },
  };
}

// ---- a private database -----------------------------------------------------

export type PrivateDb = ScratchDatabase;

/** A fresh, migrated database next to the run's, for one test file. */
export function privateDatabase(): Promise<PrivateDb> {
  return scratchDatabase(databaseUrl(), 'vnfm_test_private');
}

// ---- a Temporal server of one's own -----------------------------------------

/**
 * A dev server for one test file, with dynamic config the run's shared
 * server must not have (e.g. a tiny limit.historyCount.suggestContinueAsNew).
 */
export async function privateTemporal(dynamicConfig: Record<string, string | number>) {
  const cli = await ensureTemporalCli();
  const port = await freePort();
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--headless'];
  args.push('--log-level', 'error');
  for (const sa of CUSTOM_SEARCH_ATTRIBUTES) args.push('--search-attribute', `${sa}=Keyword`);
  for (const [k, v] of Object.entries(dynamicConfig)) args.push('--dynamic-config-value', `${k}=${v}`);
  const child = spawn(cli, args, { stdio: 'ignore' });
  let exited: string | undefined;
  child.once('exit', (code, sig) => (exited = `private Temporal dev server exited (${sig ?? code})`));
  const address = `127.0.0.1:${port}`;
  try {
    await waitForTemporal(address, 60_000, () => exited);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return { address, stop: () => stopChild(child) };
}

// ---- small things -----------------------------------------------------------

export const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A namespace of the test's own on the VIM's bridge holding `ip`: after an
 * address left vnfm's hands (scale in, delete), it shows on its own ICMP
 * counters whether anything still probes that address.
 */
export async function listenOn(vim: Pick<VimEnv, 'bridge' | 'pool'>, ip: string) {
  const id = randomBytes(4).toString('hex');
  const ns = `vt-listen-${id}`;
  const veth = `vl${id}`;
  const prefix = vim.pool.split('/')[1]!;
  const run = (...args: string[]) =>
    new Promise<void>((resolve, reject) => execFile('ip', args, (err) => (err ? reject(err) : resolve())));
  await run('netns', 'add', ns);
  await run('link', 'add', 'name', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
  await run('link', 'set', 'dev', veth, 'master', vim.bridge, 'up');
  await run('-n', ns, 'addr', 'add', `${ip}/${prefix}`, 'dev', 'eth0');
  await run('-n', ns, 'link', 'set', 'dev', 'eth0', 'up');
  await run('-n', ns, 'link', 'set', 'dev', 'lo', 'up');
  // A stale neighbour entry for the address (the deleted instance's MAC) would hide us.
  await run('neigh', 'flush', 'to', ip).catch(() => undefined);
  return {
    ns,
    async remove() {
      await run('link', 'del', 'dev', veth).catch(() => undefined);
      await run('netns', 'del', ns).catch(() => undefined);
    },
  };
}
