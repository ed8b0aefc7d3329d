// Spawning fping from a small, long-lived helper process. fork() copies the
// parent's page tables: from a monitor worker with hundreds of MB resident, one
// spawn costs 15–30 ms of CPU (parent and child, measured), and the batched
// engine spawns several times a second. From this ~40 MB helper a spawn costs
// about 1 ms, whatever the worker's size. The helper is plain JavaScript run
// with `node -e`, so it needs no loader and survives any build.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';

const HELPER = `
const { spawn } = require('node:child_process');
const kids = new Map();
process.on('message', (m) => {
  if (m.kill) { const c = kids.get(m.id); if (c) c.kill(m.kill); return; }
  let err = '';
  let c;
  try { c = spawn(m.file, m.args, { stdio: ['ignore', 'ignore', 'pipe'], env: m.env }); }
  catch (e) { process.send({ id: m.id, error: String(e.code || e.message) }); return; }
  kids.set(m.id, c);
  c.stderr.setEncoding('latin1');
  c.stderr.on('data', (s) => { if (err.length < ${8 * 1024 * 1024}) err += s; });
  c.on('error', (e) => {
    if (c.pid !== undefined) return;
    kids.delete(m.id);
    process.send({ id: m.id, error: String(e.code || e.message) });
  });
  c.on('close', (code, signal) => { kids.delete(m.id); process.send({ id: m.id, pid: c.pid, code, signal, stderr: err }); });
});
process.on('disconnect', () => { for (const c of kids.values()) c.kill('SIGKILL'); process.exit(0); });
`;

interface Reply {
  id: number;
  pid?: number;
  code?: number | null;
  signal?: NodeJS.Signals | null;
  stderr?: string;
  error?: string;
}

/** What the engine uses of a child process. */
export interface SpawnedProcess {
  pid?: number;
  stderr: { setEncoding(enc: BufferEncoding): void; on(ev: 'data', fn: (s: string) => void): void } | null;
  kill(signal?: NodeJS.Signals): boolean;
  on(ev: 'error', fn: (err: Error) => void): unknown;
  once(ev: 'close', fn: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
}

class Remote extends EventEmitter implements SpawnedProcess {
  pid?: number;
  readonly stderr = Object.assign(new EventEmitter(), { setEncoding: () => undefined });
  constructor(
    private readonly id: number,
    private readonly helper: Spawner,
  ) {
    super();
  }
  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    return this.helper.kill(this.id, signal);
  }
}

export class Spawner {
  private child?: ChildProcess;
  private next = 1;
  private readonly pending = new Map<number, Remote>();

  private ensure(): ChildProcess {
    if (this.child && this.child.connected) return this.child;
    const child = spawn(process.execPath, ['--max-old-space-size=64', '-e', HELPER], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' },
    });
    child.on('message', (m: Reply) => this.settle(m));
    child.on('exit', () => {
      if (this.child === child) this.child = undefined;
      // Whatever was running there is lost: report it as a failed spawn.
      for (const [id, r] of this.pending) {
        this.pending.delete(id);
        r.emit('error', Object.assign(new Error('fping helper exited'), { code: 'EHELPER' }));
      }
    });
    child.unref();
    (child.channel as unknown as { unref?: () => void } | undefined)?.unref?.();
    this.child = child;
    return child;
  }

  spawn(file: string, args: string[], env: NodeJS.ProcessEnv): SpawnedProcess {
    const id = this.next++;
    const r = new Remote(id, this);
    this.pending.set(id, r);
    this.ensure().send({ id, file, args, env });
    return r;
  }

  kill(id: number, signal: NodeJS.Signals): boolean {
    if (!this.pending.has(id) || !this.child?.connected) return false;
    this.child.send({ id, kill: signal });
    return true;
  }

  private settle(m: Reply): void {
    const r = this.pending.get(m.id);
    if (!r) return;
    this.pending.delete(m.id);
    if (m.error !== undefined) {
      r.emit('error', Object.assign(new Error(m.error), { code: m.error }));
      return;
    }
    r.pid = m.pid;
    if (m.stderr) r.stderr.emit('data', m.stderr);
    r.emit('close', m.code ?? null, m.signal ?? null);
  }

  close(): void {
    this.child?.kill('SIGKILL');
    this.child = undefined;
  }
}
