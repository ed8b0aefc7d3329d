// One `npm run dev` per data directory: two would open the same PGlite files
// and Temporal database and corrupt both. The lock file also lists the child
// processes, so a run that was killed outright (kill -9, a crash) leaves no
// orphans behind for long: the next run stops them before starting its own.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StartupError } from '../fatal.js';

interface LockContent {
  pid: number;
  children: number[];
}

export interface DataDirLock {
  /** Records the current child pids. */
  update(children: number[]): void;
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The process's command line, or undefined where /proc does not tell. */
function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return undefined;
  }
}

/** Whether `pid` is still one of ours (pids are reused: never kill a stranger). */
function isOurs(pid: number, dataDir: string, markers: string[]): boolean {
  const cmd = commandLine(pid);
  return cmd !== undefined && (cmd.includes(dataDir) || markers.some((m) => cmd.includes(m)));
}

/**
 * Takes the lock on `dataDir`, stopping what an earlier, killed run left.
 * `markers`: strings in the command lines of our children (entry paths).
 */
export async function lockDataDir(
  dataDir: string,
  markers: string[],
  log: (line: string) => void,
): Promise<DataDirLock> {
  const file = join(dataDir, 'dev.pid');
  if (existsSync(file)) {
    let prev: LockContent | undefined;
    try {
      prev = JSON.parse(readFileSync(file, 'utf8')) as LockContent;
    } catch {
      prev = undefined;
    }
    if (prev && prev.pid !== process.pid && alive(prev.pid) && commandLine(prev.pid)?.includes('dev/main')) {
      throw new StartupError(
        `another npm run dev (pid ${prev.pid}) is using ${dataDir}: stop it (Ctrl-C in its terminal), or set VNFM_DATA_DIR to another directory`,
      );
    }
    const left = (prev?.children ?? []).filter((pid) => alive(pid) && isOurs(pid, dataDir, markers));
    for (const pid of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    // Their ports are free once they are gone.
    for (let i = 0; i < 50 && left.some(alive); i++) await new Promise((r) => setTimeout(r, 100));
    if (left.length) {
      log(
        `stopped ${left.length} process(es) left by an earlier npm run dev that did not stop cleanly (pids ${left.join(', ')})`,
      );
    }
  }
  const write = (children: number[]) =>
    writeFileSync(file, JSON.stringify({ pid: process.pid, children } satisfies LockContent));
  write([]);
  return {
    update: write,
    release: () => rmSync(file, { force: true }),
  };
}
