// What the netns VIM remembers about each namespace, one JSON file per
// namespace under a runtime directory (default /run/vnfm/netns/<ns>.json).
// /run is normally a tmpfs, so records and namespaces vanish together at
// reboot; where it is not, a record that outlived its namespace just describes
// a missing instance, which create rebuilds. A record is written (atomically, by
// rename) before its namespace is created and removed after it is deleted, so
// every namespace of ours has one; it lets listInstances name the instance
// behind a hashed namespace name and describeInstance report the IP of an
// instance whose namespace was deleted behind vnfm's back. A record carries
// the owner mark of the installation that made the namespace (host-owner.ts).
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HostOwner } from './host-owner.js';

export const DEFAULT_STATE_DIR = '/run/vnfm/netns';

export interface NetnsRecord {
  vimId: string;
  instanceId: string;
  vnfId: string;
  vduName: string;
  index: number;
  image: string;
  httpPort?: number;
  mgmtIp: string;
  namespace: string;
  veth: string;
  /** When the namespace was last (re)built: garbage collection leaves younger ones alone. */
  createdAt: string;
  /** The installation that made it (absent in records written before owner marks). */
  owner?: HostOwner;
}

export class NetnsRecords {
  constructor(readonly dir: string = DEFAULT_STATE_DIR) {}

  private path(namespace: string): string {
    return join(this.dir, `${namespace}.json`);
  }

  async write(rec: NetnsRecord): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const tmp = `${this.path(rec.namespace)}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(tmp, JSON.stringify(rec, null, 2) + '\n', { mode: 0o644 });
    await rename(tmp, this.path(rec.namespace));
  }

  async read(namespace: string): Promise<NetnsRecord | undefined> {
    try {
      return JSON.parse(await readFile(this.path(namespace), 'utf8')) as NetnsRecord;
    } catch (err) {
      // Missing, or unreadable (torn by hand): either way we know nothing.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || err instanceof SyntaxError) return undefined;
      throw err;
    }
  }

  async remove(namespace: string): Promise<void> {
    await rm(this.path(namespace), { force: true });
  }

  /** Namespaces with a record whose name starts with `prefix`. */
  async list(prefix: string): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return names
      .filter((n) => n.startsWith(prefix) && n.endsWith('.json'))
      .map((n) => n.slice(0, -'.json'.length));
  }
}
