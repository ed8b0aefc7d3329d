// A VNF in Tacker's VNF shape. mgmt_ip_address and
// attributes.monitoring_policy are JSON *strings*, as Tacker returned them.
import { pythonJson } from '../../wire/python-json.js';
import type { Prisma } from '../../db/client.js';
import type { ParsedVnfd } from '../../vnfd/types.js';
import type { VnfView } from '../schemas/vnf.js';
import type { VnfViewSource } from '../vnf-reads.js';
import { vnfdFacts, type VnfdFacts } from '../vnfd-facts.js';

/** What a VNF's view needs besides its row when read through Prisma (create, update). */
export const vnfInclude = {
  vnfd: { select: { parsed: true } },
  vim: { select: { name: true, type: true } },
  instances: {
    where: { deletedAt: null, status: 'ACTIVE' },
    orderBy: [{ vduName: 'asc' as const }, { index: 'asc' as const }],
    select: { id: true, vduName: true, index: true, mgmtIp: true, vimResourceId: true },
  },
} satisfies Prisma.VnfInclude;

export type VnfWithRelations = Prisma.VnfGetPayload<{ include: typeof vnfInclude }>;

/** `{"VDU1": "10.0.0.14"}`, or a list for a VDU a scaling policy targets; null without instances. */
export function mgmtIpAddress(instances: VnfViewSource['instances'], facts: VnfdFacts): string | null {
  const byVdu = new Map<string, string[]>();
  for (const [vdu, ip] of instances) {
    if (!ip) continue;
    const ips = byVdu.get(vdu);
    if (ips) ips.push(ip);
    else byVdu.set(vdu, [ip]);
  }
  if (!byVdu.size) return null;
  const out = new Map<string, string | string[]>();
  for (const [vdu, ips] of byVdu)
    out.set(vdu, ips.length === 1 && !facts.scaledVdus.has(vdu) ? ips[0]! : ips);
  return pythonJson(out);
}

export function vnfView(vnf: VnfViewSource, facts: VnfdFacts): VnfView {
  const stored = (vnf.attributes ?? {}) as Record<string, unknown>;
  return {
    id: vnf.id,
    tenant_id: vnf.tenantId,
    name: vnf.name,
    description: vnf.description,
    vnfd_id: vnf.vnfdId,
    vim_id: vnf.vimId,
    // VIM resources are named from the VNF id; there is no separate stack id.
    instance_id: vnf.instances.length ? vnf.id : null,
    status: vnf.status as VnfView['status'],
    mgmt_ip_address: mgmtIpAddress(vnf.instances, facts),
    attributes: {
      ...stored,
      ...(facts.monitoringPolicy !== undefined ? { monitoring_policy: facts.monitoringPolicy } : {}),
    },
    placement_attr: { ...((vnf.placementAttr ?? {}) as Record<string, unknown>), vim_name: vnf.vimName },
    error_reason: vnf.errorReason,
    created_at: vnf.createdAt.toISOString(),
    updated_at: vnf.updatedAt.toISOString(),
  };
}

/** The view of a VNF read through Prisma with `vnfInclude`. */
export function vnfViewOf(vnf: VnfWithRelations): VnfView {
  return vnfView(
    {
      ...vnf,
      vimName: vnf.vim.name,
      instances: vnf.instances.map((i) => [i.vduName, i.mgmtIp]),
    },
    vnfdFacts(vnf.vnfd.parsed as unknown as ParsedVnfd),
  );
}
