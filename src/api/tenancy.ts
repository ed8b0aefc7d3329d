// Tenant scoping: a token sees its own tenant's resources, an admin token
// every tenant's. Another tenant's resource is answered like a missing one.
import type { Principal } from '../auth/tokens.js';
import type { Db } from '../db/client.js';
import { ApiError, notFound } from './errors.js';

/** Prisma where-fragment restricting rows to what `p` may see. */
export function scopeOf(p: Principal): { tenantId?: string } {
  return p.isAdmin ? {} : { tenantId: p.tenantId };
}

/**
 * The tenant a create request writes to: the token's own, or for admins the
 * `tenant_id` of the body (Tacker clients send it; a non-admin may only name
 * their own tenant).
 */
export async function tenantForCreate(db: Db, p: Principal, requested: string | undefined): Promise<string> {
  if (requested === undefined || requested === p.tenantId) return p.tenantId;
  if (!p.isAdmin) {
    throw new ApiError(
      403,
      'Forbidden',
      `tenant_id ${requested} is not the token's tenant; only admin tokens may name another tenant`,
    );
  }
  const tenant = await db.tenant.findUnique({ where: { id: requested }, select: { id: true } });
  if (!tenant) throw notFound('TenantNotFound', `tenant ${requested} could not be found`);
  return tenant.id;
}
