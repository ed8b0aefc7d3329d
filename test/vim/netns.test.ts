// The netns VIM driver against real network namespaces, a real bridge, real
// ping and HTTP from the host, and the real database for IP allocations.
// Needs root; skips loudly otherwise. Uses its own bridge and a /26 pool no
// route of this host touches, and removes both afterwards.
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { intToIp, parseCidr } from '../../src/net/cidr.js';
import type { GarbagePolicy, InstanceSpec, NetnsVimConfig } from '../../src/vim/driver.js';
import { PrismaIpAllocator } from '../../src/vim/ip-allocator.js';
import { BLACKHOLE_METRIC, NetnsVimDriver } from '../../src/vim/netns.js';
import { namespaceName, vethHostName } from '../../src/vim/netns-names.js';
import { DEFAULT_STATE_DIR } from '../../src/vim/netns-records.js';
import { findResponders } from '../../src/vim/responder.js';
import { databaseUrl, testDb } from '../helpers/env.js';
import {
  createVimRow,
  freshNetnsConfig,
  httpStatus,
  ipJson,
  namespaces,
  netnsUnavailable,
  pingOnce,
  pingSoon,
  sh,
} from './helpers.js';

const unavailable = await netnsUnavailable();
if (unavailable) console.warn(`SKIPPED test/vim/netns.test.ts: ${unavailable}`);

const HTTP_PORT = 8080;

describe.skipIf(!!unavailable)('netns VIM driver (real namespaces)', () => {
  const db = testDb();
  let cfg: NetnsVimConfig;
  let vimRow: { id: string; type: string; config: NetnsVimConfig };
  let driver: NetnsVimDriver;
  /** Instances tests leave running, so GC can be told to keep them. */
  const live = new Set<string>();
  const broken = new Set<string>();
  const foreignNamespaces: string[] = [];

  const spec = (over: Partial<InstanceSpec> = {}): InstanceSpec => ({
    vimId: vimRow.id,
    vnfId: randomUUID(),
    instanceId: randomUUID(),
    vduName: 'VDU1',
    index: 0,
    image: 'cirros',
    ...over,
  });
  const poolAddr = (n: number): string => intToIp(parseCidr(cfg.pool)!.network + n);
  const nsOf = (id: string): string => namespaceName(vimRow.id, id);
  const allocationOf = (id: string) => db.ipAllocation.findUnique({ where: { instanceId: id } });
  /** A GC policy under which exactly `ids` are live, with no grace. */
  const keepOnly = (ids: Set<string>): GarbagePolicy => ({
    isLive: async (id) => ids.has(id),
    liveIds: async () => ids,
    graceMs: 0,
  });

  beforeAll(async () => {
    cfg = await freshNetnsConfig();
    const row = await createVimRow(db, 'netns', cfg);
    vimRow = { id: row.id, type: 'netns', config: cfg };
    driver = new NetnsVimDriver(row.id, cfg, new PrismaIpAllocator(db));
    await driver.ensureReady();
  });

  afterAll(async () => {
    if (driver) await driver.teardown();
    for (const ns of foreignNamespaces) await sh('ip', 'netns', 'del', ns).catch(() => undefined);
    await db.$disconnect();
  });

  it('prepares the bridge (gateway address, up) and a blackhole for the pool; idempotently', async () => {
    await Promise.all([driver.ensureReady(), driver.ensureReady(), driver.ensureReady()]);
    const [br] = await ipJson<{ flags: string[]; addr_info: { local: string; prefixlen: number }[] }>(
      'addr',
      'show',
      'dev',
      cfg.bridge,
    );
    expect(br!.flags).toContain('UP');
    expect(br!.addr_info.filter((a) => a.local.includes('.'))).toEqual([
      expect.objectContaining({ local: poolAddr(1), prefixlen: 26 }),
    ]);
    const routes = await ipJson<{ type?: string; metric?: number }>(
      'route',
      'show',
      'table',
      'main',
      'exact',
      cfg.pool,
    );
    expect(routes.filter((r) => r.type === 'blackhole')).toEqual([
      expect.objectContaining({ type: 'blackhole', metric: BLACKHOLE_METRIC }),
    ]);
  });

  it('creates an instance: a namespace whose management IP answers ping from the host', async () => {
    const s = spec();
    const info = await driver.createInstance(s);
    live.add(s.instanceId);
    expect(info).toEqual({
      instanceId: s.instanceId,
      resourceId: nsOf(s.instanceId),
      mgmtIp: poolAddr(2), // the lowest free address; .1 is the gateway
      state: 'up',
      responderRunning: false,
    });
    expect(await namespaces()).toContain(info.resourceId);
    expect(await pingOnce(info.mgmtIp)).toBe(true);
    expect((await allocationOf(s.instanceId))?.ip).toBe(info.mgmtIp);
    expect(existsSync(`${DEFAULT_STATE_DIR}/${info.resourceId}.json`)).toBe(true);
    // eth0 inside, with the pool's prefix and a default route via the bridge.
    const [eth0] = await ipJson<{ addr_info: { local: string; prefixlen: number }[] }>(
      '-n',
      info.resourceId,
      '-4',
      'addr',
      'show',
      'dev',
      'eth0',
    );
    expect(eth0!.addr_info).toEqual([expect.objectContaining({ local: info.mgmtIp, prefixlen: 26 })]);
    const routes = await ipJson<{ dst: string; gateway?: string }>(
      '-n',
      info.resourceId,
      'route',
      'show',
      'default',
    );
    expect(routes).toEqual([expect.objectContaining({ dst: 'default', gateway: poolAddr(1) })]);
  });

  it('creating twice, or twice at once, makes one instance with one IP', async () => {
    const s = spec();
    const first = await driver.createInstance(s);
    const again = await Promise.all([
      driver.createInstance(s),
      driver.createInstance(s),
      driver.createInstance(s),
    ]);
    live.add(s.instanceId);
    for (const info of again) expect(info).toEqual(first);
    expect((await namespaces()).filter((n) => n === first.resourceId)).toHaveLength(1);
    const ports = await ipJson<{ ifname: string }>('link', 'show', 'master', cfg.bridge);
    expect(ports.filter((p) => p.ifname === vethHostName(vimRow.id, s.instanceId))).toHaveLength(1);
    expect(await db.ipAllocation.count({ where: { instanceId: s.instanceId } })).toBe(1);
    expect(await pingOnce(first.mgmtIp)).toBe(true);
  });

  it('deletes: namespace, veth, record and IP gone; deleting again succeeds', async () => {
    const s = spec();
    const info = await driver.createInstance(s);
    await driver.deleteInstance(s);
    expect(await namespaces()).not.toContain(info.resourceId);
    expect(await ipJson('link', 'show', 'master', cfg.bridge)).not.toContainEqual(
      expect.objectContaining({ ifname: vethHostName(vimRow.id, s.instanceId) }),
    );
    expect(await allocationOf(s.instanceId)).toBeNull();
    expect(existsSync(`${DEFAULT_STATE_DIR}/${info.resourceId}.json`)).toBe(false);
    expect(await driver.describeInstance(s.instanceId)).toMatchObject({ state: 'missing', mgmtIp: '' });
    await driver.deleteInstance(s);
    await driver.deleteInstance(spec()); // never existed
    expect(await pingOnce(info.mgmtIp)).toBe(false);
  });

  it('creates several instances in parallel, each with its own IP', async () => {
    const specs = Array.from({ length: 6 }, (_, i) => spec({ index: i }));
    const infos = await Promise.all(specs.map((s) => driver.createInstance(s)));
    expect(new Set(infos.map((i) => i.mgmtIp)).size).toBe(6);
    expect(infos.every((i) => i.state === 'up')).toBe(true);
    for (const i of infos) expect(await pingOnce(i.mgmtIp)).toBe(true);
    const listed = await driver.listInstances();
    for (const s of specs)
      expect(listed).toContainEqual(expect.objectContaining({ instanceId: s.instanceId, state: 'up' }));
    await Promise.all(specs.map((s) => driver.deleteInstance(s)));
    expect(
      await db.ipAllocation.count({ where: { instanceId: { in: specs.map((s) => s.instanceId) } } }),
    ).toBe(0);
  });

  it('runs an HTTP responder on httpPort; responder-stop/start faults stop and restart it', async () => {
    const s = spec({ httpPort: HTTP_PORT });
    const info = await driver.createInstance(s);
    live.add(s.instanceId);
    expect(info.responderRunning).toBe(true);
    expect(await httpStatus(info.mgmtIp, HTTP_PORT)).toBe(200);

    await driver.injectFault(s.instanceId, 'responder-stop');
    expect(await httpStatus(info.mgmtIp, HTTP_PORT)).toMatch(/^error/);
    expect(await driver.describeInstance(s.instanceId)).toMatchObject({
      state: 'up',
      responderRunning: false,
    });
    expect(await pingOnce(info.mgmtIp)).toBe(true); // the host is still there

    await driver.injectFault(s.instanceId, 'responder-start');
    await driver.injectFault(s.instanceId, 'responder-start'); // idempotent: still one
    expect(await findResponders(info.resourceId)).toHaveLength(1);
    expect(await httpStatus(info.mgmtIp, HTTP_PORT)).toBe(200);
    expect((await driver.describeInstance(s.instanceId)).responderRunning).toBe(true);
  });

  it('keeps the responder running after the process that created the instance exits', async () => {
    const s = spec({ httpPort: HTTP_PORT });
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        fileURLToPath(new URL('./fixtures/create-instance.ts', import.meta.url)),
        JSON.stringify(vimRow),
        JSON.stringify(s),
      ],
      { env: { ...process.env, DATABASE_URL: databaseUrl() }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code, err).toBe(0);
    live.add(s.instanceId);
    const info = JSON.parse(out) as { mgmtIp: string; resourceId: string };
    expect(await httpStatus(info.mgmtIp, HTTP_PORT)).toBe(200);
    // It runs in its own session, not in the exited creator's.
    const [responder] = await findResponders(info.resourceId);
    const sid = (await sh('ps', '-o', 'sid=', '-p', String(responder!.pid))).trim();
    expect(sid).toBe(String(responder!.pid));
  });

  it('link-down makes ping fail and link-up restores it', async () => {
    const s = spec();
    const info = await driver.createInstance(s);
    live.add(s.instanceId);
    expect(await pingOnce(info.mgmtIp)).toBe(true);
    await driver.injectFault(s.instanceId, 'link-down');
    expect(await pingOnce(info.mgmtIp)).toBe(false);
    expect((await driver.describeInstance(s.instanceId)).state).toBe('down');
    await driver.injectFault(s.instanceId, 'link-up');
    expect(await pingSoon(info.mgmtIp)).toBe(true);
    expect((await driver.describeInstance(s.instanceId)).state).toBe('up');
  });

  it('boots a broken image that never answers', async () => {
    const s = spec({ image: 'broken-cirros', httpPort: HTTP_PORT });
    const info = await driver.createInstance(s);
    live.add(s.instanceId);
    broken.add(s.instanceId);
    expect(info).toMatchObject({ state: 'down', responderRunning: false });
    expect(await namespaces()).toContain(info.resourceId);
    for (let i = 0; i < 3; i++) expect(await pingOnce(info.mgmtIp)).toBe(false);
    expect(await httpStatus(info.mgmtIp, HTTP_PORT)).toMatch(/^error/);
    // Creating it again does not "fix" it.
    expect(await driver.createInstance(s)).toMatchObject({ state: 'down', responderRunning: false });
  });

  it('creating again repairs an instance in place: same id and IP, link up, responder back', async () => {
    const s = spec({ httpPort: HTTP_PORT });
    const before = await driver.createInstance(s);
    live.add(s.instanceId);
    await driver.injectFault(s.instanceId, 'link-down');
    await driver.injectFault(s.instanceId, 'responder-stop');
    expect(await driver.describeInstance(s.instanceId)).toMatchObject({
      state: 'down',
      responderRunning: false,
    });

    const after = await driver.createInstance(s);
    expect(after).toEqual({ ...before, state: 'up', responderRunning: true });
    expect(await pingSoon(after.mgmtIp)).toBe(true);
    expect(await httpStatus(after.mgmtIp, HTTP_PORT)).toBe(200);
    expect(await db.ipAllocation.count({ where: { instanceId: s.instanceId } })).toBe(1);
  });

  it('delete fault removes the namespace behind vnfm; describe says missing; create rebuilds it', async () => {
    const s = spec({ httpPort: HTTP_PORT });
    const info = await driver.createInstance(s);
    live.add(s.instanceId);
    const [responder] = await findResponders(info.resourceId);
    await driver.injectFault(s.instanceId, 'delete');
    expect(await namespaces()).not.toContain(info.resourceId);
    expect(existsSync(`/proc/${responder!.pid}`)).toBe(false);
    expect(await driver.describeInstance(s.instanceId)).toEqual({
      ...info,
      state: 'missing',
      responderRunning: false,
    });
    expect(await pingOnce(info.mgmtIp)).toBe(false);
    await expect(driver.injectFault(s.instanceId, 'link-up')).rejects.toThrow(/no namespace/);
    expect(await driver.createInstance(s)).toEqual(info);
    expect(await pingSoon(info.mgmtIp)).toBe(true);
  });

  it('completes an instance whose creation died half-way (namespace only, stale file, foreign eth0)', async () => {
    // Namespace made, nothing else.
    const a = spec();
    await sh('ip', 'netns', 'add', nsOf(a.instanceId));
    // `ip netns add` killed before mounting: a plain file.
    const b = spec();
    await writeFile(`/run/netns/${nsOf(b.instanceId)}`, '');
    // Something called eth0 in there that is not our veth.
    const c = spec();
    await sh('ip', 'netns', 'add', nsOf(c.instanceId));
    await sh('ip', '-n', nsOf(c.instanceId), 'link', 'add', 'eth0', 'type', 'bridge');
    for (const s of [a, b, c]) {
      const info = await driver.createInstance(s);
      live.add(s.instanceId);
      expect(info.state).toBe('up');
      expect(await pingOnce(info.mgmtIp)).toBe(true);
    }
  });

  it('recovers from kill -9 of a real create at any step', async () => {
    const fixture = fileURLToPath(new URL('./fixtures/create-instance.ts', import.meta.url));
    // Kill the creator as soon as each of these appears.
    const points: [string, (s: InstanceSpec) => boolean][] = [
      ['record written', (s) => existsSync(`${DEFAULT_STATE_DIR}/${nsOf(s.instanceId)}.json`)],
      ['namespace added', (s) => existsSync(`/run/netns/${nsOf(s.instanceId)}`)],
      ['veth added', (s) => existsSync(`/sys/class/net/${vethHostName(vimRow.id, s.instanceId)}`)],
    ];
    for (const [what, reached] of points) {
      const s = spec({ httpPort: HTTP_PORT });
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', fixture, JSON.stringify(vimRow), JSON.stringify(s)],
        {
          env: { ...process.env, DATABASE_URL: databaseUrl() },
          stdio: 'ignore',
        },
      );
      const exited = new Promise((resolve) => child.on('exit', resolve));
      const deadline = Date.now() + 30_000;
      while (!reached(s) && Date.now() < deadline && child.exitCode === null)
        await new Promise((r) => setTimeout(r, 2));
      child.kill('SIGKILL');
      await exited;
      expect(child.signalCode, `creator finished before '${what}'`).toBe('SIGKILL');
      // The retry comes later in real life; let the dead creator's last `ip` finish.
      await new Promise((r) => setTimeout(r, 300));
      const info = await driver.createInstance(s);
      live.add(s.instanceId);
      expect(info, what).toMatchObject({ state: 'up', responderRunning: true });
      expect((await namespaces()).filter((n) => n === info.resourceId)).toHaveLength(1);
      expect(await findResponders(info.resourceId)).toHaveLength(1);
      expect(await pingOnce(info.mgmtIp)).toBe(true);
      expect(await httpStatus(info.mgmtIp, HTTP_PORT)).toBe(200);
    }
  });

  it('collects garbage of this VIM only: orphan namespaces (with responders, IPs) and orphan veths', async () => {
    const keep = spec();
    await driver.createInstance(keep);
    live.add(keep.instanceId);
    const orphan = spec({ httpPort: HTTP_PORT });
    const orphanInfo = await driver.createInstance(orphan);
    const [responder] = await findResponders(orphanInfo.resourceId);
    // A namespace of ours whose record is lost.
    const bare = nsOf(randomUUID());
    await sh('ip', 'netns', 'add', bare);
    // A namespace of another VIM (another database, say): never touched.
    const foreign = namespaceName(randomUUID(), randomUUID());
    await sh('ip', 'netns', 'add', foreign);
    foreignNamespaces.push(foreign);
    // A veth on our bridge whose peer is in no namespace.
    const strayVeth = `vh${randomBytes(6).toString('hex')}`;
    await sh(
      'ip',
      'link',
      'add',
      'name',
      strayVeth,
      'type',
      'veth',
      'peer',
      'name',
      `vp${randomBytes(6).toString('hex')}`,
    );
    await sh('ip', 'link', 'set', 'dev', strayVeth, 'master', cfg.bridge);

    const removed = await driver.collectGarbage(keepOnly(live));
    expect(removed.sort()).toEqual(
      [
        `responder:${responder!.pid}`,
        `netns:${orphanInfo.resourceId}`,
        `ip:${orphanInfo.mgmtIp}`,
        `netns:${bare}`,
        `veth:${strayVeth}`,
      ].sort(),
    );
    const left = await namespaces();
    expect(left).not.toContain(orphanInfo.resourceId);
    expect(left).not.toContain(bare);
    expect(left).toContain(foreign);
    expect(existsSync(`/proc/${responder!.pid}`)).toBe(false);
    expect(existsSync(`/sys/class/net/${strayVeth}`)).toBe(false);
    expect(await allocationOf(orphan.instanceId)).toBeNull();
    for (const id of live) expect(left).toContain(nsOf(id));
    expect(await pingOnce((await driver.describeInstance(keep.instanceId)).mgmtIp)).toBe(true);
    // Nothing left to collect.
    expect(await driver.collectGarbage(keepOnly(live))).toEqual([]);
  });

  it('refuses an existing interface that is not its bridge, and a pool the host already routes', async () => {
    // Someone else's bridge (its MAC is not the one our VIM would give it).
    const foreign = `vt${randomBytes(3).toString('hex')}`;
    await sh('ip', 'link', 'add', foreign, 'type', 'bridge');
    try {
      const other = await freshNetnsConfig();
      const d = new NetnsVimDriver(randomUUID(), { ...other, bridge: foreign }, new PrismaIpAllocator(db));
      await expect(d.ensureReady()).rejects.toThrow(/is not the bridge of VIM/);
      const [link] = await ipJson<{ flags: string[]; addr_info: unknown[] }>('addr', 'show', 'dev', foreign);
      expect(link!.flags).not.toContain('UP');
      expect(link!.addr_info).toEqual([]);
      expect(await ipJson('route', 'show', 'table', 'main', 'exact', other.pool)).toEqual([]);

      // A pool with an address of the host inside it.
      const taken = await freshNetnsConfig();
      await sh('ip', 'addr', 'add', `${intToIp(parseCidr(taken.pool)!.network + 9)}/32`, 'dev', foreign);
      const e = new NetnsVimDriver(randomUUID(), taken, new PrismaIpAllocator(db));
      await expect(e.ensureReady()).rejects.toThrow(/contains .* an address of/);
      expect(existsSync(`/sys/class/net/${taken.bridge}`)).toBe(false);
    } finally {
      await sh('ip', 'link', 'del', foreign);
    }
  });

  it('routes pool addresses to the bridge, and to the blackhole (never another interface) when the bridge is gone', async () => {
    type RouteGet = { dst: string; dev?: string; type?: string };
    const routeGet = async (addr: string): Promise<RouteGet | { error: string }> => {
      try {
        return (await ipJson<RouteGet>('route', 'get', addr))[0]!;
      } catch (err) {
        return { error: (err as Error).message };
      }
    };
    const addrs = [poolAddr(2), poolAddr(33), poolAddr(62)];
    for (const a of addrs) expect(await routeGet(a)).toMatchObject({ dev: cfg.bridge });
    // The gateway is the host itself.
    expect(await routeGet(poolAddr(1))).toMatchObject({ type: 'local', dev: 'lo' });

    await sh('ip', 'link', 'del', 'dev', cfg.bridge);
    try {
      for (const a of addrs) {
        const r = await routeGet(a);
        // The kernel refuses to resolve a blackholed destination (EINVAL).
        expect(r).toEqual({ error: expect.stringMatching(/Invalid argument/) });
      }
      // Of the routes covering a pool address, only the default route is not ours.
      const routes = await ipJson<{ dst: string; type?: string }>(
        'route',
        'show',
        'table',
        'main',
        'match',
        poolAddr(2),
      );
      expect(routes.filter((r) => r.dst !== 'default')).toEqual([
        expect.objectContaining({ type: 'blackhole', dst: cfg.pool }),
      ]);
    } finally {
      // Back on demand, with the surviving instances' veths on it again.
      await driver.ensureReady();
    }
    for (const id of live) {
      if (broken.has(id)) continue;
      const info = await driver.describeInstance(id);
      expect(info.state).toBe('up');
      expect(await pingSoon(info.mgmtIp)).toBe(true);
      expect(await routeGet(info.mgmtIp)).toMatchObject({ dev: cfg.bridge });
    }
  });
});
