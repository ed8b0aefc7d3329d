// Deleting a VIM or a VNFD: refused (409) while a live VNF uses it, else
// soft-deleted (a marker of a list page stays resolvable) with a DELETE event.
import { Prisma } from '../db/client.js';
import { conflict, type ApiError } from './errors.js';
import { recordEvent } from './events.js';

const KINDS = {
  vim: {
    table: Prisma.raw('vims'),
    label: 'VIM',
    inUse: 'VimInUseException',
    usedBy: (id: string) => ({ vimId: id }),
  },
  vnfd: {
    table: Prisma.raw('vnfds'),
    label: 'VNFD',
    inUse: 'VNFDInUse',
    usedBy: (id: string) => ({ vnfdId: id }),
  },
} as const;

export async function deleteUnused(
  tx: Prisma.TransactionClient,
  kind: keyof typeof KINDS,
  id: string,
  scope: { tenantId?: string },
  notFound: (id: string) => ApiError,
): Promise<void> {
  const k = KINDS[kind];
  const where = { id, deletedAt: null, ...scope };
  const row = kind === 'vim' ? await tx.vim.findFirst({ where }) : await tx.vnfd.findFirst({ where });
  if (!row) throw notFound(id);
  // VNF create holds this row FOR SHARE: a VNF being created now is counted below.
  const locked = await tx.$queryRaw<{ id: string }[]>`
    SELECT id FROM ${k.table} WHERE id = ${row.id}::uuid AND deleted_at IS NULL FOR UPDATE`;
  if (!locked.length) throw notFound(id);
  const users = await tx.vnf.count({ where: { ...k.usedBy(row.id), deletedAt: null } });
  if (users)
    throw conflict(k.inUse, `${k.label} ${row.id} is still used by ${users} VNF${users > 1 ? 's' : ''}`);
  const data = { deletedAt: new Date() };
  if (kind === 'vim') await tx.vim.update({ where: { id: row.id }, data });
  else await tx.vnfd.update({ where: { id: row.id }, data });
  await recordEvent(tx, {
    tenantId: row.tenantId,
    resourceType: kind,
    resourceId: row.id,
    state: 'Not Applicable',
    type: 'DELETE',
    message: `${k.label} deleted`,
  });
}
