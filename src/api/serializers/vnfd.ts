// A Vnfd row in Tacker's VNFD shape: attributes.vnfd is the YAML text.
import { createHash } from 'node:crypto';
import type { Vnfd } from '../../db/client.js';
import type { VnfdView } from '../schemas/vnfd.js';

/** Tacker gave each service type row an id; ours is derived, so it is stable. */
function serviceTypeId(vnfdId: string, type: string): string {
  const h = createHash('sha1').update(`${vnfdId}/${type}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function vnfdView(d: Vnfd): VnfdView {
  const types = Array.isArray(d.serviceTypes)
    ? d.serviceTypes.filter((t) => typeof t === 'string')
    : ['vnfd'];
  return {
    id: d.id,
    tenant_id: d.tenantId,
    name: d.name,
    description: d.description,
    service_types: types.map((t) => ({ id: serviceTypeId(d.id, t), service_type: t })),
    attributes: { vnfd: d.template },
    template_source: d.templateSource as VnfdView['template_source'],
    created_at: d.createdAt.toISOString(),
    updated_at: d.updatedAt.toISOString(),
  };
}
