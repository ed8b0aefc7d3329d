// What the figures were measured on: cores, memory, kernel, Node, and how
// busy the machine was (other work skews CPU and latency figures).
import { cpus, loadavg, release, totalmem } from 'node:os';
import { readFileSync } from 'node:fs';

export interface Machine {
  cores: number;
  cpuModel: string;
  memGiB: number;
  kernel: string;
  node: string;
  /** 1/5/15-minute load averages. */
  load: number[];
}

export function machine(): Machine {
  return {
    cores: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    node: process.version,
    load: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

interface CpuTicks {
  idle: number;
  total: number;
}

function cpuTicks(): CpuTicks {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return { idle: (f[3] ?? 0) + (f[4] ?? 0), total: f.reduce((a, b) => a + b, 0) };
}

/** Starts measuring how busy all CPUs are; the returned function gives the busy fraction since, 0..1. */
export function busySince(): () => number {
  const a = cpuTicks();
  return () => {
    const b = cpuTicks();
    const total = b.total - a.total;
    return total > 0 ? 1 - (b.idle - a.idle) / total : 0;
  };
}

/** Busy fraction of all CPUs over `ms` (from /proc/stat), 0..1. */
export async function cpuBusy(ms: number): Promise<number> {
  const busy = busySince();
  await new Promise((r) => setTimeout(r, ms));
  return busy();
}
