// PostgreSQL's share: the backends serving the stack's database come and go
// with the connection pools, so they are polled every second; CPU over a
// window is the sum of each backend's growth, peak RSS the largest VmHWM.
import { cpuSeconds, memory } from './proc.js';

interface Seen {
  cpu: number;
  hwmMiB: number;
}

export class PgSampler {
  private readonly latest = new Map<number, Seen>();
  private timer?: NodeJS.Timeout;
  private busy = false;

  constructor(private readonly backends: () => Promise<number[]>) {}

  start(): void {
    this.timer = setInterval(() => void this.poll(), 1000);
    void this.poll();
  }

  async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (const pid of await this.backends()) {
        const cpu = cpuSeconds(pid);
        const mem = memory(pid);
        if (cpu !== undefined && mem) this.latest.set(pid, { cpu, hwmMiB: mem.peakMiB });
      }
    } catch {
      // the database is going away (teardown)
    } finally {
      this.busy = false;
    }
  }

  /** CPU seconds per backend now (for a window's start). */
  async mark(): Promise<Map<number, number>> {
    await this.poll();
    return new Map([...this.latest].map(([pid, s]) => [pid, s.cpu]));
  }

  /** CPU seconds of all backends since `mark`. */
  async cpuSince(mark: Map<number, number>): Promise<number> {
    await this.poll();
    let sum = 0;
    for (const [pid, s] of this.latest) sum += s.cpu - (mark.get(pid) ?? 0);
    return sum;
  }

  peak(): { maxMiB: number; backends: number } {
    let maxMiB = 0;
    for (const s of this.latest.values()) maxMiB = Math.max(maxMiB, s.hwmMiB);
    return { maxMiB: Math.round(maxMiB), backends: this.latest.size };
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
