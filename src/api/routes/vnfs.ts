// /v1.0/vnfs: create, list, show, update and delete VNFs. The API writes the
// new row (PENDING_CREATE) and starts the create workflow; every later state
// change is the conductor's, requested through src/api/lifecycle.ts. The
// checks here are cheap read-only ones for fast, clear errors; the workflow's
// acceptance is authoritative.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { DELETE_VNF_WORKFLOW, UPDATE_VNF_WORKFLOW, type VnfStatus } from '../../conductor/contract.js';
import { writeVnfEvent } from '../../conductor/activities/events.js';
import type { Db, Prisma } from '../../db/client.js';
import type { ParsedVnfd } from '../../vnfd/types.js';
import type { ApiDeps } from '../deps.js';
import { conflict, forbidden, invalidInput, notFound } from '../errors.js';
import { mgmtIpProblems } from '../mgmt-ips.js';
import { keysetPage } from '../pagination.js';
import { route, type AnyRoute } from '../route.js';
import { idParam, links, MAX_NAME } from '../schemas/common.js';
import {
  vnfCreateBody,
  vnfDeleteBody,
  vnfListQuery,
  vnfUpdateBody,
  vnfView as vnfViewSchema,
} from '../schemas/vnf.js';
import { vnfInclude, vnfViewOf } from '../serializers/vnf.js';
import { listJson, vnfJson } from '../serializers/vnf-json.js';
import { VnfJsonCache } from '../vnf-json-cache.js';
import { findVnfCursor, findVnfRecord, listVnfVersions } from '../vnf-reads.js';
import { VnfdFactsCache } from '../vnfd-facts.js';
import { scopeOf, tenantForCreate } from '../tenancy.js';
import { parseVnfdInput } from '../vnfd-input.js';
import { vnfdNotFound } from './vnfds.js';

export const vnfNotFound = (id: string) => notFound('VNFNotFound', `VNF ${id} could not be found`);
export const vnfParams = idParam('vnf_id');
export const vnfNotFoundParam = (raw: Record<string, string>) => vnfNotFound(raw.vnf_id ?? '');

/** Statuses a VNF may be deleted from without force (PENDING_DELETE: a retried delete). */
const DELETABLE: readonly VnfStatus[] = ['ACTIVE', 'ERROR', 'DEAD', 'PENDING_DELETE'];

export const vnfInUse = (id: string, status: string, operation: string, needs = 'ACTIVE') =>
  conflict('VNFInUse', `VNF ${id} is ${status}; ${operation} needs ${needs}`);

const vnfBody = z.strictObject({ vnf: vnfViewSchema });

/** A live VNF the caller may see, with what its view needs. */
export function findVisibleVnf(db: Db, id: string, scope: { tenantId?: string }) {
  return db.vnf.findFirst({ where: { id, deletedAt: null, ...scope }, include: vnfInclude });
}

export function vnfRoutes({ db, lifecycle }: ApiDeps): AnyRoute[] {
  const findVisible = (id: string, scope: { tenantId?: string }) => findVisibleVnf(db, id, scope);
  const facts = new VnfdFactsCache(db);
  const pages = new VnfJsonCache(db, facts);
  // Markers resolve on the pool like the page itself (KeysetModel's one method).
  const cursors = {
    findFirst: ({ where }: { where: { id: string; tenantId?: string } }) =>
      findVnfCursor(db, where.id, where),
  };

  return [
    route({
      method: 'post',
      path: '/v1.0/vnfs',
      operationId: 'createVnf',
      summary: 'Create a VNF',
      description:
        'Writes the VNF in PENDING_CREATE and starts the create workflow; poll GET /v1.0/vnfs/{vnf_id} for ACTIVE. ' +
        'On a static VIM, attributes.param_values.mgmt_ips gives the management IPs.',
      tag: 'vnfs',
      body: vnfCreateBody,
      responses: { 201: { description: 'Created, PENDING_CREATE', schema: vnfBody } },
      errors: [400, 401, 403, 404, 413, 415],
      handler: async ({ body, principal, log }) => {
        const b = body.vnf;
        const tenantId = await tenantForCreate(db, principal, b.tenant_id);
        const inline =
          b.vnfd_template !== undefined ? parseVnfdInput(b.vnfd_template, 'vnf.vnfd_template') : undefined;
        const onboarded = b.vnfd_id
          ? await db.vnfd.findFirst({
              where: { id: b.vnfd_id, tenantId, deletedAt: null },
              select: { id: true, parsed: true },
            })
          : undefined;
        if (b.vnfd_id && !onboarded) throw vnfdNotFound(b.vnfd_id);
        const parsed = inline?.parsed ?? (onboarded!.parsed as unknown as ParsedVnfd);

        const vim = await db.vim.findFirst({
          where: { tenantId, deletedAt: null, ...(b.vim_id ? { id: b.vim_id } : { isDefault: true }) },
        });
        if (!vim) {
          throw b.vim_id
            ? notFound('VimNotFoundException', `VIM ${b.vim_id} could not be found`)
            : notFound(
                'VimDefaultNotDefined',
                'the tenant has no default VIM: register one (POST /v1.0/vims) or give vim_id',
              );
        }
        const problems = mgmtIpProblems({
          vim,
          parsed,
          mgmtIps: b.attributes?.param_values?.mgmt_ips,
          prefix: 'vnf',
        });
        if (problems.length) throw invalidInput(problems);

        const vnf = await db.$transaction(async (tx) => {
          // FOR SHARE: a concurrent VIM or VNFD delete waits for this VNF and then sees it.
          const vimLive = await tx.$queryRaw<{ id: string }[]>`
            SELECT id FROM vims WHERE id = ${vim.id}::uuid AND deleted_at IS NULL FOR SHARE`;
          if (!vimLive.length) throw notFound('VimNotFoundException', `VIM ${vim.id} could not be found`);
          let vnfdId: string;
          if (onboarded) {
            const live = await tx.$queryRaw<{ id: string }[]>`
              SELECT id FROM vnfds WHERE id = ${onboarded.id}::uuid AND deleted_at IS NULL FOR SHARE`;
            if (!live.length) throw vnfdNotFound(onboarded.id);
            vnfdId = onboarded.id;
          } else {
            const vnfd = await tx.vnfd.create({
              data: {
                tenantId,
                name: `tmpl-${randomUUID().slice(0, 8)}-${b.name}`.slice(0, MAX_NAME),
                description: inline!.parsed.description,
                templateSource: 'inline',
                template: inline!.yaml,
                parsed: inline!.parsed as unknown as Prisma.InputJsonValue,
              },
            });
            vnfdId = vnfd.id;
          }
          const attributes: Record<string, unknown> = {};
          if (b.attributes?.config !== undefined) attributes.config = b.attributes.config;
          if (b.attributes?.param_values !== undefined) attributes.param_values = b.attributes.param_values;
          const row = await tx.vnf.create({
            data: {
              tenantId,
              name: b.name,
              description: b.description ?? '',
              vnfdId,
              vimId: vim.id,
              status: 'PENDING_CREATE',
              attributes: attributes as Prisma.InputJsonValue,
              placementAttr: (b.placement_attr ?? {}) as Prisma.InputJsonValue,
            },
            include: vnfInclude,
          });
          await writeVnfEvent(tx, row, {
            type: 'CREATE',
            state: 'PENDING_CREATE',
            message: 'VNF UUID assigned.',
          });
          return row;
        });
        // After the commit: the workflow reads the row. Idempotent by VNF id.
        await lifecycle.startCreate(vnf.id, log);
        return { status: 201, body: { vnf: vnfViewOf(vnf) } };
      },
    }),

    route({
      method: 'get',
      path: '/v1.0/vnfs',
      operationId: 'listVnfs',
      summary: 'List VNFs',
      tag: 'vnfs',
      query: vnfListQuery,
      responses: {
        200: {
          description: 'VNFs',
          schema: z.strictObject({ vnfs: z.array(vnfViewSchema), vnfs_links: links.optional() }),
        },
      },
      errors: [400, 401],
      handler: async ({ req, query, principal }) => {
        const scope = scopeOf(principal);
        const page = await keysetPage(req, 'vnfs', query, cursors, scope, (cursor, take) =>
          listVnfVersions(
            db,
            {
              ...scope,
              name: query.name,
              status: query.status,
              vnfdId: query.vnfd_id,
              vimId: query.vim_id,
            },
            cursor,
            take,
          ),
        );
        return { status: 200, json: listJson('vnfs', await pages.json(page.items), page.links) };
      },
    }),

    route({
      method: 'get',
      path: '/v1.0/vnfs/{vnf_id}',
      operationId: 'showVnf',
      summary: 'Show a VNF',
      tag: 'vnfs',
      params: vnfParams,
      notFound: vnfNotFoundParam,
      responses: { 200: { description: 'The VNF', schema: vnfBody } },
      errors: [401, 404],
      handler: async ({ params, principal }) => {
        const vnf = await findVnfRecord(db, params.vnf_id, scopeOf(principal));
        if (!vnf) throw vnfNotFound(params.vnf_id);
        const known = await facts.get([vnf.vnfdId]);
        return { status: 200, json: `{"vnf":${vnfJson(vnf, known.get(vnf.vnfdId)!)}}` };
      },
    }),

    route({
      method: 'put',
      path: '/v1.0/vnfs/{vnf_id}',
      operationId: 'updateVnf',
      summary: "Update a VNF's config or param_values",
      description:
        'ACTIVE (or ERROR) → PENDING_UPDATE → ACTIVE, run by the update workflow; the monitor gets the set under a new generation.',
      tag: 'vnfs',
      params: vnfParams,
      notFound: vnfNotFoundParam,
      body: vnfUpdateBody,
      responses: { 200: { description: 'Accepted, PENDING_UPDATE', schema: vnfBody } },
      errors: [400, 401, 404, 409, 413, 415, 503],
      handler: async ({ params, body, principal }) => {
        const scope = scopeOf(principal);
        const vnf = await db.vnf.findFirst({
          where: { id: params.vnf_id, deletedAt: null, ...scope },
          include: { ...vnfInclude, vim: { select: { name: true, type: true, config: true } } },
        });
        if (!vnf) throw vnfNotFound(params.vnf_id);
        // ERROR too: the operator's word that the cause is fixed (the monitor then acts again).
        if (vnf.status !== 'ACTIVE' && vnf.status !== 'ERROR')
          throw vnfInUse(vnf.id, vnf.status, 'update', 'ACTIVE or ERROR');
        const attributes = body.vnf.attributes;
        if (attributes.param_values !== undefined) {
          const live = (vdu: string) => vnf.instances.filter((i) => i.vduName === vdu).length;
          const problems = mgmtIpProblems({
            vim: vnf.vim,
            parsed: vnf.vnfd.parsed as unknown as ParsedVnfd,
            mgmtIps: attributes.param_values.mgmt_ips,
            prefix: 'vnf',
            minimum: live,
          });
          if (problems.length) throw invalidInput(problems);
        }
        await lifecycle.request({
          operation: 'update',
          workflow: UPDATE_VNF_WORKFLOW,
          input: { vnfId: vnf.id, attributes },
        });
        const now = await findVisible(vnf.id, scope);
        if (!now) throw vnfNotFound(vnf.id);
        return { status: 200, body: { vnf: vnfViewOf(now) } };
      },
    }),

    route({
      method: 'delete',
      path: '/v1.0/vnfs/{vnf_id}',
      operationId: 'deleteVnf',
      summary: 'Delete a VNF',
      description:
        'Refused (409) while an operation runs on it. Admin tokens may force a delete from any state with ' +
        '{"vnf": {"attributes": {"force": true}}}, which replaces a running operation.',
      tag: 'vnfs',
      params: vnfParams,
      notFound: vnfNotFoundParam,
      body: vnfDeleteBody,
      bodyOptional: true,
      responses: { 204: { description: 'Accepted: the delete workflow runs' } },
      errors: [400, 401, 403, 404, 409, 413, 415, 503],
      handler: async ({ params, body, principal }) => {
        const force = body?.vnf?.attributes.force === true;
        if (force && !principal.isAdmin) throw forbidden('force delete needs an admin token');
        const vnf = await db.vnf.findFirst({
          where: { id: params.vnf_id, deletedAt: null, ...scopeOf(principal) },
          select: { id: true, status: true },
        });
        if (!vnf) throw vnfNotFound(params.vnf_id);
        if (!force && !DELETABLE.includes(vnf.status as VnfStatus)) {
          throw vnfInUse(vnf.id, vnf.status, 'delete', DELETABLE.join(', '));
        }
        await lifecycle.request({
          operation: force ? 'force_delete' : 'delete',
          workflow: DELETE_VNF_WORKFLOW,
          input: {
            vnfId: vnf.id,
            force,
            requestedBy: `tenant ${principal.tenantName} (token ${principal.tokenId})`,
          },
        });
        return { status: 204 };
      },
    }),
  ];
}
