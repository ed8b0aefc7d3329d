// A Vim row in Tacker's VIM shape, with the driver settings flattened in.
import type { Vim } from '../../db/client.js';
import type { VimView } from '../schemas/vim.js';

export function vimView(v: Vim): VimView {
  const config = (v.config ?? {}) as { bridge?: string; pool?: string; allowedCidrs?: string[] };
  return {
    id: v.id,
    tenant_id: v.tenantId,
    name: v.name,
    description: v.description,
    type: v.type as VimView['type'],
    is_default: v.isDefault,
    status: v.status,
    placement_attr: { regions: [] },
    ...(config.bridge !== undefined ? { bridge: config.bridge } : {}),
    ...(config.pool !== undefined ? { pool: config.pool } : {}),
    allowed_cidrs: config.allowedCidrs ?? [],
    created_at: v.createdAt.toISOString(),
    updated_at: v.updatedAt.toISOString(),
  };
}
