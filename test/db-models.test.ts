// Every model round-trips through Prisma on the database migrated from the
// SQL files, so the schema and the migrations cannot drift apart unnoticed.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { Prisma } from '../src/db/client.js';
import { listMigrations } from '../src/db/migrate.js';
import pg from 'pg';
import { databaseUrl, testDb } from './helpers/env.js';

const db = testDb();
afterAll(() => db.$disconnect());

describe('database models', () => {
  it('round-trips every model on the migrated database', async () => {
    const tenant = await db.tenant.create({ data: { name: `t-${randomUUID()}` } });
    const token = await db.apiToken.create({
      data: { tenantId: tenant.id, tokenHash: randomUUID(), prefix: 'vnfm_abc', isAdmin: true, name: 'ci' },
    });
    const vim = await db.vim.create({
      data: {
        tenantId: tenant.id,
        name: 'v',
        type: 'netns',
        isDefault: true,
        config: { bridge: 'br', pool: '10.0.0.0/24', allowedCidrs: ['10.0.0.0/24'] },
      },
    });
    const vnfd = await db.vnfd.create({
      data: { tenantId: tenant.id, name: 'd', template: 'tosca: 1', parsed: { vdus: [] } },
    });
    const vnf = await db.vnf.create({
      data: {
        tenantId: tenant.id,
        name: 'f',
        vnfdId: vnfd.id,
        vimId: vim.id,
        monitorActionId: randomUUID(),
        monitorGeneration: 3,
        lifecycleRun: randomUUID(),
        attributes: { config: {}, param_values: { a: 1 } },
      },
    });
    const inst = await db.vduInstance.create({
      data: {
        vnfId: vnf.id,
        vduName: 'VDU1',
        index: 0,
        mgmtIp: '10.0.0.2',
        vimResourceId: 'ns',
        bootedAt: new Date(),
      },
    });
    const ev = await db.event.create({
      data: {
        tenantId: tenant.id,
        resourceId: vnf.id,
        resourceType: 'vnf',
        resourceState: 'ACTIVE',
        eventType: 'CREATE',
        eventDetails: { msg: 'ok' },
      },
    });
    const hold = await db.healHold.create({
      data: {
        scopeType: 'vim',
        scopeId: vim.id,
        reason: 'correlated failure: 12 of 50 targets failed within 30 s',
        failed: 12,
        total: 50,
        windowSeconds: 30,
        limitAt: new Date(Date.now() + 300_000),
      },
    });
    const pae = await db.policyActionExecution.create({
      data: {
        vnfId: vnf.id,
        actionId: randomUUID(),
        episode: 1,
        action: 'respawn',
        vduName: 'VDU1',
        result: { result: 'ok' },
        reportedBy: 'vnfm-monitor@host-1',
        gate: 'HELD',
        holdId: hold.id,
      },
    });
    const slot = await db.recreationSlot.create({ data: { executionId: pae.id, vimId: vim.id } });
    const fault = await db.probePathFault.create({
      data: { worker: 'vnfm-monitor@host-1', vnfId: vnf.id, instanceId: inst.id, ip: '10.0.0.2' },
    });
    const ip = await db.ipAllocation.create({
      data: { vimId: vim.id, ip: '10.0.0.2', vnfId: vnf.id, instanceId: inst.id },
    });

    expect(await db.tenant.findUniqueOrThrow({ where: { id: tenant.id } })).toEqual(tenant);
    expect(await db.apiToken.findUniqueOrThrow({ where: { id: token.id } })).toEqual(token);
    expect(await db.vim.findUniqueOrThrow({ where: { id: vim.id } })).toEqual(vim);
    expect(await db.vnfd.findUniqueOrThrow({ where: { id: vnfd.id } })).toEqual(vnfd);
    expect(await db.vnf.findUniqueOrThrow({ where: { id: vnf.id } })).toEqual(vnf);
    expect(await db.vduInstance.findUniqueOrThrow({ where: { id: inst.id } })).toEqual(inst);
    expect(await db.event.findUniqueOrThrow({ where: { id: ev.id } })).toEqual(ev);
    expect(typeof ev.id).toBe('bigint');
    expect(await db.policyActionExecution.findUniqueOrThrow({ where: { id: pae.id } })).toEqual(pae);
    expect(await db.ipAllocation.findUniqueOrThrow({ where: { id: ip.id } })).toEqual(ip);
    expect(await db.healHold.findUniqueOrThrow({ where: { id: hold.id } })).toEqual(hold);
    expect(await db.recreationSlot.findUniqueOrThrow({ where: { executionId: pae.id } })).toEqual(slot);
    expect(await db.probePathFault.findUniqueOrThrow({ where: { id: fault.id } })).toEqual(fault);
    // The migration made the one installation row; its home is set on first use.
    const installation = await db.installation.findUniqueOrThrow({ where: { singleton: true } });
    expect(await db.installation.findMany()).toEqual([installation]);
  });

  it('enforces the uniqueness the product relies on', async () => {
    const tenant = await db.tenant.create({ data: { name: `t-${randomUUID()}` } });
    const vim = await db.vim.create({
      data: { tenantId: tenant.id, name: 'v', type: 'static', isDefault: true, config: { allowedCidrs: [] } },
    });
    // One default VIM per tenant.
    await expect(
      db.vim.create({
        data: { tenantId: tenant.id, name: 'w', type: 'static', isDefault: true, config: {} },
      }),
    ).rejects.toThrow();
    // An IP is handed out once per VIM.
    await db.ipAllocation.create({ data: { vimId: vim.id, ip: '10.9.0.2' } });
    await expect(db.ipAllocation.create({ data: { vimId: vim.id, ip: '10.9.0.2' } })).rejects.toThrow(
      Prisma.PrismaClientKnownRequestError,
    );
    // A policy action runs once per (vnf, actionId, episode).
    const vnfd = await db.vnfd.create({
      data: { tenantId: tenant.id, name: 'd', template: 'x', parsed: {} },
    });
    const vnf = await db.vnf.create({
      data: { tenantId: tenant.id, name: 'f', vnfdId: vnfd.id, vimId: vim.id },
    });
    const actionId = randomUUID();
    const row = { vnfId: vnf.id, actionId, episode: 1, action: 'log', vduName: 'VDU1' };
    await db.policyActionExecution.create({ data: row });
    await expect(db.policyActionExecution.create({ data: row })).rejects.toThrow();
    // One open correlated-failure hold per scope (a partial index only the SQL has).
    const hold = { scopeType: 'vim', scopeId: vim.id, reason: 'r', failed: 3, total: 4, windowSeconds: 30 };
    const limitAt = new Date();
    const first = await db.healHold.create({ data: { ...hold, limitAt } });
    await expect(db.healHold.create({ data: { ...hold, limitAt } })).rejects.toThrow();
    await db.healHold.update({ where: { id: first.id }, data: { state: 'ENDED' } });
    await db.healHold.create({ data: { ...hold, limitAt } });
    // One installation per database.
    await expect(db.installation.create({ data: {} })).rejects.toThrow();
    await expect(db.installation.create({ data: { singleton: false } })).rejects.toThrow();
  });

  it('records applied migrations the way Prisma Migrate does', async () => {
    const c = new pg.Client({ connectionString: databaseUrl() });
    await c.connect();
    const { rows } = await c.query('SELECT migration_name, checksum, finished_at FROM "_prisma_migrations"');
    await c.end();
    const files = listMigrations();
    expect(rows.map((r) => r.migration_name).sort()).toEqual(files.map((m) => m.name));
    for (const m of files) {
      const row = rows.find((r) => r.migration_name === m.name);
      expect(row.checksum).toBe(m.checksum);
      expect(row.finished_at).not.toBeNull();
    }
  });
});
