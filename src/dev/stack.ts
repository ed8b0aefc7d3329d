// What `npm run dev` has started, and stopping it in order: the API (no new
// requests), then the workers (they finish what they hold), then Temporal,
// then the database (PGlite flushes on close). A child that dies on its own
// is reported in one line and stops everything (exit 1): a crash in a dev
// stack is a bug or a broken configuration to look at, and restarting it in
// a loop would bury the message; Temporal keeps every workflow, so nothing is
// lost by starting again after the fix.
import type { DataDirLock } from './lock.js';
import type { Output } from './output.js';
import { describeExit, type ManagedChild } from './processes.js';

const API_GRACE_MS = 4000;
const WORKER_GRACE_MS = 7000;
const TEMPORAL_GRACE_MS = 4000;
/** Past this, whatever is left is killed: the whole stop stays within ~15 s. */
const HARD_LIMIT_MS = 16_000;

export class DevStack {
  api?: ManagedChild;
  workers: ManagedChild[] = [];
  /** The dev server, or the services of a local cluster. */
  temporal: ManagedChild[] = [];
  /** The database as it starts: a stop during its start waits for it, then closes it cleanly. */
  database?: Promise<{ stop(): Promise<void> }>;
  lock?: DataDirLock;
  private stopping?: Promise<void>;
  private exitCode = 0;

  constructor(private readonly output: Output) {}

  get isStopping(): boolean {
    return this.stopping !== undefined;
  }

  children(): ManagedChild[] {
    return [this.api, ...this.workers, ...this.temporal].filter((c): c is ManagedChild => c !== undefined);
  }

  /** Records the children in the lock file, for cleanup after a hard kill. */
  recordPids(): void {
    this.lock?.update(this.children().map((c) => c.pid));
  }

  /** A child that exits before we stop it takes everything down. */
  watch(child: ManagedChild): void {
    void child.exited.then((e) => {
      if (this.isStopping) return;
      this.output.dev(
        `${child.name} (pid ${child.pid}) exited unexpectedly (${describeExit(e)}); stopping everything — its last lines are above`,
      );
      void this.stop(1);
    });
  }

  /** Stops what has started after a start-up failure; the caller reports it and exits. */
  async stopQuietly(): Promise<void> {
    if (this.stopping) return this.stopping;
    this.stopping = this.stopAll(false);
    await this.stopping;
    this.lock?.release();
  }

  /** Stops everything once; later calls wait for the same stop. Exits the process. */
  stop(code: number, reason?: string): Promise<void> {
    if (this.stopping) return this.stopping;
    this.exitCode = code;
    if (reason) this.output.dev(reason);
    const hard = setTimeout(() => {
      this.output.dev('stopping took too long; killing what is left');
      for (const c of this.children()) c.process.kill('SIGKILL');
      process.exit(this.exitCode || 1);
    }, HARD_LIMIT_MS);
    hard.unref();
    this.stopping = this.stopAll(true).finally(() => {
      clearTimeout(hard);
      this.lock?.release();
      process.exit(this.exitCode);
    });
    return this.stopping;
  }

  private async stopAll(report: boolean): Promise<void> {
    const t0 = Date.now();
    const step = async (what: string, fn: () => Promise<unknown>) => {
      try {
        await fn();
      } catch (err) {
        this.output.dev(`stopping ${what} failed: ${(err as Error).message}`);
        this.exitCode ||= 1;
      }
    };
    if (this.api) await step('the API', () => this.api!.stop(API_GRACE_MS));
    await step('the workers', () => Promise.all(this.workers.map((w) => w.stop(WORKER_GRACE_MS))));
    // The dev server, or a cluster's services side by side (all within the grace).
    if (this.temporal.length)
      await step('Temporal', () => Promise.all(this.temporal.map((t) => t.stop(TEMPORAL_GRACE_MS))));
    if (this.database) {
      await step('the database', async () => {
        const db = await this.database!.catch(() => undefined);
        await db?.stop();
      });
    }
    if (report) this.output.dev(`stopped in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
}
