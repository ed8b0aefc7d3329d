// Starts a Temporal dev server (with the Web UI) and waits until it answers.
// The SDK's own helper gives a server 5 s to start, which is flaky on small
// machines; here the wait is generous and the failure message says why.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Connection } from '@temporalio/client';
import { StartupError } from '../fatal.js';
import { ensureTemporalCli } from './cli.js';
import { CUSTOM_SEARCH_ATTRIBUTES } from './search-attributes.js';

export interface DevServerOptions {
  port?: number; // 0 or undefined: a free port
  uiPort?: number; // undefined: headless
  ip?: string;
  dbFile?: string; // undefined: in memory
  metricsPort?: number; // Prometheus /metrics of the server; undefined: a random port
  /** SQLite pragmas for the db file, e.g. ['journal_mode=wal', 'synchronous=normal']. */
  sqlitePragmas?: string[];
  namespace?: string;
  startTimeoutMs?: number;
  log?: (line: string) => void;
  /** Forward the server's output to this process's stderr. */
  inheritOutput?: boolean;
  /**
   * Own process group, so a terminal's Ctrl-C reaches only the parent, which
   * then stops its clients before the server (`npm run dev`).
   */
  detached?: boolean;
  /** Called once the server process exists, before it answers (to stop it on an early signal). */
  onSpawn?: (child: ChildProcess) => void;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export async function assertPortFree(port: number, what: string, host = '127.0.0.1'): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const srv = createServer();
    srv.once('error', () =>
      reject(
        new StartupError(
          `port ${port} (${what}) is already in use: stop whatever holds it, or choose another port`,
        ),
      ),
    );
    srv.listen(port, host, () => srv.close(() => resolve()));
  });
}

export async function waitForTemporal(
  address: string,
  timeoutMs: number,
  isDead?: () => string | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    const dead = isDead?.();
    if (dead) throw new StartupError(dead);
    try {
      const conn = await Connection.connect({ address, connectTimeout: 2000 });
      try {
        await conn.workflowService.getSystemInfo({});
        return;
      } finally {
        await conn.close();
      }
    } catch (err) {
      lastErr = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new StartupError(
    `Temporal at ${address} did not answer within ${Math.round(timeoutMs / 1000)} s (${(lastErr as Error)?.message ?? 'no answer'})`,
  );
}

export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  const cli = await ensureTemporalCli(opts.log);
  const ip = opts.ip ?? '127.0.0.1';
  const port = opts.port || (await freePort(ip));
  if (opts.port) await assertPortFree(port, 'Temporal frontend', ip);
  if (opts.uiPort) await assertPortFree(opts.uiPort, 'Temporal Web UI', ip);
  const args = ['server', 'start-dev', '--ip', ip, '--port', String(port), '--log-level', 'error'];
  if (opts.uiPort) args.push('--ui-port', String(opts.uiPort));
  else args.push('--headless');
  if (opts.dbFile) args.push('--db-filename', opts.dbFile);
  if (opts.metricsPort) args.push('--metrics-port', String(opts.metricsPort));
  for (const p of opts.sqlitePragmas ?? []) args.push('--sqlite-pragma', p);
  if (opts.namespace && opts.namespace !== 'default') args.push('--namespace', opts.namespace);
  for (const sa of CUSTOM_SEARCH_ATTRIBUTES) args.push('--search-attribute', `${sa}=Keyword`);
  // Dev-server defaults throttle visibility and RPS below what a fleet needs.
  args.push('--dynamic-config-value', 'frontend.namespaceRPS=100000');
  args.push('--dynamic-config-value', 'frontend.rps=100000');
  args.push('--dynamic-config-value', 'history.rps=100000');
  // Activities a workflow task schedules on its own queue go back to the completing worker in
  // the task's answer: no matching round trip and no separate "started" write (off by default).
  args.push('--dynamic-config-value', 'system.enableActivityEagerExecution=true');

  const child = spawn(cli, args, {
    stdio: ['ignore', opts.inheritOutput ? 'inherit' : 'pipe', opts.inheritOutput ? 'inherit' : 'pipe'],
    detached: opts.detached ?? false,
  });
  opts.onSpawn?.(child);
  let output = '';
  const keep = (b: Buffer) => {
    output = (output + b.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited: string | undefined;
  child.on('exit', (code, sig) => {
    exited = `the Temporal dev server exited (${sig ?? code}) during start: ${output.trim().split('\n').slice(-3).join(' | ') || 'no output'}`;
  });
  const address = `${ip}:${port}`;
  try {
    await waitForTemporal(address, opts.startTimeoutMs ?? 60_000, () => exited);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    address,
    uiUrl: opts.uiPort ? `http://localhost:${opts.uiPort}` : undefined,
    process: child,
    stop: () => stopChild(child),
  };
}

export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
