// /v1.0/holds (vnfm's addition): correlated-failure holds, where the
// conductor held destructive actions because many of one VIM's or monitor
// worker's VNFs failed at once, and an operator's release or cancel. Holds
// span tenants (a VIM, a worker), so they are for admin tokens.
import { z } from 'zod';
import {
  HOLD_DECISION_SIGNAL,
  healHoldWorkflowId,
  type HoldDecisionSignal,
} from '../../conductor/contract.js';
import type { ApiDeps } from '../deps.js';
import { ApiError, conflict, forbidden, notFound } from '../errors.js';
import { route, type AnyRoute } from '../route.js';
import { holdActionBody, holdId, holdListQuery, holdView } from '../schemas/hold.js';
import type { Principal } from '../../auth/tokens.js';

const holdNotFound = (id: string) => notFound('HoldNotFound', `Hold ${id} could not be found`);
const adminOnly = (p: Principal) => {
  if (!p.isAdmin) throw forbidden('correlated-failure holds span tenants: an admin token is needed');
};

export function holdRoutes({ db, temporal }: ApiDeps): AnyRoute[] {
  const view = async (ids?: string[], state?: string) => {
    const holds = await db.healHold.findMany({
      where: {
        ...(ids ? { id: { in: ids } } : {}),
        ...(state === 'open'
          ? { state: { in: ['HELD', 'RELEASED'] } }
          : state && state !== 'all'
            ? { state }
            : {}),
      },
      orderBy: { startedAt: 'desc' },
      take: 200,
    });
    const counts = await db.policyActionExecution.groupBy({
      by: ['holdId', 'gate'],
      where: { holdId: { in: holds.map((h) => h.id) } },
      _count: { _all: true },
    });
    const n = (id: string, gates: string[]) =>
      counts
        .filter((c) => c.holdId === id && gates.includes(c.gate ?? ''))
        .reduce((a, c) => a + c._count._all, 0);
    const iso = (d: Date | null) => d?.toISOString() ?? null;
    return holds.map((h) => ({
      id: h.id,
      scope_type: h.scopeType as 'vim' | 'worker',
      scope_id: h.scopeId,
      state: h.state as 'HELD' | 'RELEASED' | 'CANCELLED' | 'ENDED',
      reason: h.reason,
      failed: h.failed,
      total: h.total,
      window_seconds: h.windowSeconds,
      held_actions: n(h.id, ['HELD']),
      recovered: n(h.id, ['RECOVERED']),
      released: n(h.id, ['RELEASED', 'QUEUED', 'RECREATING']),
      started_at: h.startedAt.toISOString(),
      limit_at: h.limitAt.toISOString(),
      decided_at: iso(h.decidedAt),
      decided_by: h.decidedBy,
      ended_at: iso(h.endedAt),
    }));
  };

  return [
    route({
      method: 'get',
      path: '/v1.0/holds',
      operationId: 'listHolds',
      summary: 'Correlated-failure holds (open ones by default)',
      description: 'state=open (HELD or RELEASED), a single state, or all. Admin tokens only.',
      tag: 'holds',
      query: holdListQuery,
      responses: { 200: { description: 'Holds', schema: z.strictObject({ holds: z.array(holdView) }) } },
      errors: [400, 401, 403],
      handler: async ({ query, principal }) => {
        adminOnly(principal);
        return { status: 200, body: { holds: await view(undefined, query.state) } };
      },
    }),

    route({
      method: 'get',
      path: '/v1.0/holds/{hold_id}',
      operationId: 'showHold',
      summary: 'Show a correlated-failure hold',
      tag: 'holds',
      params: z.object({ hold_id: holdId }),
      notFound: (raw) => holdNotFound(raw.hold_id ?? ''),
      responses: { 200: { description: 'The hold', schema: z.strictObject({ hold: holdView }) } },
      errors: [401, 403, 404],
      handler: async ({ params, principal }) => {
        adminOnly(principal);
        const [hold] = await view([params.hold_id], 'all');
        if (!hold) throw holdNotFound(params.hold_id);
        return { status: 200, body: { hold } };
      },
    }),

    route({
      method: 'post',
      path: '/v1.0/holds/{hold_id}/actions',
      operationId: 'decideHold',
      summary: "Release a hold's actions (they run at the recreation limits) or cancel them (no action)",
      description:
        "Only a HELD hold: 409 otherwise. The decision goes to the hold's coordinator workflow, which applies it at once; the answer shows the hold as it then stands.",
      tag: 'holds',
      params: z.object({ hold_id: holdId }),
      notFound: (raw) => holdNotFound(raw.hold_id ?? ''),
      body: holdActionBody,
      responses: { 200: { description: 'The hold', schema: z.strictObject({ hold: holdView }) } },
      errors: [400, 401, 403, 404, 409, 413, 415, 503],
      handler: async ({ params, body, principal }) => {
        adminOnly(principal);
        const [hold] = await view([params.hold_id], 'all');
        if (!hold) throw holdNotFound(params.hold_id);
        if (hold.state !== 'HELD')
          throw conflict(
            'HoldNotHeld',
            `hold ${hold.id} is ${hold.state}: only a HELD hold can be released or cancelled`,
          );
        const signal: HoldDecisionSignal = {
          decision: body.hold.action,
          by: `API (token ${principal.tokenId} of ${principal.tenantName})`,
        };
        try {
          await temporal.workflow.getHandle(healHoldWorkflowId(hold.id)).signal(HOLD_DECISION_SIGNAL, signal);
        } catch (err) {
          throw new ApiError(
            503,
            'ServiceUnavailable',
            `the hold's coordinator did not take the decision: ${(err as Error).message}`,
            '',
            {
              'Retry-After': '5',
            },
          );
        }
        // The coordinator applies it within moments; answer with what the database then says.
        const deadline = Date.now() + 10_000;
        for (;;) {
          const [now] = await view([hold.id], 'all');
          if (now!.state !== 'HELD' || Date.now() > deadline) return { status: 200, body: { hold: now! } };
          await new Promise((r) => setTimeout(r, 200));
        }
      },
    }),
  ];
}
