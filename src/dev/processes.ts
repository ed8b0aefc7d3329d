// The API and the two workers as child processes of `npm run dev`, started
// through their production entry points with production's environment
// variables, their output shown line by line with a [name] prefix.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Output } from './output.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export const ENTRY_POINTS = {
  api: 'src/api/main.ts',
  monitor: 'src/worker/monitor.ts',
  conductor: 'src/conductor/main.ts',
} as const;

export type ChildName = keyof typeof ENTRY_POINTS;

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedChild {
  name: string;
  pid: number;
  process: ChildProcess;
  startedAt: number;
  /** Resolves when the process has exited. */
  exited: Promise<ExitInfo>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs: number): Promise<ExitInfo>;
}

export function describeExit(e: ExitInfo): string {
  return e.signal ? `killed by ${e.signal}` : `exit code ${e.code}`;
}

/** Wraps a spawned process: exit tracking and an orderly stop. */
export function manage(name: string, child: ChildProcess): ManagedChild {
  const exited = new Promise<ExitInfo>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode });
    } else {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      // A process that could not be spawned emits 'error' and maybe no 'exit'.
      child.once('error', () => resolve({ code: child.exitCode ?? 127, signal: null }));
    }
  });
  return {
    name,
    pid: child.pid ?? -1,
    process: child,
    startedAt: Date.now(),
    exited,
    stop: async (graceMs) => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      return exited;
    },
  };
}

/**
 * Starts an entry point as `node --import tsx <entry>` (what `tsx <entry>`
 * does, without tsx's extra relay process, so the pid is the process
 * itself). Its own process group: a terminal's Ctrl-C reaches only
 * `npm run dev`, which stops the children in order.
 */
export function startEntry(name: ChildName, env: NodeJS.ProcessEnv, output: Output): ManagedChild {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY_POINTS[name]], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  output.follow(name, child.stdout);
  output.follow(name, child.stderr);
  // A spawn failure (e.g. no node binary) shows up as an exit.
  child.on('error', (err) => output.line(name, `could not start: ${err.message}`));
  return manage(name, child);
}
