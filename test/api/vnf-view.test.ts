// The list and show endpoints read VNFs with one SQL query and VNFD facts
// cached per VNFD (src/api/vnf-reads.ts, vnfd-facts.ts); create and update
// read them through Prisma. Both must give the same Tacker view, byte for byte,
// and the list and show endpoints write it as JSON text directly (vnf-json.ts).
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { vnfInclude, vnfView, vnfViewOf } from '../../src/api/serializers/vnf.js';
import { listJson, vnfJson } from '../../src/api/serializers/vnf-json.js';
import { VnfJsonCache } from '../../src/api/vnf-json-cache.js';
import { findVnfRecord, findVnfRecords, listVnfVersions } from '../../src/api/vnf-reads.js';
import { VnfdFactsCache } from '../../src/api/vnfd-facts.js';
import { parseVnfd } from '../../src/vnfd/parse.js';
import { sampleTemplate } from '../helpers/fixtures.js';
import { testDb } from '../helpers/env.js';

const db = testDb();
afterAll(() => db.$disconnect());

describe('the VNF view', () => {
  it('is the same from the SQL read as from Prisma, for scaled and single VDUs, with and without IPs', async () => {
    const tenant = await db.tenant.create({ data: { name: `t-${randomUUID()}` } });
    const vim = await db.vim.create({
      data: { tenantId: tenant.id, name: 'v', type: 'static', config: { allowedCidrs: ['127.0.0.0/8'] } },
    });
    const facts = new VnfdFactsCache(db);
    const ids: string[] = [];
    for (const sample of ['vnfd-ping-scaling', 'vnfd-two-vdus', 'vnfd-http-ping-log'] as const) {
      const parsed = parseVnfd(sampleTemplate(sample));
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
      const vnfd = await db.vnfd.create({
        data: { tenantId: tenant.id, name: sample, template: parsed.yaml, parsed: parsed.parsed as object },
      });
      for (const shape of ['none', 'one', 'two', 'no-ip', 'deleted'] as const) {
        const vnf = await db.vnf.create({
          data: {
            tenantId: tenant.id,
            name: `${sample}-${shape}`,
            vnfdId: vnfd.id,
            vimId: vim.id,
            status: shape === 'none' ? 'ERROR' : 'ACTIVE',
            errorReason: shape === 'none' ? 'it broke' : null,
            attributes: { param_values: { a: 1 }, config: 'x: "y"' },
            placementAttr: { region: 'r1' },
          },
        });
        ids.push(vnf.id);
        const vdus = parsed.parsed.vdus.map((v) => v.name);
        const count = shape === 'two' ? 2 : shape === 'none' ? 0 : 1;
        for (const vdu of vdus)
          for (let index = 0; index < count; index++)
            await db.vduInstance.create({
              data: {
                vnfId: vnf.id,
                vduName: vdu,
                index,
                mgmtIp: shape === 'no-ip' ? null : `127.0.${index}.${vdus.indexOf(vdu) + 1}`,
                status: 'ACTIVE',
              },
            });
        if (shape === 'deleted')
          await db.vduInstance.create({
            data: {
              vnfId: vnf.id,
              vduName: vdus[0]!,
              index: 1,
              mgmtIp: '127.9.9.9',
              status: 'DELETED',
              deletedAt: new Date(),
            },
          });
      }
    }
    const versions = await listVnfVersions(db, { tenantId: tenant.id }, undefined, 100);
    expect(versions.map((r) => r.id)).toEqual(ids);
    const byId = new Map((await findVnfRecords(db, ids)).map((r) => [r.id, r]));
    const listed = ids.map((id) => byId.get(id)!);
    const known = await facts.get(listed.map((r) => r.vnfdId));
    for (const r of listed) {
      const viaPrisma = await db.vnf.findUniqueOrThrow({ where: { id: r.id }, include: vnfInclude });
      const expected = JSON.stringify(vnfViewOf(viaPrisma));
      expect(JSON.stringify(vnfView(r, known.get(r.vnfdId)!)), r.name).toBe(expected);
      expect(vnfJson(r, known.get(r.vnfdId)!), r.name).toBe(expected);
      const one = await findVnfRecord(db, r.id, { tenantId: tenant.id });
      expect(JSON.stringify(vnfView(one!, known.get(r.vnfdId)!)), r.name).toBe(expected);
    }
    const links = { vnfs_links: [{ rel: 'next', href: 'http://h/v1.0/vnfs?marker=x' }] };
    const page = await new VnfJsonCache(db, facts).json(versions);
    expect(String(listJson('vnfs', page, links))).toBe(
      JSON.stringify({ vnfs: listed.map((r) => vnfView(r, known.get(r.vnfdId)!)), ...links }),
    );
    expect(await findVnfRecord(db, ids[0]!, { tenantId: randomUUID() })).toBeUndefined();
  });
});
