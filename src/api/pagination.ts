// Keyset pagination, OpenStack style: `marker` is the id of the last item of
// the previous page and the next page starts strictly after it in
// (created_at, id) order. Rows inserted or deleted between pages never make a
// page repeat or skip a row that existed before (deleted rows are soft-deleted,
// so a marker stays resolvable).
import type { Request } from 'express';
import { invalidInput } from './errors.js';

export interface Cursor {
  createdAt: Date;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Resolves `marker` through `find` (which applies the caller's tenant scope); 400 when unknown. */
export async function resolveMarker(
  marker: string | undefined,
  find: (id: string) => Promise<Cursor | null>,
): Promise<Cursor | undefined> {
  if (marker === undefined) return undefined;
  const cursor = UUID.test(marker) ? await find(marker) : null;
  if (!cursor)
    throw invalidInput([{ path: 'marker', message: `'${marker}' is not the id of an item of this list` }]);
  return cursor;
}

/** The Prisma where clause for rows after `cursor`. */
export function after(cursor: Cursor | undefined) {
  if (!cursor) return {};
  return {
    OR: [{ createdAt: { gt: cursor.createdAt } }, { createdAt: cursor.createdAt, id: { gt: cursor.id } }],
  };
}

export const keysetOrder = [{ createdAt: 'asc' as const }, { id: 'asc' as const }];

/** Fetch limit + 1 rows; this splits them into the page and whether more follow. */
export function takePage<T>(rows: T[], limit: number): { items: T[]; more: boolean } {
  return { items: rows.slice(0, limit), more: rows.length > limit };
}

/** `<collection>_links` with the next page's URL, keeping the request's filters. */
export function nextLinks(req: Request, collection: string, more: boolean, lastId: string | undefined) {
  if (!more || lastId === undefined) return {};
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(req.query)) {
    if (k === 'marker') continue;
    for (const x of Array.isArray(v) ? v : [v]) if (typeof x === 'string') params.append(k, x);
  }
  params.set('marker', lastId);
  const href = `${req.protocol}://${req.get('host') ?? 'localhost'}${req.baseUrl}${req.path}?${params}`;
  return { [`${collection}_links`]: [{ rel: 'next' as const, href }] };
}

/** A Prisma model whose rows are listed by keyset (db.vim, db.vnfd, db.vnf). */
export interface KeysetModel {
  findFirst(args: {
    where: { id: string; tenantId?: string };
    select: { id: true; createdAt: true };
  }): Promise<Cursor | null>;
}

/**
 * One page of a collection: `marker` resolved among `model`'s rows in the caller's tenant `scope`,
 * `limit` + 1 rows fetched after it, and the next page's link.
 */
export async function keysetPage<Row extends { id: string }>(
  req: Request,
  collection: string,
  query: { marker?: string | undefined; limit: number },
  model: KeysetModel,
  scope: { tenantId?: string },
  fetchRows: (cursor: Cursor | undefined, take: number) => Promise<Row[]>,
) {
  const cursor = await resolveMarker(query.marker, (id) =>
    model.findFirst({ where: { id, ...scope }, select: { id: true, createdAt: true } }),
  );
  const page = takePage(await fetchRows(cursor, query.limit + 1), query.limit);
  return { items: page.items, links: nextLinks(req, collection, page.more, page.items.at(-1)?.id) };
}
