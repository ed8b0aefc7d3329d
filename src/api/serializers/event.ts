import type { Event } from '../../db/client.js';
import type { EventView } from '../schemas/event.js';

export function eventView(e: Event): EventView {
  return {
    // bigserial; JSON numbers are exact far beyond any event count we will reach.
    id: Number(e.id),
    resource_id: e.resourceId,
    resource_type: e.resourceType,
    resource_state: e.resourceState,
    timestamp: e.timestamp.toISOString(),
    event_type: e.eventType,
    event_details: e.eventDetails,
  };
}
