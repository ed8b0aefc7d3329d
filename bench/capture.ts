// Host-side truth about probes: tcpdump on each fleet namespace's veth
// records every ICMP echo request that reaches the VDU hosts (pcap, 64-byte
// snaplen), and the parser turns the files into per-IP timestamp lists. This
// is what the VDUs saw, independent of what vnfm reports about itself.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Fleet } from './fleet.js';

export interface EchoLog {
  /** Echo-request arrival times (ms since the epoch, sorted) per destination IP. */
  byIp: Map<string, number[]>;
  total: number;
  /** Packets tcpdump reported as dropped by the kernel (0 means the capture is complete). */
  dropped: number;
}

interface Running {
  child: ChildProcess;
  file: string;
  stderr: string;
}

export class Capture {
  private constructor(private readonly running: Running[]) {}

  /** Starts one tcpdump per namespace and waits until each is listening. */
  static async start(fleet: Fleet, dir: string, tag = 'echo'): Promise<Capture> {
    const running: Running[] = [];
    for (const ns of fleet.namespaces) {
      const file = join(dir, `${tag}-${ns.name}.pcap`);
      const child = spawn(
        'ip',
        [
          'netns',
          'exec',
          ns.name,
          'tcpdump',
          '-i',
          ns.nsVeth,
          '-n',
          '-s',
          '64',
          '-B',
          '16384',
          '-w',
          file,
          'icmp[icmptype] == icmp-echo',
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      const r: Running = { child, file, stderr: '' };
      running.push(r);
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(
          () => reject(new Error(`tcpdump in ${ns.name} did not start: ${r.stderr}`)),
          10_000,
        );
        child.stderr!.on('data', (b: Buffer) => {
          r.stderr += b.toString();
          if (r.stderr.includes('listening on')) {
            clearTimeout(t);
            resolve();
          }
        });
        child.once('exit', (code) => {
          clearTimeout(t);
          reject(new Error(`tcpdump in ${ns.name} exited (${code}): ${r.stderr.trim()}`));
        });
      });
    }
    // "listening" comes a moment before packets are really captured.
    await new Promise((r) => setTimeout(r, 500));
    return new Capture(running);
  }

  pids(): number[] {
    return this.running.map((r) => r.child.pid!).filter(Boolean);
  }

  /** Stops the captures (SIGINT flushes them) and parses what they recorded. */
  async stop(): Promise<EchoLog> {
    await Promise.all(
      this.running.map(
        (r) =>
          new Promise<void>((resolve) => {
            if (r.child.exitCode !== null) return resolve();
            r.child.once('exit', () => resolve());
            r.child.kill('SIGINT');
          }),
      ),
    );
    const log: EchoLog = { byIp: new Map(), total: 0, dropped: 0 };
    for (const r of this.running) {
      log.dropped += Number(/(\d+) packets? dropped by kernel/.exec(r.stderr)?.[1] ?? 0);
      parsePcap(readFileSync(r.file), log);
    }
    for (const ts of log.byIp.values()) ts.sort((a, b) => a - b);
    return log;
  }

  /** Ends the captures without parsing (cleanup). */
  kill(): void {
    for (const r of this.running) if (r.child.exitCode === null) r.child.kill('SIGKILL');
  }
}

/** Adds the IPv4 destination and time of every packet in a pcap file to `log`. */
export function parsePcap(buf: Buffer, log: EchoLog): void {
  if (buf.length < 24) return;
  const magic = buf.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const nano = magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const linktype = u32(20);
  const ipAt = linktype === 1 ? 14 : linktype === 113 ? 16 : linktype === 101 ? 0 : -1;
  if (ipAt < 0) throw new Error(`unexpected pcap link type ${linktype}`);
  let o = 24;
  while (o + 16 <= buf.length) {
    const sec = u32(o);
    const frac = u32(o + 4);
    const incl = u32(o + 8);
    const pkt = o + 16;
    o = pkt + incl;
    if (o > buf.length) break;
    if (incl < ipAt + 20 || buf[pkt + ipAt]! >> 4 !== 4) continue;
    const d = pkt + ipAt + 16;
    const ip = `${buf[d]}.${buf[d + 1]}.${buf[d + 2]}.${buf[d + 3]}`;
    const ms = sec * 1000 + (nano ? frac / 1e6 : frac / 1e3);
    let list = log.byIp.get(ip);
    if (!list) log.byIp.set(ip, (list = []));
    list.push(ms);
    log.total++;
  }
}

/** Echo times of `ip` within [from, to). */
export function echoesIn(log: EchoLog, ip: string, from: number, to: number): number[] {
  return (log.byIp.get(ip) ?? []).filter((t) => t >= from && t < to);
}
