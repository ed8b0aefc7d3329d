// PrismaIpAllocator on the real database: never-used addresses first (lowest
// first), then the one released longest ago; idempotent per instance, and
// never the same address twice under a race.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { PoolExhaustedError, PrismaIpAllocator } from '../../src/vim/ip-allocator.js';
import { testDb } from '../helpers/env.js';
import { createVimRow } from './helpers.js';

const db = testDb();
const db2 = testDb();
const alloc = new PrismaIpAllocator(db);
const POOL = '10.77.1.0/26';

afterAll(async () => {
  await db.$disconnect();
  await db2.$disconnect();
});

describe('PrismaIpAllocator', () => {
  it('hands out the lowest never-used address, skipping reserved ones, and is idempotent per instance', async () => {
    const vimId = (await createVimRow(db, 'netns', { bridge: 'vtalloc', pool: POOL, allowedCidrs: [POOL] }))
      .id;
    const vnf = randomUUID();
    const a = randomUUID();
    const b = randomUUID();
    expect(await alloc.allocate(vimId, a, vnf, POOL, ['10.77.1.1'])).toBe('10.77.1.2');
    expect(await alloc.allocate(vimId, a, vnf, POOL, ['10.77.1.1'])).toBe('10.77.1.2');
    expect(await alloc.allocate(vimId, b, vnf, POOL, ['10.77.1.1'])).toBe('10.77.1.3');
    await alloc.release(vimId, a);
    await alloc.release(vimId, a); // idempotent
    expect(await db.ipAllocation.count({ where: { vimId, instanceId: a } })).toBe(0);
    // A recreated instance gets a new address, not the one just freed.
    const c = randomUUID();
    expect(await alloc.allocate(vimId, c, vnf, POOL, ['10.77.1.1'])).toBe('10.77.1.4');
    await alloc.release(vimId, b);
    await alloc.release(vimId, c);
  });

  it('reuses the address released longest ago once every address was used', async () => {
    const pool = '10.77.4.0/29'; // .1 reserved, .2–.6 usable
    const vimId = (await createVimRow(db, 'netns', { bridge: 'vtalloc3', pool, allowedCidrs: [pool] })).id;
    const ids = Array.from({ length: 5 }, () => randomUUID());
    for (const id of ids) await alloc.allocate(vimId, id, randomUUID(), pool, ['10.77.4.1']);
    await alloc.release(vimId, ids[3]!); // .5 first
    await alloc.release(vimId, ids[1]!); // then .3
    expect(await alloc.allocate(vimId, randomUUID(), randomUUID(), pool, ['10.77.4.1'])).toBe('10.77.4.5');
    expect(await alloc.allocate(vimId, randomUUID(), randomUUID(), pool, ['10.77.4.1'])).toBe('10.77.4.3');
    await expect(alloc.allocate(vimId, randomUUID(), randomUUID(), pool, ['10.77.4.1'])).rejects.toThrow(
      PoolExhaustedError,
    );
  });

  it('never hands an address out twice: 30 parallel allocations, two allocators', async () => {
    const vimId = (await createVimRow(db, 'netns', { bridge: 'vtalloc', pool: POOL, allowedCidrs: [POOL] }))
      .id;
    const other = new PrismaIpAllocator(db2);
    const ids = Array.from({ length: 30 }, () => randomUUID());
    const vnf = randomUUID();
    const ips = await Promise.all(
      ids.map((id, i) => (i % 2 ? alloc : other).allocate(vimId, id, vnf, POOL, ['10.77.1.1'])),
    );
    expect(new Set(ips).size).toBe(30);
    // Exactly the 30 lowest, since nothing else was held.
    const expected = Array.from({ length: 30 }, (_, i) => `10.77.1.${i + 2}`);
    expect([...ips].sort()).toEqual([...expected].sort());
    const rows = await db.ipAllocation.findMany({ where: { vimId } });
    expect(rows).toHaveLength(30);
    // The same instance racing itself gets one address.
    const same = await Promise.all(
      ids
        .slice(0, 5)
        .flatMap((id) => [
          alloc.allocate(vimId, id, vnf, POOL, []),
          other.allocate(vimId, id, vnf, POOL, []),
        ]),
    );
    expect(same).toEqual(ids.slice(0, 5).flatMap((_, i) => [ips[i], ips[i]]));
    await Promise.all(ids.map((id) => alloc.release(vimId, id)));
    expect(await db.ipAllocation.count({ where: { vimId, instanceId: { not: null } } })).toBe(0);
  });

  it('says so when the pool is exhausted', async () => {
    const vimId = (await createVimRow(db, 'netns', { bridge: 'vtalloc', pool: POOL, allowedCidrs: [POOL] }))
      .id;
    const pool = '10.77.2.0/29'; // 6 host addresses, one reserved
    const ids = Array.from({ length: 5 }, () => randomUUID());
    for (const id of ids) await alloc.allocate(vimId, id, randomUUID(), pool, ['10.77.2.1']);
    await expect(alloc.allocate(vimId, randomUUID(), randomUUID(), pool, ['10.77.2.1'])).rejects.toThrow(
      PoolExhaustedError,
    );
    await Promise.all(ids.map((id) => alloc.release(vimId, id)));
  });

  it('refuses an instance that already holds an address in another VIM', async () => {
    const vimId = (await createVimRow(db, 'netns', { bridge: 'vtalloc', pool: POOL, allowedCidrs: [POOL] }))
      .id;
    const otherVim = (await createVimRow(db, 'netns', { bridge: 'vtalloc2', pool: '10.77.3.0/26' })).id;
    const id = randomUUID();
    await alloc.allocate(vimId, id, randomUUID(), POOL, []);
    await expect(alloc.allocate(otherVim, id, randomUUID(), '10.77.3.0/26', [])).rejects.toThrow(
      /already holds/,
    );
    await alloc.release(vimId, id);
  });
});
