// What is done to or read from one VNF beyond CRUD: scale actions, its VIM
// resources, and its monitor's live status.
import { SCALE_VNF_WORKFLOW } from '../../conductor/contract.js';
import { getMonitorStatus } from '../../monitoring/status.js';
import { scalingPolicyFor } from '../../vnfd/scaling.js';
import type { ParsedVnfd } from '../../vnfd/types.js';
import type { ApiDeps } from '../deps.js';
import { ApiError, conflict, notFound } from '../errors.js';
import { route, type AnyRoute } from '../route.js';
import {
  monitorCommandBody,
  monitorCommandView,
  monitorView,
  resourcesView,
  scaleBody,
} from '../schemas/vnf.js';
import { scopeOf } from '../tenancy.js';
import { TimeoutError, within } from '../timeout.js';
import { findVisibleVnf, vnfInUse, vnfNotFound, vnfNotFoundParam, vnfParams } from './vnfs.js';

const RESOURCE_TYPES: Record<string, string> = {
  netns: 'vnfm::netns::Namespace',
  static: 'vnfm::static::Host',
};

export function vnfOperationRoutes({ db, lifecycle, temporal, queryTimeoutMs }: ApiDeps): AnyRoute[] {
  const findVisible = (id: string, scope: { tenantId?: string }) => findVisibleVnf(db, id, scope);

  return [
    route({
      method: 'post',
      path: '/v1.0/vnfs/{vnf_id}/actions',
      operationId: 'scaleVnf',
      summary: 'Scale a VNF out or in by one increment of a scaling policy',
      description:
        'Only from ACTIVE; answers 201 echoing the body once the scale workflow has claimed the VNF.',
      tag: 'vnfs',
      params: vnfParams,
      notFound: vnfNotFoundParam,
      body: scaleBody,
      responses: { 201: { description: 'Accepted', schema: scaleBody } },
      errors: [400, 401, 404, 409, 413, 415, 503],
      handler: async ({ params, body, principal }) => {
        const { policy: policyName, type } = body.scale;
        const vnf = await findVisible(params.vnf_id, scopeOf(principal));
        if (!vnf) throw vnfNotFound(params.vnf_id);
        const policy = scalingPolicyFor(vnf.vnfd.parsed as unknown as ParsedVnfd, policyName);
        if (!policy)
          throw notFound('VnfPolicyNotFound', `Policy ${policyName} does not exist for VNF ${vnf.id}`);
        if (vnf.status !== 'ACTIVE') throw vnfInUse(vnf.id, vnf.status, 'scale');
        for (const vdu of policy.targets) {
          const now = await db.vduInstance.count({ where: { vnfId: vnf.id, vduName: vdu, deletedAt: null } });
          const next = type === 'out' ? now + policy.increment : now - policy.increment;
          if (next > policy.maxInstances || next < policy.minInstances) {
            throw conflict(
              'VNFScaleLimit',
              `scaling ${type} ${vdu} from ${now} to ${next} instances is outside ${policyName}'s range ${policy.minInstances}..${policy.maxInstances}`,
            );
          }
        }
        await lifecycle.request({
          operation: type === 'out' ? 'scale_out' : 'scale_in',
          workflow: SCALE_VNF_WORKFLOW,
          input: { vnfId: vnf.id, policy: policyName, type },
        });
        return { status: 201, body: { scale: { policy: policyName, type } } };
      },
    }),

    route({
      method: 'get',
      path: '/v1.0/vnfs/{vnf_id}/resources',
      operationId: 'listVnfResources',
      summary: "A VNF's VIM resources (its VDU instances)",
      description: '400 VNFInactive unless the VNF is ACTIVE.',
      tag: 'vnfs',
      params: vnfParams,
      notFound: vnfNotFoundParam,
      responses: { 200: { description: 'Resources', schema: resourcesView } },
      errors: [400, 401, 404],
      handler: async ({ params, principal }) => {
        const vnf = await findVisible(params.vnf_id, scopeOf(principal));
        if (!vnf) throw vnfNotFound(params.vnf_id);
        if (vnf.status !== 'ACTIVE') {
          throw new ApiError(
            400,
            'VNFInactive',
            `VNF ${vnf.id} is not in Active state (it is ${vnf.status})`,
          );
        }
        const type = RESOURCE_TYPES[vnf.vim.type] ?? vnf.vim.type;
        const resources = vnf.instances.map((i) => ({
          name: i.index === 0 ? i.vduName : `${i.vduName}-${i.index}`,
          type,
          id: i.vimResourceId ?? i.id,
        }));
        return { status: 200, body: { resources } };
      },
    }),

    route({
      method: 'get',
      path: '/v1.0/vnfs/{vnf_id}/monitor',
      operationId: 'showVnfMonitor',
      summary: "The VNF monitor's live status (its workflow's status query)",
      description:
        'Per target: state, consecutive failures/successes, last probe; per VNF: monitor state and respawn history.',
      tag: 'vnfs',
      params: vnfParams,
      notFound: vnfNotFoundParam,
      responses: { 200: { description: 'Monitor status', schema: monitorView } },
      errors: [401, 404, 503],
      handler: async ({ params, principal }) => {
        const vnf = await db.vnf.findFirst({
          where: { id: params.vnf_id, deletedAt: null, ...scopeOf(principal) },
          select: { id: true },
        });
        if (!vnf) throw vnfNotFound(params.vnf_id);
        const status = await within(
          queryTimeoutMs,
          'the monitor workflow',
          getMonitorStatus(temporal, vnf.id),
        ).catch((err: unknown) => {
          throw err instanceof TimeoutError
            ? new ApiError(503, 'ServiceUnavailable', `${err.message}; is a monitor worker running?`, '', {
                'Retry-After': '5',
              })
            : err;
        });
        if (!status) throw notFound('MonitorNotFound', `VNF ${vnf.id} has no monitor`);
        return { status: 200, body: { monitor: status } };
      },
    }),

    route({
      method: 'post',
      path: '/v1.0/vnfs/{vnf_id}/monitor',
      operationId: 'commandVnfMonitor',
      summary: "Start, restart, stop or re-sync the VNF's monitor (through the conductor)",
      description:
        'start: a monitor from the database if none runs (monitoring back on after stop); restart: rebuild it, ' +
        'replacing the running one; stop: no monitor until the next start; resync: send it the database set under ' +
        'a new generation. Waits for the conductor; 409 while another operation holds the VNF.',
      tag: 'vnfs',
      params: vnfParams,
      notFound: vnfNotFoundParam,
      body: monitorCommandBody,
      responses: { 200: { description: 'What the conductor did', schema: monitorCommandView } },
      errors: [400, 401, 404, 409, 413, 415, 503],
      handler: async ({ params, body, principal }) => {
        const vnf = await db.vnf.findFirst({
          where: { id: params.vnf_id, deletedAt: null, ...scopeOf(principal) },
          select: { id: true },
        });
        if (!vnf) throw vnfNotFound(params.vnf_id);
        const action = body.monitor.action;
        const detail = await lifecycle.monitorCommand(vnf.id, action, `API (tenant ${principal.tenantId})`);
        return { status: 200, body: { monitor: { vnf_id: vnf.id, action, detail } } };
      },
    }),
  ];
}
