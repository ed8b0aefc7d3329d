// The static VIM and the registry that builds drivers from Vim rows.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { VimRejectedError, type InstanceSpec } from '../../src/vim/driver.js';
import { NetnsVimDriver } from '../../src/vim/netns.js';
import { vimDriverFor } from '../../src/vim/registry.js';
import { StaticVimDriver } from '../../src/vim/static.js';
import { testDb } from '../helpers/env.js';
import { createVimRow } from './helpers.js';

const db = testDb();
afterAll(() => db.$disconnect());

const spec = (over: Partial<InstanceSpec> = {}): InstanceSpec => ({
  vimId: 'v',
  vnfId: randomUUID(),
  instanceId: randomUUID(),
  vduName: 'VDU1',
  index: 0,
  image: 'any',
  ...over,
});

describe('StaticVimDriver', () => {
  const driver = new StaticVimDriver('v', { allowedCidrs: ['192.0.2.0/24', '127.0.0.1/32'] });

  it('records the given management IP when it is allowed', async () => {
    const s = spec({ staticIp: '192.0.2.10' });
    expect(await driver.createInstance(s)).toEqual({
      instanceId: s.instanceId,
      resourceId: '192.0.2.10',
      mgmtIp: '192.0.2.10',
      state: 'up',
    });
    expect(await driver.describeInstance(s.instanceId)).toMatchObject({ mgmtIp: '192.0.2.10' });
    expect(await driver.listInstances()).toContainEqual(
      expect.objectContaining({ instanceId: s.instanceId }),
    );
    await driver.deleteInstance(s);
    await driver.deleteInstance(s);
    expect(await driver.describeInstance(s.instanceId)).toMatchObject({ state: 'missing' });
  });

  it('refuses a missing, malformed or disallowed IP with a clear, non-retryable error', async () => {
    await expect(driver.createInstance(spec())).rejects.toThrow(/needs a management IP for VDU VDU1/);
    await expect(driver.createInstance(spec({ staticIp: '10.0.0' }))).rejects.toThrow(/not an IPv4 address/);
    const outside = driver.createInstance(spec({ staticIp: '198.51.100.7' }));
    await expect(outside).rejects.toThrow(
      /198\.51\.100\.7 .* outside the VIM's allowed CIDRs \(192\.0\.2\.0\/24, 127\.0\.0\.1\/32\)/,
    );
    await expect(outside).rejects.toBeInstanceOf(VimRejectedError);
  });

  it('cannot recreate instances or inject faults, and has no garbage', async () => {
    expect(driver.canRecreate).toBe(false);
    await expect(driver.injectFault(randomUUID(), 'link-down')).rejects.toThrow(
      /does not support fault injection/,
    );
    expect(
      await driver.collectGarbage({ isLive: async () => false, liveIds: async () => [], graceMs: 0 }),
    ).toEqual([]);
    await driver.ensureReady();
  });
});

describe('vimDriverFor', () => {
  it('builds the driver a Vim row names, with its validated config', async () => {
    const staticRow = await createVimRow(db, 'static', { allowedCidrs: ['192.0.2.0/24'] });
    const s = vimDriverFor(
      { id: staticRow.id, type: 'static', config: { allowedCidrs: ['192.0.2.0/24'] } },
      { db },
    );
    expect(s).toBeInstanceOf(StaticVimDriver);
    expect(s.canRecreate).toBe(false);
    const n = vimDriverFor(
      { id: randomUUID(), type: 'netns', config: { bridge: 'vnfm0', pool: '10.210.0.0/24' } },
      { db },
    ) as NetnsVimDriver;
    expect(n).toBeInstanceOf(NetnsVimDriver);
    expect(n.config.allowedCidrs).toEqual(['10.210.0.0/24']);
    expect(n.gateway).toBe('10.210.0.1');
    expect(() =>
      vimDriverFor({ id: 'x', type: 'netns', config: { bridge: 'vnfm0', pool: '10.0.0.0/8' } }, { db }),
    ).toThrow(/VIM x \(netns\) has an invalid config: pool: .*between \/16 and \/29/);
    expect(() => vimDriverFor({ id: 'y', type: 'openstack', config: {} }, { db })).toThrow(
      /type must be one of/,
    );
  });

  it('lets the static driver describe instances the database knows', async () => {
    const row = await createVimRow(db, 'static', { allowedCidrs: ['192.0.2.0/24'] });
    const tenantId = (await db.vim.findUniqueOrThrow({ where: { id: row.id } })).tenantId;
    const vnfd = await db.vnfd.create({ data: { tenantId, name: 'd', template: 'x', parsed: {} } });
    const vnf = await db.vnf.create({ data: { tenantId, name: 'f', vnfdId: vnfd.id, vimId: row.id } });
    const inst = await db.vduInstance.create({
      data: { vnfId: vnf.id, vduName: 'VDU1', index: 0, mgmtIp: '192.0.2.44' },
    });
    // A fresh driver, as in another conductor replica: it did not create the instance.
    const d = vimDriverFor(
      { id: row.id, type: 'static', config: { allowedCidrs: ['192.0.2.0/24'] } },
      { db },
    );
    expect(await d.describeInstance(inst.id)).toEqual({
      instanceId: inst.id,
      resourceId: '192.0.2.44',
      mgmtIp: '192.0.2.44',
      state: 'up',
    });
    expect(await d.listInstances()).toEqual([expect.objectContaining({ instanceId: inst.id })]);
  });
});
