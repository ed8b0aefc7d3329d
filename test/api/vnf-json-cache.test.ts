// The list page's per-VNF JSON cache (src/api/vnf-json-cache.ts) must never
// answer with a VNF as it was: every kind of write a view depends on — by
// Prisma as the API does, by raw SQL as the conductor and operators do —
// gives the next page the VNF as it is now, while unchanged VNFs are served
// from the cache without being read again.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { vnfJson } from '../../src/api/serializers/vnf-json.js';
import { VnfJsonCache } from '../../src/api/vnf-json-cache.js';
import { findVnfRecords, listVnfVersions } from '../../src/api/vnf-reads.js';
import { VnfdFactsCache } from '../../src/api/vnfd-facts.js';
import { parseVnfd } from '../../src/vnfd/parse.js';
import { sampleTemplate } from '../helpers/fixtures.js';
import { testDb } from '../helpers/env.js';

const db = testDb();
afterAll(() => db.$disconnect());

async function fleet(n: number) {
  const tenant = await db.tenant.create({ data: { name: `t-${randomUUID()}` } });
  const vim = await db.vim.create({
    data: { tenantId: tenant.id, name: 'v', type: 'static', config: { allowedCidrs: ['127.0.0.0/8'] } },
  });
  const parsed = parseVnfd(sampleTemplate('vnfd-two-vdus'));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const vnfd = await db.vnfd.create({
    data: { tenantId: tenant.id, name: 'd', template: parsed.yaml, parsed: parsed.parsed as object },
  });
  const ids: string[] = [];
  for (let k = 0; k < n; k++) {
    const vnf = await db.vnf.create({
      data: {
        tenantId: tenant.id,
        name: `vnf-${k}`,
        vnfdId: vnfd.id,
        vimId: vim.id,
        status: 'ACTIVE',
        attributes: { param_values: { k } },
      },
    });
    for (const vduName of ['VDU1', 'VDU2'])
      await db.vduInstance.create({
        data: { vnfId: vnf.id, vduName, index: 0, mgmtIp: `127.0.${k}.${vduName.at(-1)}`, status: 'ACTIVE' },
      });
    ids.push(vnf.id);
  }
  return { tenant, vim, ids };
}

describe('the VNF JSON cache of list pages', () => {
  it('serves unchanged VNFs from the cache and every changed one as it is now', async () => {
    const { tenant, vim, ids } = await fleet(4);
    const facts = new VnfdFactsCache(db);
    const cache = new VnfJsonCache(db, facts);
    /** A page through the cache, and the same VNFs serialised fresh from the database. */
    const page = async () => {
      const versions = await listVnfVersions(db, { tenantId: tenant.id }, undefined, 100);
      const cached = await cache.json(versions);
      const records = new Map((await findVnfRecords(db, ids)).map((r) => [r.id, r]));
      const known = await facts.get([...records.values()].map((r) => r.vnfdId));
      const fresh = versions
        .filter((v) => records.has(v.id))
        .map((v) => vnfJson(records.get(v.id)!, known.get(records.get(v.id)!.vnfdId)!));
      expect(cached.map(String)).toEqual(fresh);
      return cached;
    };
    const first = await page();
    const again = await page();
    // Unchanged: the very same buffers, not read or serialised again.
    again.forEach((b, i) => expect(b).toBe(first[i]));

    const writes: [string, () => Promise<unknown>, number[]][] = [
      [
        'status by raw SQL (the conductor)',
        () => db.$executeRaw`UPDATE vnfs SET status = 'DEAD' WHERE id = ${ids[0]}::uuid`,
        [0],
      ],
      [
        'attributes through Prisma (the API)',
        () => db.vnf.update({ where: { id: ids[1]! }, data: { attributes: { config: 'x' } } }),
        [1],
      ],
      [
        'an instance address',
        () =>
          db.$executeRaw`UPDATE vdu_instances SET mgmt_ip = '127.9.0.1' WHERE vnf_id = ${ids[2]}::uuid AND vdu_name = 'VDU1'`,
        [2],
      ],
      [
        'an instance soft-deleted',
        () =>
          db.$executeRaw`UPDATE vdu_instances SET deleted_at = now(), status = 'DELETED' WHERE vnf_id = ${ids[3]}::uuid AND vdu_name = 'VDU2'`,
        [3],
      ],
      [
        'an instance added',
        () =>
          db.vduInstance.create({
            data: { vnfId: ids[3]!, vduName: 'VDU2', index: 1, mgmtIp: '127.9.0.2', status: 'ACTIVE' },
          }),
        [3],
      ],
      [
        'the VIM renamed (every VNF shows its name)',
        () => db.vim.update({ where: { id: vim.id }, data: { name: 'renamed' } }),
        [0, 1, 2, 3],
      ],
      [
        'a write that changes nothing visible',
        () => db.$executeRaw`UPDATE vnfs SET name = name WHERE id = ${ids[1]}::uuid`,
        [1],
      ],
    ];
    let before = again;
    for (const [what, write, changed] of writes) {
      await write();
      const after = await page();
      after.forEach((b, i) => {
        if (changed.includes(i)) expect(b, what).not.toBe(before[i]);
        else expect(b, what).toBe(before[i]);
      });
      before = after;
    }
    expect(String(before[0])).toContain('"status":"DEAD"');
    expect(String(before[2])).toContain('127.9.0.1');
    expect(String(before[3])).toContain(
      '"mgmt_ip_address":"{\\"VDU1\\": \\"127.0.3.1\\", \\"VDU2\\": \\"127.9.0.2\\"}"',
    );

    // A VNF deleted between the page's two reads is left out, not shown as it was.
    await db.vnf.update({ where: { id: ids[0]! }, data: { status: 'ERROR' } });
    const versions = await listVnfVersions(db, { tenantId: tenant.id }, undefined, 100);
    await db.vnf.update({ where: { id: ids[0]! }, data: { deletedAt: new Date() } });
    expect((await cache.json(versions)).map((b) => JSON.parse(String(b)).id)).toEqual(ids.slice(1));
  });

  it('keeps at most its bound of VNFs', async () => {
    const { tenant } = await fleet(5);
    const cache = new VnfJsonCache(db, new VnfdFactsCache(db), 3);
    const versions = await listVnfVersions(db, { tenantId: tenant.id }, undefined, 100);
    expect(await cache.json(versions)).toHaveLength(5);
    expect(cache.size).toBe(3);
  });
});
