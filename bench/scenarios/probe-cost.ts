// Scenario 5, cost per probe side by side: vnfm's monitor worker probing T
// targets (one VNF each, ping, period P) and blackbox_exporter's icmp module
// probing the same T targets at the same rate, in the same run. CPU per
// probe of each process (vnfm: node + fping children; blackbox_exporter: its
// process) over the same window; the scrape loop that drives the exporter
// (the part Prometheus would play) is reported apart, not charged to it.
import { Capture } from '../capture.js';
import type { Context } from '../context.js';
import { Blackbox, ScrapeLoop } from '../blackbox.js';
import { measureWindows, spread } from '../windows.js';
import { fmt, int, type Row } from '../results.js';
import { freePort } from '../../src/temporal/dev-server.js';
import { bringUp, bringUpFigures, oneVduFleet, sleep, type ScenarioOutput } from './common.js';

export interface ProbeCostArgs {
  targets: number;
  period: number;
  windowS: number;
  concurrency: number;
  engine: string;
  shared: boolean;
}

const SUB_WINDOWS = 5;

export async function probeCostScenario(ctx: Context, a: ProbeCostArgs): Promise<ScenarioOutput> {
  const { params, ips, items, periodMs } = await oneVduFleet(ctx, { vnfs: a.targets, period: a.period });
  let up;
  let bb: Blackbox | undefined;
  let loop: ScrapeLoop | undefined;
  let capture: Capture | undefined;
  try {
    up = await bringUp(ctx, {
      items,
      concurrency: a.concurrency,
      prefix: 'cost',
    });
    bb = await Blackbox.start(ctx.dir, await freePort(), params.timeout);
    loop = new ScrapeLoop(bb.url, ips, periodMs);
    loop.start();
    // One period for both to reach their steady rate.
    await sleep(periodMs + 1000);
    capture = await Capture.start(ctx.fleet, ctx.dir, 'cost');

    const self0 = process.cpuUsage();
    const b0 = { ...loop.stats };
    ctx.log(
      `window: ${a.windowS} s, vnfm and blackbox_exporter both probing ${a.targets} targets every ${a.period} s`,
    );
    const scrapes = loop.stats;
    const win = await measureWindows(ctx, a.windowS, SUB_WINDOWS, { blackbox: bb.pid }, () => scrapes.done);
    const self = process.cpuUsage(self0);
    const b1 = { ...loop.stats };
    const w0 = win.from;
    const w1 = win.to;
    const log = await capture.stop();
    capture = undefined;

    const windowS = win.total.seconds;
    const cpu = win.total.cpu;
    const mon = win.total.monitor;
    const bbProbes = win.total.counter;
    const bbOk = b1.success - b0.success;
    const msPer = (cpuS: number | undefined, probes: number) =>
      probes ? ((cpuS ?? 0) / probes) * 1000 : undefined;
    const ours = spread(win.parts, (p) => msPer(p.cpu.monitor, p.monitor.probes));
    const theirs = spread(win.parts, (p) => msPer(p.cpu.blackbox, p.counter));
    const ratios = spread(win.parts, (p) => {
      const o = msPer(p.cpu.monitor, p.monitor.probes);
      const t = msPer(p.cpu.blackbox, p.counter);
      return o !== undefined && t ? o / t : undefined;
    });
    const driver = bbProbes ? ((self.user + self.system) / 1e6 / bbProbes) * 1000 : undefined;
    const ratio = ratios.median;
    const echoes = [...log.byIp.entries()]
      .filter(([ip]) => ips.includes(ip))
      .reduce((n, [, t]) => n + t.filter((x) => x >= w0 && x < w1).length, 0);
    const rows: Row[] = [
      {
        metric: 'targets, period, vnfm ping engine',
        value: `${a.targets}, ${a.period} s (${fmt(a.targets / a.period, 0)} probes/s each), ${a.engine}`,
      },
      {
        metric: `vnfm monitor worker: probes (ok); CPU ms per probe, median of ${SUB_WINDOWS} sub-windows [min–max]`,
        value: `${int(mon.probes)} (${int(mon.probes - mon.probesFailed)}); ${fmt(ours.median, 3)} [${fmt(ours.min, 3)}–${fmt(ours.max, 3)}]`,
      },
      {
        metric: `blackbox_exporter: probes (ok); CPU ms per probe, median of ${SUB_WINDOWS} [min–max]`,
        value: `${int(bbProbes)} (${int(bbOk)}); ${fmt(theirs.median, 3)} [${fmt(theirs.min, 3)}–${fmt(theirs.max, 3)}]`,
      },
      {
        metric: `CPU per probe, vnfm / blackbox_exporter, median of ${SUB_WINDOWS}`,
        value: `${fmt(ratio, 2)} [${fmt(ratios.min, 2)}–${fmt(ratios.max, 2)}]`,
        target: '≤ 1.0',
        met: ratio !== undefined && ratio <= 1,
      },
      {
        metric: 'scrape loop driving the exporter (Prometheus’ part, not charged), CPU ms per probe',
        value: fmt(driver, 3, 'ms'),
      },
      {
        metric: 'echo requests at the hosts in the window (capture) / expected',
        value: `${int(echoes)} / ${int(mon.probes * params.count + bbProbes)}`,
      },
    ];
    return {
      rows,
      notes: [],
      figures: {
        ...bringUpFigures(up),
        engine: a.engine,
        windowS,
        cpuSeconds: cpu,
        vnfm: { probes: mon.probes, failed: mon.probesFailed, msPerProbe: ours },
        blackbox: { probes: bbProbes, ok: bbOk, msPerProbe: theirs },
        ratios,
        subWindows: win.parts,
        peakRssMiB: ctx.peakRss({ blackbox: bb.pid }),
        scrapeLoopMsPerProbe: driver,
        ratio,
        echoes,
        captureDropped: log.dropped,
      },
    };
  } finally {
    capture?.kill();
    loop?.stop();
    await bb?.stop();
    if (a.shared && up) await ctx.deleteVnfs(up.ids);
  }
}
