// CPU time and memory of processes, read from /proc: utime+stime of the
// process, of its reaped children (cutime+cstime) and of its live
// descendants, so short-lived helpers (fping) count towards their parent.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;
function clkTck(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ticksPerSecond;
}

interface Stat {
  ppid: number;
  utime: number;
  stime: number;
  cutime: number;
  cstime: number;
}

function readStat(pid: number): Stat | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' '); // f[0] is field 3 (state)
    return {
      ppid: Number(f[1]),
      utime: Number(f[11]),
      stime: Number(f[12]),
      cutime: Number(f[13]),
      cstime: Number(f[14]),
    };
  } catch {
    return undefined;
  }
}

/** Kernel (system) CPU seconds of one process: sockets, syscalls. */
export function systemSeconds(pid: number): number {
  return (readStat(pid)?.stime ?? NaN) / clkTck();
}

function childrenOf(pid: number): number[] {
  try {
    const tasks = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return tasks ? tasks.split(/\s+/).map(Number) : [];
  } catch {
    return [];
  }
}

/** CPU seconds of `pid` including reaped children and live descendants; undefined when it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  const st = readStat(pid);
  if (!st) return undefined;
  let ticks = st.utime + st.stime + st.cutime + st.cstime;
  const stack = childrenOf(pid);
  while (stack.length) {
    const c = stack.pop()!;
    const cs = readStat(c);
    if (!cs) continue;
    ticks += cs.utime + cs.stime + cs.cutime + cs.cstime;
    stack.push(...childrenOf(c));
  }
  return ticks / clkTck();
}

/**
 * Seconds the main thread of `pid` (where Node runs JavaScript) spent runnable but waiting for a
 * CPU — the run delay of /proc/<pid>/schedstat: what a request waits on a machine busier than
 * its cores.
 */
export function runQueueSeconds(pid: number): number | undefined {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e9;
  } catch {
    return undefined;
  }
}

export interface Memory {
  /** Resident set now, MiB. */
  rssMiB: number;
  /** Peak resident set (VmHWM), MiB. */
  peakMiB: number;
}

export function memory(pid: number): Memory | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? 0);
    return { rssMiB: kb('VmRSS') / 1024, peakMiB: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** CPU seconds over a window: call start(), then stop() for the difference. */
export function cpuWindow(pid: number): { stop(): number | undefined } {
  const before = cpuSeconds(pid);
  return {
    stop: () => {
      const after = cpuSeconds(pid);
      return before === undefined || after === undefined ? undefined : after - before;
    },
  };
}
