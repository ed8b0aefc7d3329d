// The reads behind GET /v1.0/vnfs and GET /v1.0/vnfs/{id}: one SQL query per
// request that returns each VNF with its VIM's name and its live instances
// (Prisma's include costs a query and a result transformation per relation,
// and the VNFD's parsed JSON per VNF; the view needs only facts of the VNFD,
// which src/api/vnfd-facts.ts computes once per VNFD). The query goes to the
// client's pool directly: Prisma's raw-query result conversion cost a page
// of 100 more than the query itself.
import { poolOf, Prisma, type Db } from '../db/client.js';
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
  /** Changes whenever anything above does (see VERSION). */
  version: string;
}

/** What a VNF's view is made of. */
export type VnfViewSource = Omit<VnfRecord, 'version'>;

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
  version: string;
}

/**
 * A VNF's row version: the xmin of every row its view is made of (the VNF, its
 * VIM, its live instances). PostgreSQL gives every written row version the id
 * of the transaction that wrote it, so any change to any of them — by the API,
 * the conductor or by hand in SQL — gives a version never seen before, and
 * an unchanged VNF keeps its version (src/api/vnf-json-cache.ts relies on it).
 */
const VERSION = Prisma.sql`v.xmin::text || '.' || m.xmin::text || '.' ||
  COALESCE((SELECT string_agg(i.xmin::text, ',' ORDER BY i.vdu_name, i.index) FROM vdu_instances i
            WHERE i.vnf_id = v.id AND i.deleted_at IS NULL AND i.status = 'ACTIVE'), '')`;

const SELECT = Prisma.sql`
  SELECT v.id::text AS id, v.tenant_id::text AS tenant_id, v.name, v.description,
         v.vnfd_id::text AS vnfd_id, v.vim_id::text AS vim_id, v.status, v.error_reason,
         v.attributes, v.placement_attr, v.created_at, v.updated_at, m.name AS vim_name,
         COALESCE((SELECT json_agg(json_build_array(i.vdu_name, i.mgmt_ip) ORDER BY i.vdu_name, i.index)
                   FROM vdu_instances i
                   WHERE i.vnf_id = v.id AND i.deleted_at IS NULL AND i.status = 'ACTIVE'), '[]'::json) AS instances,
         ${VERSION} AS version
  FROM vnfs v JOIN vims m ON m.id = v.vim_id`;

async function query<R extends object = Raw>(db: Db, sql: Prisma.Sql): Promise<R[]> {
  return (await poolOf(db).query<R>(sql.text, sql.values)).rows;
}

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
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  vimName: r.vim_name,
  instances: r.instances,
  version: r.version,
});

function listWhere(filter: VnfFilter, cursor: Cursor | undefined): Prisma.Sql {
  const where = [Prisma.sql`v.deleted_at IS NULL`];
  if (filter.tenantId !== undefined) where.push(Prisma.sql`v.tenant_id = ${filter.tenantId}::uuid`);
  if (filter.name !== undefined) where.push(Prisma.sql`v.name = ${filter.name}`);
  if (filter.status !== undefined) where.push(Prisma.sql`v.status = ${filter.status}`);
  if (filter.vnfdId !== undefined) where.push(Prisma.sql`v.vnfd_id = ${filter.vnfdId}::uuid`);
  if (filter.vimId !== undefined) where.push(Prisma.sql`v.vim_id = ${filter.vimId}::uuid`);
  if (cursor)
    where.push(Prisma.sql`(v.created_at, v.id) > (${cursor.createdAt}::timestamptz, ${cursor.id}::uuid)`);
  return Prisma.join(where, ' AND ');
}

export interface VnfVersion {
  id: string;
  version: string;
}

/**
 * Live VNFs matching `filter` after `cursor`, in (created_at, id) order, at most `take`: ids and
 * versions only, which is all a page reads when its VNFs' JSON is cached (vnf-json-cache.ts).
 */
export async function listVnfVersions(
  db: Db,
  filter: VnfFilter,
  cursor: Cursor | undefined,
  take: number,
): Promise<VnfVersion[]> {
  return query<VnfVersion>(
    db,
    Prisma.sql`SELECT v.id::text AS id, ${VERSION} AS version FROM vnfs v JOIN vims m ON m.id = v.vim_id
      WHERE ${listWhere(filter, cursor)} ORDER BY v.created_at, v.id LIMIT ${take}`,
  );
}

/** Live VNFs by id (any order; ids no longer live are left out). */
export async function findVnfRecords(db: Db, ids: readonly string[]): Promise<VnfRecord[]> {
  return (
    await query(db, Prisma.sql`${SELECT} WHERE v.id = ANY(${ids}::uuid[]) AND v.deleted_at IS NULL`)
  ).map(record);
}

/** `AND v.tenant_id = …` for a tenant's caller; nothing for an admin's. */
const inScope = (scope: { tenantId?: string }) =>
  scope.tenantId !== undefined ? Prisma.sql`AND v.tenant_id = ${scope.tenantId}::uuid` : Prisma.empty;

/** Where a page after `id` starts, when the VNF exists in the caller's scope (deleted ones too). */
export async function findVnfCursor(
  db: Db,
  id: string,
  scope: { tenantId?: string },
): Promise<Cursor | null> {
  const rows = await query<{ id: string; createdAt: Date }>(
    db,
    Prisma.sql`SELECT v.id::text AS id, v.created_at AS "createdAt" FROM vnfs v
      WHERE v.id = ${id}::uuid ${inScope(scope)}`,
  );
  return rows[0] ?? null;
}

/** One live VNF the caller may see. */
export async function findVnfRecord(
  db: Db,
  id: string,
  scope: { tenantId?: string },
): Promise<VnfRecord | undefined> {
  const rows = await query(
    db,
    Prisma.sql`${SELECT} WHERE v.id = ${id}::uuid AND v.deleted_at IS NULL ${inScope(scope)}`,
  );
  return rows[0] && record(rows[0]);
}
