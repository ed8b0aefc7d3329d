// A probe target of our own: a network namespace joined to the host by a veth
// pair in a free /29 of 10.253.0.0/16 (host .1, namespace .2), so "never
// answers" is something we arrange, not an outside address we hope is dead.
// Nothing routed here leaves the machine. Needs root (CAP_NET_ADMIN).
import { execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';

export const isRoot = (): boolean => process.getuid?.() === 0;

const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8', stdio: 'pipe' });

export interface NetnsTarget {
  ns: string;
  /** The namespace's address (answers while up and not silenced). */
  ip: string;
  /** The host end's address (local: always answers). */
  hostIp: string;
  /** A /32 in our block routed `unreachable` on the host: connect() fails at once. */
  unreachableIp: string;
  /** Our /29, for allow-lists. */
  cidr: string;
  /** Reply to pings (true) or drop echo requests silently (false). */
  answer(on: boolean): void;
  /** The namespace's link up or down. */
  link(up: boolean): void;
  destroy(): void;
}

function freeBlock(): string {
  const used = ip('-4', 'route', 'show', 'table', 'all') + ip('-4', '-o', 'addr', 'show');
  for (let i = 0; i < 50; i++) {
    const prefix = `10.253.${randomInt(0, 256)}.${randomInt(0, 32) * 8}`;
    const third = prefix.split('.').slice(0, 3).join('.') + '.';
    if (!used.includes(third)) return prefix;
  }
  throw new Error('no free /29 in 10.253.0.0/16');
}

export function createNetnsTarget(): NetnsTarget {
  const tag = randomBytes(3).toString('hex');
  const ns = `vnfm-ptest-${tag}`;
  const hostIf = `vpt${tag}h`;
  const nsIf = `vpt${tag}n`;
  const base = freeBlock();
  const [a, b, c, d] = base.split('.').map(Number) as [number, number, number, number];
  const at = (k: number) => `${a}.${b}.${c}.${d + k}`;
  const t: NetnsTarget = {
    ns,
    ip: at(2),
    hostIp: at(1),
    unreachableIp: at(5),
    cidr: `${base}/29`,
    answer(on) {
      ip('netns', 'exec', ns, 'sysctl', '-q', '-w', `net.ipv4.icmp_echo_ignore_all=${on ? 0 : 1}`);
    },
    link(up) {
      ip('-n', ns, 'link', 'set', nsIf, up ? 'up' : 'down');
    },
    destroy() {
      for (const args of [
        ['route', 'del', 'unreachable', `${at(5)}/32`],
        ['link', 'del', hostIf],
        ['netns', 'del', ns],
      ]) {
        try {
          ip(...args);
        } catch {
          // already gone
        }
      }
    },
  };
  try {
    ip('netns', 'add', ns);
    ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf, 'netns', ns);
    ip('addr', 'add', `${at(1)}/30`, 'dev', hostIf);
    ip('link', 'set', hostIf, 'up');
    ip('-n', ns, 'addr', 'add', `${at(2)}/30`, 'dev', nsIf);
    ip('-n', ns, 'link', 'set', nsIf, 'up');
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    ip('route', 'add', 'unreachable', `${at(5)}/32`);
  } catch (err) {
    t.destroy();
    throw err;
  }
  return t;
}
