// /v1.0/events: the audit trail of every resource's transitions, with
// Tacker's filters. Paged by event id (events are append-only).
import { z } from 'zod';
import type { ApiDeps } from '../deps.js';
import { invalidInput, notFound } from '../errors.js';
import { nextLinks, takePage } from '../pagination.js';
import { route, type AnyRoute } from '../route.js';
import { links } from '../schemas/common.js';
import { eventId, eventListQuery, eventView as eventViewSchema } from '../schemas/event.js';
import { eventView } from '../serializers/event.js';
import { scopeOf } from '../tenancy.js';

const eventNotFound = (id: string) => notFound('EventNotFoundException', `Event ${id} could not be found`);

export function eventRoutes({ db }: ApiDeps): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/v1.0/events',
      operationId: 'listEvents',
      summary: 'List events, oldest first',
      tag: 'events',
      query: eventListQuery,
      responses: {
        200: {
          description: 'Events',
          schema: z.strictObject({ events: z.array(eventViewSchema), events_links: links.optional() }),
        },
      },
      errors: [400, 401],
      handler: async ({ req, query, principal }) => {
        const scope = scopeOf(principal);
        // Like the other lists: a marker must be an item the caller could have seen.
        if (query.marker !== undefined) {
          const seen = await db.event.findFirst({
            where: { id: BigInt(query.marker), ...scope },
            select: { id: true },
          });
          if (!seen)
            throw invalidInput([
              { path: 'marker', message: `'${query.marker}' is not the id of an item of this list` },
            ]);
        }
        const rows = await db.event.findMany({
          where: {
            ...scope,
            ...(query.resource_type !== undefined ? { resourceType: query.resource_type } : {}),
            ...(query.resource_id !== undefined ? { resourceId: query.resource_id } : {}),
            ...(query.event_type !== undefined ? { eventType: query.event_type } : {}),
            ...(query.resource_state !== undefined ? { resourceState: query.resource_state } : {}),
            ...(query.marker !== undefined ? { id: { gt: BigInt(query.marker) } } : {}),
          },
          orderBy: { id: 'asc' },
          take: query.limit + 1,
        });
        const page = takePage(rows, query.limit);
        const last = page.items.at(-1)?.id;
        return {
          status: 200,
          body: {
            events: page.items.map(eventView),
            ...nextLinks(req, 'events', page.more, last === undefined ? undefined : String(last)),
          },
        };
      },
    }),

    route({
      method: 'get',
      path: '/v1.0/events/{event_id}',
      operationId: 'showEvent',
      summary: 'Show an event',
      tag: 'events',
      params: z.object({ event_id: eventId }),
      notFound: (raw) => eventNotFound(raw.event_id ?? ''),
      responses: { 200: { description: 'The event', schema: z.strictObject({ event: eventViewSchema }) } },
      errors: [401, 404],
      handler: async ({ params, principal }) => {
        const event = await db.event.findFirst({
          where: { id: BigInt(params.event_id), ...scopeOf(principal) },
        });
        if (!event) throw eventNotFound(params.event_id);
        return { status: 200, body: { event: eventView(event) } };
      },
    }),
  ];
}
