// Rows and templates for conductor/monitor tests that run below the API:
// a tenant, a netns VIM with a pool no one else uses, VNFDs from the
// project's sample templates (with short periods so tests run in seconds),
// and VNFs created the way the API creates them (row + create workflow).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import type { Client } from '@temporalio/client';
import type { TemporalConfig } from '../../src/config.js';
import type { Db } from '../../src/db/client.js';
import { CREATE_VNF_WORKFLOW, lifecycleWorkflowId } from '../../src/conductor/contract.js';
import { parseVnfd } from '../../src/vnfd/parse.js';
import { freshNetnsConfig } from './netns.js';

const exec = promisify(execFile);

export type Sample = 'vnfd-ping-respawn' | 'vnfd-ping-scaling' | 'vnfd-http-ping-log' | 'vnfd-two-vdus';

/** A sample VNFD with monitoring parameters overridden per VDU (e.g. `{ period: 1 }`). */
export function sampleTemplate(name: Sample, params: Record<string, number> = {}, image?: string): string {
  interface Node {
    type: string;
    properties?: { image?: string; monitoring_policy?: { parameters?: Record<string, number> } };
  }
  const doc = parse(readFileSync(new URL(`../fixtures/vnfd/${name}.yaml`, import.meta.url), 'utf8')) as {
    topology_template: { node_templates: Record<string, Node> };
  };
  for (const node of Object.values(doc.topology_template.node_templates)) {
    const mp = node.properties?.monitoring_policy;
    if (mp) mp.parameters = { ...mp.parameters, ...params };
    if (image && node.type === 'tosca.nodes.nfv.VDU.Tacker' && node.properties) node.properties.image = image;
  }
  return stringify(doc);
}

export interface NetnsEnv {
  tenantId: string;
  vimId: string;
  bridge: string;
  pool: string;
  cleanup(): Promise<void>;
}

/** A tenant of its own and a static VIM on the loopback range (probes stay on this machine). */
export async function loopbackVim(db: Db, prefix: string): Promise<{ tenantId: string; vimId: string }> {
  const tenant = await db.tenant.create({ data: { name: `${prefix}-${randomUUID()}` } });
  const vim = await db.vim.create({
    data: {
      tenantId: tenant.id,
      name: 'loopback',
      type: 'static',
      config: { allowedCidrs: ['127.0.0.0/8'] },
    },
  });
  return { tenantId: tenant.id, vimId: vim.id };
}

export async function netnsVim(db: Db): Promise<NetnsEnv> {
  const cfg = await freshNetnsConfig();
  const tenant = await db.tenant.create({ data: { name: `t-${randomUUID()}` } });
  const vim = await db.vim.create({
    data: { tenantId: tenant.id, name: 'netns', type: 'netns', isDefault: true, config: { ...cfg } },
  });
  return {
    tenantId: tenant.id,
    vimId: vim.id,
    bridge: cfg.bridge,
    pool: cfg.pool,
    async cleanup() {
      await exec('ip', ['link', 'del', cfg.bridge]).catch(() => undefined);
      await exec('ip', ['route', 'del', 'blackhole', cfg.pool]).catch(() => undefined);
    },
  };
}

/** A VNFD row as the API writes it, from a template (e.g. `sampleTemplate(...)`). */
export async function createVnfd(db: Db, tenantId: string, template: string, name = 'vnfd'): Promise<string> {
  const parsed = parseVnfd(template);
  if (!parsed.ok) throw new Error(`bad template: ${JSON.stringify(parsed.errors)}`);
  const vnfd = await db.vnfd.create({
    data: { tenantId, name, template: parsed.yaml, parsed: parsed.parsed as object },
  });
  return vnfd.id;
}

/** Writes a PENDING_CREATE VNF as the API does (of a new VNFD from `vnfd`, or of an existing one), and starts the create workflow. */
export async function createVnf(
  env: { db: Db; client: Client; temporal: TemporalConfig },
  where: { tenantId: string; vimId: string },
  vnfd: string | { vnfdId: string },
  name = 'vnf',
  attributes: object = {},
): Promise<string> {
  const vnfdId =
    typeof vnfd === 'string' ? await createVnfd(env.db, where.tenantId, vnfd, `${name}-vnfd`) : vnfd.vnfdId;
  const vnf = await env.db.vnf.create({
    data: { tenantId: where.tenantId, name, vnfdId, vimId: where.vimId, attributes },
  });
  await env.client.workflow.start(CREATE_VNF_WORKFLOW, {
    workflowId: lifecycleWorkflowId(vnf.id),
    taskQueue: env.temporal.conductorTaskQueue,
    args: [{ vnfId: vnf.id }],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  return vnf.id;
}

export async function vnfStatus(db: Db, vnfId: string): Promise<string | undefined> {
  return (await db.vnf.findUnique({ where: { id: vnfId } }))?.status;
}

export async function liveInstances(db: Db, vnfId: string) {
  return db.vduInstance.findMany({
    where: { vnfId, deletedAt: null },
    orderBy: [{ vduName: 'asc' }, { index: 'asc' }],
  });
}

export async function vnfEvents(db: Db, vnfId: string) {
  return db.event.findMany({ where: { resourceId: vnfId }, orderBy: { id: 'asc' } });
}
