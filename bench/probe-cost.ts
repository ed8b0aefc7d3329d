// CPU and wall time of ping probe rounds against N loopback targets
// (127.1.x.y: every 127/8 address answers locally, nothing leaves the host).
//
//   npx tsx bench/probe-cost.ts --targets 1000 --engine batch|ping
//     [--rounds 3] [--count 1] [--interval 1] [--timeout 1] [--spread 0]
//
// --spread S starts the round's probes evenly over S seconds instead of all at
// once, as the monitor's probe loops do (each target has its own phase in its
// period), so the batch engine sees the batches it would see in production.
//
// CPU is this process (process.cpuUsage) plus its reaped children (cutime +
// cstime from /proc/self/stat, in clock ticks), so the `ping`/`fping`
// processes count too. Children are reaped before a probe resolves.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { normalizeMonitoringPolicy, type MonitoringPolicy } from '../src/monitoring/policy.js';
import type { ProbeDriver, ProbeResult } from '../src/probes/driver.js';
import { FpingEngine } from '../src/probes/fping-engine.js';
import { PingPackageDriver } from '../src/probes/ping-package.js';

const { values } = parseArgs({
  options: {
    targets: { type: 'string', default: '1000' },
    engine: { type: 'string', default: 'batch' },
    rounds: { type: 'string', default: '3' },
    count: { type: 'string', default: '1' },
    interval: { type: 'string', default: '1' },
    timeout: { type: 'string', default: '1' },
    spread: { type: 'string', default: '0' },
    window: { type: 'string' },
    chunk: { type: 'string' },
    gap: { type: 'string' },
  },
});

const n = Number(values.targets);
const rounds = Number(values.rounds);
const spreadMs = Number(values.spread) * 1000;
if (!(n > 0 && n <= 62_500) || !(rounds > 0) || !['batch', 'ping'].includes(values.engine)) {
  console.error('usage: probe-cost.ts --targets 1..62500 --engine batch|ping [--rounds N] [--spread S]');
  process.exit(2);
}
const norm = normalizeMonitoringPolicy(
  {
    name: 'ping',
    parameters: {
      count: Number(values.count),
      interval: Number(values.interval),
      timeout: Number(values.timeout),
    },
    actions: { failure: 'log' },
  },
  'bench',
);
if (!norm.policy) {
  console.error(norm.errors.map((e) => `${e.path}: ${e.message}`).join('\n'));
  process.exit(2);
}
const policy: MonitoringPolicy = norm.policy;

const engine = new FpingEngine({
  ...(values.window ? { windowMs: Number(values.window) } : {}),
  ...(values.chunk ? { maxTargets: Number(values.chunk) } : {}),
  ...(values.gap ? { sendGapMs: Number(values.gap) } : {}),
});
const driver: ProbeDriver = values.engine === 'batch' ? engine : new PingPackageDriver();

const targets = Array.from({ length: n }, (_, i) => `127.1.${Math.floor(i / 250)}.${(i % 250) + 1}`);
const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU ms of this process and of its reaped children. */
function cpuMs(): { self: number; children: number } {
  const u = process.cpuUsage();
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // f[0] is field 3 (state)
  const children = (Number(f[13]) + Number(f[14])) * (1000 / ticks); // cutime, cstime: fields 16, 17
  return { self: (u.user + u.system) / 1000, children };
}

/** The distinct failure reasons of a round, most frequent first. */
function summarize(results: ProbeResult[]): string {
  const counts = new Map<string, number>();
  for (const r of results) if (!r.ok) counts.set(r.error ?? '?', (counts.get(r.error ?? '?') ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([e, c]) => `${c}× ${e}`)
    .join('; ');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function round(
  d: ProbeDriver = driver,
): Promise<{ wallMs: number; selfMs: number; childMs: number; ok: number; errors: string }> {
  const before = cpuMs();
  const t0 = performance.now();
  const pending: Promise<ProbeResult>[] = [];
  for (let i = 0; i < n; i++) {
    if (spreadMs > 0) {
      const due = t0 + (i * spreadMs) / n;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
    }
    pending.push(d.probe(targets[i]!, policy));
  }
  const results = await Promise.all(pending);
  const wallMs = performance.now() - t0;
  const after = cpuMs();
  return {
    wallMs,
    selfMs: after.self - before.self,
    childMs: after.children - before.children,
    ok: results.filter((r) => r.ok).length,
    errors: summarize(results),
  };
}

const p = policy.parameters as { count: number; interval: number; timeout: number };
console.log(
  `engine=${values.engine} targets=${n} count=${p.count} interval=${p.interval}s timeout=${p.timeout}s ` +
    `spread=${spreadMs / 1000}s rounds=${rounds} (+1 warm-up)`,
);
await round(); // warm-up: JIT, first spawns
// What the spread schedule itself costs (a timer per probe), measured with a
// driver that answers at once, and subtracted from the figures below.
let baseMs = 0;
if (spreadMs > 0) {
  const noop: ProbeDriver = { probe: () => Promise.resolve({ ok: true }) };
  const b = await round(noop);
  baseMs = b.selfMs + b.childMs;
  console.log(`scheduling baseline: ${(baseMs / n).toFixed(3)} ms/probe (subtracted)`);
}
const processesBefore = engine.stats.processes;
let sum = { wallMs: 0, selfMs: 0, childMs: 0 };
for (let r = 1; r <= rounds; r++) {
  const x = await round();
  x.selfMs -= baseMs;
  sum = { wallMs: sum.wallMs + x.wallMs, selfMs: sum.selfMs + x.selfMs, childMs: sum.childMs + x.childMs };
  console.log(
    `round ${r}: wall ${x.wallMs.toFixed(0)} ms, cpu self ${x.selfMs.toFixed(0)} ms + children ${x.childMs.toFixed(0)} ms` +
      ` = ${((x.selfMs + x.childMs) / n).toFixed(3)} ms/probe, ok ${x.ok}/${n}` +
      (x.errors ? ` (${x.errors})` : ''),
  );
}
const perProbe = (sum.selfMs + sum.childMs) / (rounds * n);
const fpings =
  values.engine === 'batch' ? `, ${(engine.stats.processes - processesBefore) / rounds} fping/round` : '';
console.log(
  `mean: wall ${(sum.wallMs / rounds).toFixed(0)} ms/round, cpu ${perProbe.toFixed(3)} ms/probe ` +
    `(self ${(sum.selfMs / (rounds * n)).toFixed(3)}, children ${(sum.childMs / (rounds * n)).toFixed(3)})${fpings}`,
);
