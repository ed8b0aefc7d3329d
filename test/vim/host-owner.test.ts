// Owner marks on host objects (src/vim/host-owner.ts): what an earlier
// database at the same home left is reclaimed, another installation's bridge
// is refused with what to do, on real interfaces and namespaces.
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { formatMark, homeOfUrl, parseMark, relation, type HostOwner } from '../../src/vim/host-owner.js';
import { PrismaIpAllocator } from '../../src/vim/ip-allocator.js';
import { DEFAULT_STATE_DIR } from '../../src/vim/netns-records.js';
import { NetnsVimDriver, type VimLog } from '../../src/vim/netns.js';
import { findResponders } from '../../src/vim/responder.js';
import { testDb } from '../helpers/env.js';
import { createVimRow, freshNetnsConfig, ipJson, netnsUnavailable, pingSoon, sh } from './helpers.js';
import { hostView } from './state.js';

describe('owner marks', () => {
  const me: HostOwner = { installationId: randomUUID(), home: 'dir:/home/someone/vnfm/.vnfm' };

  it('fit an interface alias and read back', () => {
    const vimId = randomUUID();
    const mark = formatMark(me, { vimId, pool: '10.234.0.0/24' });
    expect(mark.length).toBeLessThanOrEqual(255);
    expect(parseMark(mark)).toEqual({ ...me, homeHash: expect.any(String), vimId, pool: '10.234.0.0/24' });
    const long = { ...me, home: `dir:/${'x'.repeat(400)}` };
    const cut = formatMark(long, { vimId, pool: '10.234.0.0/24' });
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(255);
    expect(relation(parseMark(cut)!, long)).toBe('mine');
    expect(parseMark('some alias')).toBeUndefined();
  });

  it('tell mine, an earlier database at my home, and another installation apart', () => {
    const m = parseMark(formatMark(me))!;
    expect(relation(m, me)).toBe('mine');
    expect(relation(m, { ...me, installationId: randomUUID() })).toBe('earlier-database');
    expect(relation(m, { installationId: randomUUID(), home: 'dir:/elsewhere' })).toBe('other-installation');
    expect(homeOfUrl('postgresql://u:secret@DB.example:6543/vnfm?sslmode=require')).toBe(
      'postgresql://db.example:6543/vnfm',
    );
  });
});

const unavailable = await netnsUnavailable();
if (unavailable) console.warn(`SKIPPED the netns part of test/vim/host-owner.test.ts: ${unavailable}`);

describe.skipIf(!!unavailable)('owner marks on the host (real bridge and namespaces)', () => {
  const db = testDb();
  const drivers: NetnsVimDriver[] = [];
  const logs: string[] = [];
  const log: VimLog = (level, msg, fields) => logs.push(`${level} ${msg} ${JSON.stringify(fields ?? {})}`);

  async function driverFor(owner: HostOwner, cfg: { bridge: string; pool: string }) {
    const row = await createVimRow(db, 'netns', { ...cfg, allowedCidrs: [cfg.pool] });
    const d = new NetnsVimDriver(row.id, { ...cfg, allowedCidrs: [cfg.pool] }, new PrismaIpAllocator(db), {
      log,
      owner: async () => owner,
      vimLive: async () => true,
    });
    drivers.push(d);
    return d;
  }
  const spec = (d: NetnsVimDriver, httpPort?: number) => ({
    vimId: d.vimId,
    vnfId: randomUUID(),
    instanceId: randomUUID(),
    vduName: 'VDU1',
    index: 0,
    image: 'cirros',
    ...(httpPort ? { httpPort } : {}),
  });

  afterAll(async () => {
    for (const d of drivers.reverse()) await d.teardown().catch(() => undefined);
    await db.$disconnect();
  });

  it('marks the bridge, the veths, the records and the responders with the installation', async () => {
    const owner = { installationId: randomUUID(), home: `dir:/tmp/vnfm-${randomBytes(3).toString('hex')}` };
    const cfg = await freshNetnsConfig();
    const d = await driverFor(owner, cfg);
    const info = await d.createInstance(spec(d, 8000));
    const [bridge] = await ipJson<{ ifalias?: string }>('link', 'show', 'dev', cfg.bridge);
    expect(parseMark(bridge!.ifalias)).toMatchObject({ ...owner, vimId: d.vimId, pool: cfg.pool });
    const rec = JSON.parse(readFileSync(`${DEFAULT_STATE_DIR}/${info.resourceId}.json`, 'utf8')) as {
      owner: HostOwner;
      veth: string;
    };
    expect(rec.owner).toEqual(owner);
    const [veth] = await ipJson<{ ifalias?: string }>('link', 'show', 'dev', rec.veth);
    expect(parseMark(veth!.ifalias)).toMatchObject({ installationId: owner.installationId, vimId: d.vimId });
    const [responder] = await findResponders(info.resourceId);
    expect(readFileSync(`/proc/${responder!.pid}/cmdline`, 'utf8').split('\0')).toContain(
      owner.installationId,
    );
  });

  it('reclaims what an earlier database at the same home left, with a log line, and reuses bridge and pool', async () => {
    const home = `dir:/tmp/vnfm-${randomBytes(3).toString('hex')}`;
    const cfg = await freshNetnsConfig();
    const before = await driverFor({ installationId: randomUUID(), home }, cfg);
    const old = [await before.createInstance(spec(before, 8000)), await before.createInstance(spec(before))];

    // The data directory was deleted: a new database, a new VIM, the same bridge and pool.
    const after = await driverFor({ installationId: randomUUID(), home }, cfg);
    const fresh = await after.createInstance(spec(after));
    expect(fresh.state).toBe('up');
    expect([...(await hostView(before.vimId)).keys()]).toEqual([]);
    for (const o of old) expect(await pingSoon(o.mgmtIp, 1)).toBe(o.mgmtIp === fresh.mgmtIp);
    expect(logs.join('\n')).toMatch(
      /info reclaimed host objects left by an earlier database of this installation/,
    );
    expect(logs.join('\n')).toContain(`netns:${old[0]!.resourceId}`);
    const [bridge] = await ipJson<{ ifalias?: string }>('link', 'show', 'dev', cfg.bridge);
    expect(parseMark(bridge!.ifalias)?.vimId).toBe(after.vimId);
    expect(await pingSoon(fresh.mgmtIp)).toBe(true);
  });

  it("refuses another installation's bridge, saying how to choose another bridge and pool, and touches nothing", async () => {
    const cfg = await freshNetnsConfig();
    const theirs = await driverFor({ installationId: randomUUID(), home: 'dir:/srv/other/.vnfm' }, cfg);
    const running = await theirs.createInstance(spec(theirs));
    const mine = await driverFor({ installationId: randomUUID(), home: 'dir:/srv/mine/.vnfm' }, cfg);
    const refusal = mine.createInstance(spec(mine));
    await expect(refusal).rejects.toThrow(
      /another vnfm installation \(the npm run dev data directory \/srv\/other\/\.vnfm/,
    );
    await expect(refusal).rejects.toThrow(/VNFM_NETNS_BRIDGE and VNFM_NETNS_POOL/);
    await expect(refusal).rejects.toThrow(/VNFM_DATA_DIR=\/srv\/other\/\.vnfm npm run dev -- --reset/);
    expect(await theirs.describeInstance(running.instanceId)).toMatchObject({ state: 'up' });
    expect(await pingSoon(running.mgmtIp)).toBe(true);

    // An interface vnfm did not make at all.
    const foreign = `vt${randomBytes(3).toString('hex')}`;
    await sh('ip', 'link', 'add', foreign, 'type', 'bridge');
    try {
      const other = await freshNetnsConfig();
      const d = await driverFor(
        { installationId: randomUUID(), home: 'dir:/srv/mine/.vnfm' },
        { ...other, bridge: foreign },
      );
      await expect(d.ensureReady()).rejects.toThrow(/was not made by vnfm .*VNFM_NETNS_BRIDGE/);
    } finally {
      await sh('ip', 'link', 'del', foreign);
    }
  });
});
