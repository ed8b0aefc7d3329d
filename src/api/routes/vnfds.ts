// /v1.0/vnfds: onboard, list, show and delete VNF descriptors.
import { z } from 'zod';
import type { Prisma } from '../../db/client.js';
import type { ApiDeps } from '../deps.js';
import { notFound } from '../errors.js';
import { deleteUnused } from '../delete-unused.js';
import { recordEvent } from '../events.js';
import { after, keysetOrder, keysetPage } from '../pagination.js';
import { route, type AnyRoute } from '../route.js';
import { idParam, links } from '../schemas/common.js';
import { vnfdCreateBody, vnfdListQuery, vnfdView as vnfdViewSchema } from '../schemas/vnfd.js';
import { vnfdView } from '../serializers/vnfd.js';
import { scopeOf, tenantForCreate } from '../tenancy.js';
import { parseVnfdInput } from '../vnfd-input.js';

export const vnfdNotFound = (id: string) => notFound('VNFDNotFound', `VNFD ${id} could not be found`);
const params = idParam('vnfd_id');
const notFoundParam = (raw: Record<string, string>) => vnfdNotFound(raw.vnfd_id ?? '');

export function vnfdRoutes({ db }: ApiDeps): AnyRoute[] {
  return [
    route({
      method: 'post',
      path: '/v1.0/vnfds',
      operationId: 'createVnfd',
      summary: 'Onboard a VNFD',
      description:
        'attributes.vnfd is the TOSCA template as an object or as YAML text; every problem is reported with its path.',
      tag: 'vnfds',
      body: vnfdCreateBody,
      responses: { 201: { description: 'Onboarded', schema: z.strictObject({ vnfd: vnfdViewSchema }) } },
      errors: [400, 401, 403, 404, 413, 415],
      handler: async ({ body, principal }) => {
        const b = body.vnfd;
        const { parsed, yaml } = parseVnfdInput(b.attributes.vnfd, 'vnfd.attributes.vnfd');
        const tenantId = await tenantForCreate(db, principal, b.tenant_id);
        const row = await db.$transaction(async (tx) => {
          const vnfd = await tx.vnfd.create({
            data: {
              tenantId,
              name: b.name,
              description: b.description ?? parsed.description,
              templateSource: 'onboarded',
              template: yaml,
              parsed: parsed as unknown as Prisma.InputJsonValue,
            },
          });
          await recordEvent(tx, {
            tenantId,
            resourceType: 'vnfd',
            resourceId: vnfd.id,
            state: 'OnBoarded',
            type: 'CREATE',
            message: 'VNFD onboarded',
          });
          return vnfd;
        });
        return { status: 201, body: { vnfd: vnfdView(row) } };
      },
    }),

    route({
      method: 'get',
      path: '/v1.0/vnfds',
      operationId: 'listVnfds',
      summary: 'List VNFDs',
      tag: 'vnfds',
      query: vnfdListQuery,
      responses: {
        200: {
          description: 'VNFDs',
          schema: z.strictObject({ vnfds: z.array(vnfdViewSchema), vnfds_links: links.optional() }),
        },
      },
      errors: [400, 401],
      handler: async ({ req, query, principal }) => {
        const scope = scopeOf(principal);
        const page = await keysetPage(req, 'vnfds', query, db.vnfd, scope, (cursor, take) =>
          db.vnfd.findMany({
            where: {
              ...scope,
              deletedAt: null,
              ...(query.template_source !== 'all' ? { templateSource: query.template_source } : {}),
              ...(query.name !== undefined ? { name: query.name } : {}),
              ...after(cursor),
            },
            orderBy: keysetOrder,
            take,
          }),
        );
        return { status: 200, body: { vnfds: page.items.map(vnfdView), ...page.links } };
      },
    }),

    route({
      method: 'get',
      path: '/v1.0/vnfds/{vnfd_id}',
      operationId: 'showVnfd',
      summary: 'Show a VNFD',
      tag: 'vnfds',
      params,
      notFound: notFoundParam,
      responses: { 200: { description: 'The VNFD', schema: z.strictObject({ vnfd: vnfdViewSchema }) } },
      errors: [401, 404],
      handler: async ({ params: p, principal }) => {
        const vnfd = await db.vnfd.findFirst({
          where: { id: p.vnfd_id, deletedAt: null, ...scopeOf(principal) },
        });
        if (!vnfd) throw vnfdNotFound(p.vnfd_id);
        return { status: 200, body: { vnfd: vnfdView(vnfd) } };
      },
    }),

    route({
      method: 'delete',
      path: '/v1.0/vnfds/{vnfd_id}',
      operationId: 'deleteVnfd',
      summary: 'Delete a VNFD (409 while a VNF uses it)',
      tag: 'vnfds',
      params,
      notFound: notFoundParam,
      responses: { 204: { description: 'Deleted' } },
      errors: [401, 404, 409],
      handler: async ({ params: p, principal }) => {
        await db.$transaction((tx) => deleteUnused(tx, 'vnfd', p.vnfd_id, scopeOf(principal), vnfdNotFound));
        return { status: 204 };
      },
    }),
  ];
}
