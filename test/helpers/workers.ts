// Real workers in the test process, on task queues unique to the test file,
// against the run's Temporal dev server and database. Workflow bundles are
// built once per test file, or taken from a disk cache keyed by the sources
// (webpack costs ~6 s per bundle, in every test file).
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, type WorkflowBundle } from '@temporalio/worker';
import type { TemporalConfig } from '../../src/config.js';
import type { Db } from '../../src/db/client.js';
import { CONDUCTOR_WORKFLOWS_PATH, createConductorWorker } from '../../src/conductor/worker.js';
import {
  createMonitorWorker,
  MONITOR_WORKFLOWS_PATH,
  type MonitorWorker,
} from '../../src/worker/monitor-worker.js';
import { testDb, testTemporalConfig } from './env.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BUNDLE_CACHE = join(tmpdir(), 'vnfm-test-bundles');

/**
 * Changes with the workflow code: every file the entry reaches through
 * relative imports (type-only ones too: harmless), and any dependency
 * (package-lock.json).
 */
async function bundleKey(entry: string): Promise<string> {
  const h = createHash('sha256').update(entry);
  h.update(await readFile(join(ROOT, 'package-lock.json')));
  const seen = new Set<string>();
  const todo = [entry];
  while (todo.length) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = await readFile(file, 'utf8');
    h.update(file).update(text);
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const spec = resolve(dirname(file), m[1]!);
      const candidates = [spec, spec.replace(/\.js$/, '.ts'), `${spec}.ts`, join(spec, 'index.ts')];
      const found = candidates.find((c) => existsSync(c) && !statSync(c).isDirectory());
      // Unresolvable: a specifier in a comment or string (generated code has some).
      if (found) todo.push(found);
    }
  }
  return h.digest('hex').slice(0, 32);
}

async function buildBundle(path: string): Promise<WorkflowBundle> {
  const build = () =>
    bundleWorkflowCode({
      workflowsPath: path,
      logger: { log() {}, info() {}, warn() {}, error() {}, debug() {}, trace() {} },
    });
  const file = await bundleKey(path).then(
    (key) => join(BUNDLE_CACHE, `${key}.js`),
    () => undefined,
  );
  if (!file) return build();
  try {
    return { code: await readFile(file, 'utf8') };
  } catch {
    // Not cached yet: build it.
  }
  const bundle = await build();
  try {
    await mkdir(BUNDLE_CACHE, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, bundle.code);
    await rename(tmp, file); // atomic: files running in parallel never read half a bundle
    // Bundles of older sources go after a day.
    for (const old of await readdir(BUNDLE_CACHE)) {
      const p = join(BUNDLE_CACHE, old);
      if (Date.now() - (await stat(p)).mtimeMs > 86_400_000) await rm(p, { force: true });
    }
  } catch {
    // A cache that cannot be written only costs time.
  }
  return bundle;
}

const bundles = new Map<string, Promise<WorkflowBundle>>();
export function workflowBundle(path: string): Promise<WorkflowBundle> {
  let b = bundles.get(path);
  if (!b) {
    b = buildBundle(path);
    bundles.set(path, b);
  }
  return b;
}

export interface TestStack {
  temporal: TemporalConfig;
  client: Client;
  db: Db;
  monitor?: MonitorWorker;
  /** Stops and restarts the monitor worker (same process, new identity). */
  restartMonitor(): Promise<void>;
  stopMonitor(): Promise<void>;
  stop(): Promise<void>;
}

export interface StackOptions {
  monitor?: boolean;
  conductor?: boolean;
  heartbeatTimeoutMs?: number;
  pingEngine?: 'batch' | 'ping';
  /** Another database than the run's (a file's private one). */
  databaseUrl?: string;
  /** Another Temporal server than the run's (e.g. one with special dynamic config). */
  temporalAddress?: string;
}

export async function startStack(opts: StackOptions = {}): Promise<TestStack> {
  const temporal = {
    ...testTemporalConfig(),
    ...(opts.temporalAddress ? { address: opts.temporalAddress } : {}),
  };
  const connection = await NativeConnection.connect({ address: temporal.address });
  const client = new Client({ connection: await Connection.connect({ address: temporal.address }) });
  const db = testDb(opts.databaseUrl);
  const running: Promise<unknown>[] = [];
  const stops: (() => Promise<void>)[] = [];

  if (opts.conductor !== false) {
    const worker = await createConductorWorker({
      db,
      client,
      temporal,
      connection,
      workflowBundle: await workflowBundle(CONDUCTOR_WORKFLOWS_PATH),
    });
    running.push(worker.run());
    stops.push(async () => worker.shutdown());
  }

  const stack: TestStack = {
    temporal,
    client,
    db,
    async restartMonitor() {
      await stack.stopMonitor();
      await startMonitor();
    },
    async stopMonitor() {
      const m = stack.monitor;
      stack.monitor = undefined;
      await m?.shutdown();
    },
    async stop() {
      await stack.stopMonitor();
      for (const s of stops) await s();
      await Promise.allSettled(running);
      await connection.close();
      await client.connection.close();
      await db.$disconnect();
    },
  };
  const startMonitor = async () => {
    const m = await createMonitorWorker({
      connection,
      temporal,
      maxLoops: 1000,
      heartbeatTimeoutMs: opts.heartbeatTimeoutMs ?? 10_000,
      pingEngine: opts.pingEngine ?? 'batch',
      workflowBundle: await workflowBundle(MONITOR_WORKFLOWS_PATH),
    });
    stack.monitor = m;
    void m.run();
  };
  if (opts.monitor !== false) await startMonitor();
  return stack;
}

/** Polls `fn` until it returns a truthy value; fails with `what` after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  fn: () => Promise<T | undefined | false | null>,
  timeoutMs = 30_000,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
