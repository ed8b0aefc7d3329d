// Prometheus blackbox_exporter (the Debian package) with an ICMP module of
// our own on 127.0.0.1, and a scrape loop that plays Prometheus: every target
// once per period at its own phase, the same schedule vnfm's loops follow.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Agent, get } from 'node:http';
import { join } from 'node:path';
import { stopChild } from '../src/temporal/dev-server.js';

export class Blackbox {
  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
  ) {}

  get pid(): number {
    return this.child.pid!;
  }

  static async start(dir: string, port: number, timeoutS: number): Promise<Blackbox> {
    const config = join(dir, 'blackbox.yml');
    writeFileSync(
      config,
      [
        'modules:',
        '  icmp:',
        '    prober: icmp',
        `    timeout: ${timeoutS}s`,
        '    icmp:',
        '      preferred_ip_protocol: ip4',
        '      ip_protocol_fallback: false',
        '',
      ].join('\n'),
    );
    const child = spawn(
      'prometheus-blackbox-exporter',
      [`--config.file=${config}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    child.stderr!.on('data', (b: Buffer) => (err = (err + b.toString()).slice(-2000)));
    const bb = new Blackbox(child, `http://127.0.0.1:${port}`);
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`blackbox_exporter exited: ${err}`);
      const ok = await fetch(`${bb.url}/-/healthy`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return bb;
      if (Date.now() > deadline) throw new Error(`blackbox_exporter did not start: ${err}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  stop(): Promise<void> {
    return stopChild(this.child, 5000);
  }
}

export interface ScrapeStats {
  sent: number;
  done: number;
  success: number;
  failed: number;
}

/** Probes every target through the exporter once per period, each at its own phase. */
export class ScrapeLoop {
  readonly stats: ScrapeStats = { sent: 0, done: 0, success: 0, failed: 0 };
  private timers: NodeJS.Timeout[] = [];
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });

  constructor(
    private readonly url: string,
    private readonly targets: string[],
    private readonly periodMs: number,
  ) {}

  start(): void {
    for (const ip of this.targets) {
      const phase = createHash('sha1').update(ip).digest().readUInt32BE(0) % this.periodMs;
      const first = phase - (Date.now() % this.periodMs);
      const begin = first >= 0 ? first : first + this.periodMs;
      this.timers.push(
        setTimeout(() => {
          this.probe(ip);
          this.timers.push(setInterval(() => this.probe(ip), this.periodMs));
        }, begin),
      );
    }
  }

  private probe(ip: string): void {
    this.stats.sent++;
    const req = get(`${this.url}/probe?module=icmp&target=${ip}`, { agent: this.agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        this.stats.done++;
        if (/^probe_success 1$/m.test(body)) this.stats.success++;
        else this.stats.failed++;
      });
    });
    req.on('error', () => {
      this.stats.done++;
      this.stats.failed++;
    });
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    this.agent.destroy();
  }
}
