// Host-side views of netns VDUs: whether namespaces can be used here, and a
// namespace's own ICMP counters (what reaches the VDU, not what the monitor
// claims).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);
export { freshNetnsConfig, netnsUnavailable, pingOnce } from '../vim/helpers.js';

/** Echo requests received by the namespace (Icmp InEchos); undefined when the namespace is gone. */
export async function icmpInEchos(ns: string): Promise<number | undefined> {
  try {
    const { stdout } = await exec('ip', ['netns', 'exec', ns, 'cat', '/proc/net/snmp']);
    const lines = stdout.split('\n').filter((l) => l.startsWith('Icmp:'));
    const names = lines[0]!.split(/\s+/);
    const values = lines[1]!.split(/\s+/);
    return Number(values[names.indexOf('InEchos')]);
  } catch {
    return undefined;
  }
}

export async function namespaceExists(ns: string): Promise<boolean> {
  const { stdout } = await exec('ip', ['netns', 'list']);
  return stdout.split('\n').some((l) => l.split(' ')[0] === ns);
}

export async function netnsExec(ns: string, ...cmd: string[]): Promise<string> {
  const { stdout } = await exec('ip', ['netns', 'exec', ns, ...cmd]);
  return stdout;
}
