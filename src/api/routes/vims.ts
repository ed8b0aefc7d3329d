// /v1.0/vims: register, list, show, update and delete VIMs. VIM writes are
// serialised by one advisory lock, so the checks that span VIMs (one default
// per tenant, netns pools and bridges unique on this host) cannot race.
import { z } from 'zod';
import type { Prisma } from '../../db/client.js';
import { validateVimConfig, vimConflicts } from '../../vim/registry.js';
import type { ApiDeps } from '../deps.js';
import { conflict, invalidInput, notFound, type FieldProblem } from '../errors.js';
import { deleteUnused } from '../delete-unused.js';
import { recordEvent } from '../events.js';
import { after, keysetOrder, keysetPage } from '../pagination.js';
import { route, type AnyRoute } from '../route.js';
import { idParam, links } from '../schemas/common.js';
import { vimCreateBody, vimListQuery, vimUpdateBody, vimView as vimViewSchema } from '../schemas/vim.js';
import { vimView } from '../serializers/vim.js';
import { scopeOf, tenantForCreate } from '../tenancy.js';

/** pg_advisory_xact_lock key of VIM writes ("vnfm-vim"). */
const VIM_WRITE_LOCK = 0x766e666d2d76696dn & 0x7fffffffffffffffn;

const vimNotFound = (id: string) => notFound('VimNotFoundException', `VIM ${id} could not be found`);
const params = idParam('vim_id');
const notFoundParam = (raw: Record<string, string>) => vimNotFound(raw.vim_id ?? '');

async function lockVimWrites(tx: Prisma.TransactionClient): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${VIM_WRITE_LOCK})`;
}

export function vimRoutes({ db }: ApiDeps): AnyRoute[] {
  const findVisible = (id: string, tenant: { tenantId?: string }) =>
    db.vim.findFirst({ where: { id, deletedAt: null, ...tenant } });

  return [
    route({
      method: 'post',
      path: '/v1.0/vims',
      operationId: 'createVim',
      summary: 'Register a VIM (netns or static)',
      description: "The tenant's first VIM becomes its default unless is_default is false.",
      tag: 'vims',
      body: vimCreateBody,
      responses: { 201: { description: 'Registered', schema: z.strictObject({ vim: vimViewSchema }) } },
      errors: [400, 401, 403, 404, 409, 413, 415],
      handler: async ({ body, principal }) => {
        const b = body.vim;
        const tenantId = await tenantForCreate(db, principal, b.tenant_id);
        const problems: FieldProblem[] = [];
        if (b.type === 'static') {
          for (const key of ['bridge', 'pool'] as const) {
            if (b[key] !== undefined)
              problems.push({ path: `vim.${key}`, message: `only netns VIMs have a ${key}` });
          }
        }
        const cfg = validateVimConfig(b.type, {
          bridge: b.bridge,
          pool: b.pool,
          allowed_cidrs: b.allowed_cidrs,
        });
        if (!cfg.ok) problems.push(...cfg.errors.map((e) => ({ path: `vim.${e.path}`, message: e.message })));
        if (problems.length || !cfg.ok) throw invalidInput(problems);

        const row = await db.$transaction(async (tx) => {
          await lockVimWrites(tx);
          const live = await tx.vim.findMany({
            where: { deletedAt: null, type: 'netns' },
            select: { id: true, name: true, type: true, config: true, tenantId: true },
          });
          const clashes = vimConflicts({ id: '', name: b.name, type: b.type, config: cfg.config }, live);
          if (clashes.length) {
            // Name the clashing VIM only to its own tenant.
            const others = live.filter((v) => v.tenantId !== tenantId);
            const hide = (m: string) =>
              others.reduce(
                (s, v) => s.replaceAll(`VIM '${v.name}' (${v.id})`, 'a VIM of another tenant'),
                m,
              );
            const first = clashes[0]!;
            throw conflict('VimConflict', `vim.${first.path}: ${hide(first.message)}`);
          }
          const hasVims = (await tx.vim.count({ where: { tenantId, deletedAt: null } })) > 0;
          const isDefault = b.is_default ?? !hasVims;
          if (isDefault) {
            await tx.vim.updateMany({
              where: { tenantId, deletedAt: null, isDefault: true },
              data: { isDefault: false },
            });
          }
          const vim = await tx.vim.create({
            data: {
              tenantId,
              name: b.name,
              description: b.description ?? '',
              type: b.type,
              isDefault,
              config: cfg.config as unknown as Prisma.InputJsonValue,
            },
          });
          await recordEvent(tx, {
            tenantId,
            resourceType: 'vim',
            resourceId: vim.id,
            state: vim.status,
            type: 'CREATE',
            message: 'VIM registered',
          });
          return vim;
        });
        return { status: 201, body: { vim: vimView(row) } };
      },
    }),

    route({
      method: 'get',
      path: '/v1.0/vims',
      operationId: 'listVims',
      summary: 'List VIMs',
      tag: 'vims',
      query: vimListQuery,
      responses: {
        200: {
          description: 'VIMs',
          schema: z.strictObject({ vims: z.array(vimViewSchema), vims_links: links.optional() }),
        },
      },
      errors: [400, 401],
      handler: async ({ req, query, principal }) => {
        const scope = scopeOf(principal);
        const page = await keysetPage(req, 'vims', query, db.vim, scope, (cursor, take) =>
          db.vim.findMany({
            where: {
              ...scope,
              deletedAt: null,
              ...(query.name !== undefined ? { name: query.name } : {}),
              ...(query.type !== undefined ? { type: query.type } : {}),
              ...after(cursor),
            },
            orderBy: keysetOrder,
            take,
          }),
        );
        return { status: 200, body: { vims: page.items.map(vimView), ...page.links } };
      },
    }),

    route({
      method: 'get',
      path: '/v1.0/vims/{vim_id}',
      operationId: 'showVim',
      summary: 'Show a VIM',
      tag: 'vims',
      params,
      notFound: notFoundParam,
      responses: { 200: { description: 'The VIM', schema: z.strictObject({ vim: vimViewSchema }) } },
      errors: [401, 404],
      handler: async ({ params: p, principal }) => {
        const vim = await findVisible(p.vim_id, scopeOf(principal));
        if (!vim) throw vimNotFound(p.vim_id);
        return { status: 200, body: { vim: vimView(vim) } };
      },
    }),

    route({
      method: 'put',
      path: '/v1.0/vims/{vim_id}',
      operationId: 'updateVim',
      summary: "Update a VIM's name, description or default flag",
      tag: 'vims',
      params,
      notFound: notFoundParam,
      body: vimUpdateBody,
      responses: { 200: { description: 'Updated', schema: z.strictObject({ vim: vimViewSchema }) } },
      errors: [400, 401, 404, 413, 415],
      handler: async ({ params: p, body, principal }) => {
        const b = body.vim;
        const updated = await db.$transaction(async (tx) => {
          await lockVimWrites(tx);
          const vim = await tx.vim.findFirst({
            where: { id: p.vim_id, deletedAt: null, ...scopeOf(principal) },
          });
          if (!vim) throw vimNotFound(p.vim_id);
          if (b.is_default) {
            await tx.vim.updateMany({
              where: { tenantId: vim.tenantId, deletedAt: null, isDefault: true, id: { not: vim.id } },
              data: { isDefault: false },
            });
          }
          const row = await tx.vim.update({
            where: { id: vim.id },
            data: {
              ...(b.name !== undefined ? { name: b.name } : {}),
              ...(b.description !== undefined ? { description: b.description } : {}),
              ...(b.is_default !== undefined ? { isDefault: b.is_default } : {}),
            },
          });
          await recordEvent(tx, {
            tenantId: vim.tenantId,
            resourceType: 'vim',
            resourceId: vim.id,
            state: row.status,
            type: 'UPDATE',
            message: 'VIM updated',
          });
          return row;
        });
        return { status: 200, body: { vim: vimView(updated) } };
      },
    }),

    route({
      method: 'delete',
      path: '/v1.0/vims/{vim_id}',
      operationId: 'deleteVim',
      summary: 'Delete a VIM (409 while a VNF uses it)',
      tag: 'vims',
      params,
      notFound: notFoundParam,
      responses: { 204: { description: 'Deleted' } },
      errors: [401, 404, 409],
      handler: async ({ params: p, principal }) => {
        await db.$transaction((tx) => deleteUnused(tx, 'vim', p.vim_id, scopeOf(principal), vimNotFound));
        return { status: 204 };
      },
    }),
  ];
}
