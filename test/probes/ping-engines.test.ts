// Both ICMP engines behind the `ping` driver, against real targets: loopback
// (127/8 answers locally) and a namespace of our own that we can silence or
// unplug. Nothing is sent off this machine.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeDriver } from '../../src/probes/driver.js';
import { FpingEngine } from '../../src/probes/fping-engine.js';
import { PingPackageDriver } from '../../src/probes/ping-package.js';
import { createNetnsTarget, isRoot, type NetnsTarget } from './netns-target.js';
import { pingPolicy } from './policies.js';

const engines: [string, () => ProbeDriver][] = [
  ['batch (fping)', () => new FpingEngine()],
  ['ping package', () => new PingPackageDriver()],
];

async function timed<T>(p: Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await p;
  return { value, ms: performance.now() - t0 };
}

describe.each(engines)('%s engine', (_name, make) => {
  const driver = make();

  it('finds 127.0.0.1 healthy and reports the best RTT', async () => {
    const r = await driver.probe('127.0.0.1', pingPolicy(2, 0.2, 1));
    expect(r.ok).toBe(true);
    expect(r.error).toBeUndefined();
    expect(r.latencyMs).toBeGreaterThanOrEqual(0);
    expect(r.latencyMs).toBeLessThan(100);
  });

  it('refuses what is not a literal address, without running anything', async () => {
    for (const bad of ['localhost', '010.0.0.1', '-f', '127.0.0.1 127.0.0.2', '']) {
      const r = await driver.probe(bad, pingPolicy(1, 1, 1));
      expect(r).toEqual({ ok: false, error: `invalid address ${JSON.stringify(bad)}`, fault: true });
    }
  });

  it('rejects with the abort reason when the caller stops waiting', async () => {
    const ac = new AbortController();
    // 3 requests 0.5 s apart: the round lasts ≥ 1 s even on loopback.
    const p = driver.probe('127.0.0.1', pingPolicy(3, 0.5, 1), ac.signal);
    setTimeout(() => ac.abort(), 100);
    const t0 = performance.now();
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    expect(performance.now() - t0).toBeLessThan(500);
    const pre = AbortSignal.abort();
    await expect(driver.probe('127.0.0.1', pingPolicy(1, 1, 1), pre)).rejects.toMatchObject({
      name: 'AbortError',
    });
  });
});

describe.skipIf(!isRoot())(
  'ping engines against a namespace of our own (needs root; skipped otherwise)',
  () => {
    let target: NetnsTarget;
    const fping = new FpingEngine();
    const pkg = new PingPackageDriver();

    beforeAll(() => {
      target = createNetnsTarget();
    });
    afterAll(() => target?.destroy());

    it('both engines: up is healthy, silent is not (bounded), down is not, unreachable route is not', async () => {
      const policy = pingPolicy(2, 0.3, 1);
      for (const [name, d] of [
        ['batch', fping],
        ['ping', pkg],
      ] as const) {
        target.answer(true);
        target.link(true);
        const up = await d.probe(target.ip, policy);
        expect(up, name).toMatchObject({ ok: true });

        target.answer(false);
        const silent = await timed(d.probe(target.ip, policy));
        expect(silent.value, name).toEqual({ ok: false, error: 'no reply to 2 echo requests' });
        // (count-1)*interval + timeout = 1.3 s, plus process start.
        expect(silent.ms, name).toBeGreaterThan(900);
        expect(silent.ms, name).toBeLessThan(3000);

        target.answer(true);
        target.link(false);
        const down = await timed(d.probe(target.ip, policy));
        expect(down.value.ok, name).toBe(false);
        expect(down.ms, name).toBeLessThan(5000);
        target.link(true);
      }
      // The package reports what ping said; fping -q does not print the reason.
      const unreachable = await pkg.probe(target.unreachableIp, policy);
      expect(unreachable.ok).toBe(false);
      expect(unreachable.error).toMatch(/^ping: connect: /);
      expect(await fping.probe(target.unreachableIp, policy)).toEqual({
        ok: false,
        error: 'no reply to 2 echo requests',
      });
    });

    it('both engines agree on the same targets', async () => {
      target.link(true);
      target.answer(false);
      const policy = pingPolicy(1, 1, 0.5);
      const ips = ['127.0.0.1', '127.9.8.7', target.hostIp, target.ip, target.unreachableIp];
      const [a, b] = await Promise.all([
        Promise.all(ips.map((ip) => fping.probe(ip, policy))),
        Promise.all(ips.map((ip) => pkg.probe(ip, policy))),
      ]);
      expect(a.map((r) => r.ok)).toEqual([true, true, true, false, false]);
      expect(b.map((r) => r.ok)).toEqual(a.map((r) => r.ok));
      target.answer(true);
    });

    it('batch: a silent target among 500 loopback ones fails alone, in one fping process', async () => {
      target.answer(false);
      const engine = new FpingEngine();
      const policy = pingPolicy(2, 0.2, 0.5);
      const loopback = Array.from({ length: 500 }, (_, i) => `127.4.${Math.floor(i / 250)}.${(i % 250) + 1}`);
      const results = await Promise.all([...loopback, target.ip].map((ip) => engine.probe(ip, policy)));
      expect(results.slice(0, 500).every((r) => r.ok)).toBe(true);
      expect(results[500]).toEqual({ ok: false, error: 'no reply to 2 echo requests' });
      expect(engine.stats.processes).toBe(1);
      target.answer(true);
    });

    it('batch: abort stops the fping process once nobody waits on it', async () => {
      target.answer(false);
      const engine = new FpingEngine({ windowMs: 20 });
      const ac = new AbortController();
      const p = engine.probe(target.ip, pingPolicy(1, 1, 5), ac.signal);
      await new Promise((r) => setTimeout(r, 200)); // fping is running now
      expect(engine.stats.running).toBe(1);
      ac.abort();
      await expect(p).rejects.toMatchObject({ name: 'AbortError' });
      await new Promise((r) => setTimeout(r, 200));
      expect(engine.stats.running).toBe(0);
      target.answer(true);
    });
  },
);

describe('batch engine', () => {
  it('answers 500 concurrent probes in one fping process, each with its own result', async () => {
    const engine = new FpingEngine();
    const policy = pingPolicy(1, 1, 1);
    const ips = Array.from({ length: 500 }, (_, i) => `127.3.${Math.floor(i / 250)}.${(i % 250) + 1}`);
    const { value: results, ms } = await timed(Promise.all(ips.map((ip) => engine.probe(ip, policy))));
    expect(results.filter((r) => r.ok)).toHaveLength(500);
    expect(results.every((r) => typeof r.latencyMs === 'number')).toBe(true);
    expect(engine.stats.processes).toBe(1);
    expect(engine.stats.probes).toBe(500);
    expect(ms).toBeLessThan(3000);
  });

  it('splits a batch into chunks of at most maxTargets', async () => {
    const engine = new FpingEngine({ maxTargets: 100 });
    const ips = Array.from({ length: 250 }, (_, i) => `127.5.0.${i + 1}`);
    const results = await Promise.all(ips.map((ip) => engine.probe(ip, pingPolicy(1, 1, 1))));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(engine.stats.processes).toBe(3);
  });

  it('groups by (count, interval, timeout): different policies run in different processes', async () => {
    const engine = new FpingEngine();
    const [a, b, c] = await Promise.all([
      engine.probe('127.6.0.1', pingPolicy(1, 1, 1)),
      engine.probe('127.6.0.2', pingPolicy(1, 0.5, 1)), // count 1: interval is irrelevant, same batch
      engine.probe('127.6.0.3', pingPolicy(2, 0.1, 1)),
    ]);
    expect([a.ok, b.ok, c.ok]).toEqual([true, true, true]);
    expect(engine.stats.processes).toBe(2);
  });

  it('probes a target shared by several callers once and answers each of them', async () => {
    const engine = new FpingEngine();
    const policy = pingPolicy(1, 1, 1);
    const ips = ['127.7.0.1', '127.7.0.1', '127.7.0.2', '127.7.0.1', '127.7.0.2'];
    const results = await Promise.all(ips.map((ip) => engine.probe(ip, policy)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(engine.stats.processes).toBe(1);
    expect(engine.stats.probes).toBe(5);
  });

  it('an aborted caller of a shared target does not cancel the others', async () => {
    const engine = new FpingEngine();
    const policy = pingPolicy(3, 0.3, 1);
    const ac = new AbortController();
    const gone = engine.probe('127.7.1.1', policy, ac.signal);
    const stays = engine.probe('127.7.1.1', policy);
    setTimeout(() => ac.abort(new Error('loop stopped')), 100);
    await expect(gone).rejects.toThrow('loop stopped');
    expect(await stays).toMatchObject({ ok: true });
  });

  it('fails every waiting probe, without hanging, when fping cannot start', async () => {
    const engine = new FpingEngine({ fpingPath: '/nonexistent/fping' });
    const policy = pingPolicy(1, 1, 1);
    const results = await Promise.all(['127.0.0.1', '127.0.0.2'].map((ip) => engine.probe(ip, policy)));
    expect(results).toEqual([
      { ok: false, error: 'fping could not start: ENOENT', fault: true },
      { ok: false, error: 'fping could not start: ENOENT', fault: true },
    ]);
    expect(engine.stats.running).toBe(0);
  });

  it('fails probes with the reason when fping exits without a summary', async () => {
    // `false` stands in for an fping that refuses its arguments.
    const engine = new FpingEngine({ fpingPath: 'false' });
    const r = await engine.probe('127.0.0.1', pingPolicy(1, 1, 1));
    expect(r).toEqual({ ok: false, error: 'fping gave no result (exit 1)', fault: true });
  });

  it('close() answers waiting probes and refuses new ones', async () => {
    const engine = new FpingEngine({ windowMs: 1000 });
    const p = engine.probe('127.0.0.1', pingPolicy(1, 1, 1));
    engine.close();
    expect(await p).toEqual({ ok: false, error: 'ping engine is shut down', fault: true });
    expect(await engine.probe('127.0.0.1', pingPolicy(1, 1, 1))).toEqual({
      ok: false,
      error: 'ping engine is shut down',
      fault: true,
    });
  });
});
