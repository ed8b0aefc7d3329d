// What the VIM tests share: whether real namespaces are available, a bridge
// name and pool no one else on this host uses, the tenant and VIM rows that
// ip_allocations' foreign key needs, and real probes (ping, HTTP) from the host.
import { execFile } from 'node:child_process';
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import type { Db } from '../../src/db/client.js';
import { cidrsOverlap } from '../../src/net/cidr.js';
import type { NetnsVimConfig } from '../../src/vim/driver.js';

const exec = promisify(execFile);

/** Why netns tests cannot run here, or undefined when they can (root and a working `ip netns`). */
export async function netnsUnavailable(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'not running as root (netns tests need CAP_NET_ADMIN)';
  const probe = `vnfm-probe-${randomBytes(4).toString('hex')}`;
  try {
    await exec('ip', ['netns', 'add', probe]);
    await exec('ip', ['netns', 'del', probe]);
    return undefined;
  } catch (err) {
    return `\`ip netns\` is unavailable: ${(err as Error).message.trim()}`;
  }
}

/** A bridge name and a /26 pool in 10.200.0.0–10.255.255.255 that no route of this host touches. */
export async function freshNetnsConfig(): Promise<NetnsVimConfig> {
  const { stdout } = await exec('ip', ['-j', '-4', 'route', 'show', 'table', 'all']);
  const taken = (JSON.parse(stdout || '[]') as { dst: string }[])
    .map((r) => r.dst)
    .filter((d) => d && d !== 'default')
    .map((d) => (d.includes('/') ? d : `${d}/32`));
  for (;;) {
    const pool = `10.${200 + randomInt(56)}.${randomInt(256)}.${randomInt(4) * 64}/26`;
    if (taken.some((t) => cidrsOverlap(t, pool))) continue;
    return { bridge: `vt${randomBytes(3).toString('hex')}`, pool, allowedCidrs: [pool] };
  }
}

export async function createVimRow(
  db: Db,
  type: 'netns' | 'static',
  config: object,
): Promise<{ id: string }> {
  const tenant = await db.tenant.create({ data: { name: `vim-test-${randomUUID()}` } });
  return db.vim.create({ data: { tenantId: tenant.id, name: `vim-${type}`, type, config } });
}

/** One real ICMP echo from the host: `ping -c1 -W1`. */
export async function pingOnce(ip: string): Promise<boolean> {
  try {
    await exec('ping', ['-c1', '-W1', '-n', ip], { timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}

/** Pings until one answers (links need a moment after coming up), up to `tries`. */
export async function pingSoon(ip: string, tries = 5): Promise<boolean> {
  for (let i = 0; i < tries; i++) if (await pingOnce(ip)) return true;
  return false;
}

export async function httpStatus(ip: string, port: number): Promise<number | string> {
  try {
    const res = await fetch(`http://${ip}:${port}/`, { signal: AbortSignal.timeout(2_000) });
    await res.text();
    return res.status;
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}

export async function ipJson<T>(...args: string[]): Promise<T[]> {
  const { stdout } = await exec('ip', ['-j', ...args]);
  return stdout.trim() ? (JSON.parse(stdout) as T[]) : [];
}

export async function sh(file: string, ...args: string[]): Promise<string> {
  return (await exec(file, args)).stdout;
}

export async function namespaces(): Promise<string[]> {
  return (await ipJson<{ name: string }>('netns', 'list')).map((n) => n.name);
}
