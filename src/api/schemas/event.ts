// Wire shapes of /v1.0/events (Tacker's event resource).
import { z } from 'zod';
import { listQuery, timestamp } from './common.js';

export const EVENT_TYPES = ['CREATE', 'UPDATE', 'DELETE', 'MONITOR', 'SCALE', 'HEAL'] as const;

/** Event ids are bigserial numbers. */
export const eventId = z.string().regex(/^[1-9]\d{0,17}$/);

export const eventListQuery = z.object({
  ...listQuery,
  marker: eventId.optional().meta({ description: 'The id of the last event of the previous page.' }),
  resource_type: z.string().max(32).optional().meta({ description: 'vnf, vnfd or vim.' }),
  resource_id: z.string().max(64).optional(),
  event_type: z.enum(EVENT_TYPES).optional(),
  resource_state: z.string().max(64).optional(),
});

export const eventView = z.strictObject({
  id: z.number().int(),
  resource_id: z.string(),
  resource_type: z.string(),
  resource_state: z.string(),
  timestamp: timestamp(),
  event_type: z.string(),
  event_details: z.unknown().meta({ description: '{"message": ..., ...}' }),
});
export type EventView = z.infer<typeof eventView>;
