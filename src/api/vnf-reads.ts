// The reads behind GET /v1.0/vnfs and GET /v1.0/vnfs/{id}: one SQL query per
// request that returns each VNF with its VIM's name and its live instances
// (Prisma's include costs a query and a result transformation per relation,
// and the VNFD's parsed JSON per VNF; the view needs only facts of the VNFD,
// which src/api/vnfd-facts.ts computes once per VNFD).
import { Prisma, type Db } from '../db/client.js';
import type { Cursor } from './pagination.js';

export interface VnfRecord {
  id: string;
  tenantId: string;
  name: string;
  description: string;
  vnfdId: string;
  vimId: string;
  status: string;
  errorReason: string | null;
  attributes: unknown;
  placementAttr: unknown;
  createdAt: Date;
  updatedAt: Date;
  vimName: string;
  /** Live ACTIVE instances as [vduName, mgmtIp], ordered by VDU name and index. */
  instances: [string, string | null][];
}

export interface VnfFilter {
  tenantId?: string;
  name?: string;
  status?: string;
  vnfdId?: string;
  vimId?: string;
}

interface Raw {
  id: string;
  tenant_id: string;
  name: string;
  description: string;
  vnfd_id: string;
  vim_id: string;
  status: string;
  error_reason: string | null;
  attributes: unknown;
  placement_attr: unknown;
  created_at: Date;
  updated_at: Date;
  vim_name: string;
  instances: [string, string | null][];
}

const SELECT = Prisma.sql`
  SELECT v.id::text AS id, v.tenant_id::text AS tenant_id, v.name, v.description,
         v.vnfd_id::text AS vnfd_id, v.vim_id::text AS vim_id, v.status, v.error_reason,
         v.attributes, v.placement_attr, v.created_at, v.updated_at, m.name AS vim_name,
         COALESCE((SELECT json_agg(json_build_array(i.vdu_name, i.mgmt_ip) ORDER BY i.vdu_name, i.index)
                   FROM vdu_instances i
                   WHERE i.vnf_id = v.id AND i.deleted_at IS NULL AND i.status = 'ACTIVE'), '[]'::json) AS instances
  FROM vnfs v JOIN vims m ON m.id = v.vim_id`;

const record = (r: Raw): VnfRecord => ({
  id: r.id,
  tenantId: r.tenant_id,
  name: r.name,
  description: r.description,
  vnfdId: r.vnfd_id,
  vimId: r.vim_id,
  status: r.status,
  errorReason: r.error_reason,
  attributes: r.attributes,
  placementAttr: r.placement_attr,
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
  vimName: r.vim_name,
  instances: r.instances,
});

/** Live VNFs matching `filter` after `cursor`, in (created_at, id) order, at most `take`. */
export async function listVnfRecords(
  db: Db,
  filter: VnfFilter,
  cursor: Cursor | undefined,
  take: number,
): Promise<VnfRecord[]> {
  const where = [Prisma.sql`v.deleted_at IS NULL`];
  if (filter.tenantId !== undefined) where.push(Prisma.sql`v.tenant_id = ${filter.tenantId}::uuid`);
  if (filter.name !== undefined) where.push(Prisma.sql`v.name = ${filter.name}`);
  if (filter.status !== undefined) where.push(Prisma.sql`v.status = ${filter.status}`);
  if (filter.vnfdId !== undefined) where.push(Prisma.sql`v.vnfd_id = ${filter.vnfdId}::uuid`);
  if (filter.vimId !== undefined) where.push(Prisma.sql`v.vim_id = ${filter.vimId}::uuid`);
  if (cursor)
    where.push(Prisma.sql`(v.created_at, v.id) > (${cursor.createdAt}::timestamptz, ${cursor.id}::uuid)`);
  const rows = await db.$queryRaw<Raw[]>`${SELECT} WHERE ${Prisma.join(where, ' AND ')}
    ORDER BY v.created_at, v.id LIMIT ${take}`;
  return rows.map(record);
}

/** One live VNF the caller may see. */
export async function findVnfRecord(
  db: Db,
  id: string,
  scope: { tenantId?: string },
): Promise<VnfRecord | undefined> {
  const tenant =
    scope.tenantId !== undefined ? Prisma.sql`AND v.tenant_id = ${scope.tenantId}::uuid` : Prisma.empty;
  const rows = await db.$queryRaw<
    Raw[]
  >`${SELECT} WHERE v.id = ${id}::uuid AND v.deleted_at IS NULL ${tenant}`;
  return rows[0] && record(rows[0]);
}
