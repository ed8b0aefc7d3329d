// Events for the VIM and VNFD rows the API itself writes, in the same shape
// the conductor uses for VNFs (src/conductor/activities/events.ts):
// event_details = {message, ...}.
import type { Prisma } from '../db/client.js';

export interface ResourceEvent {
  tenantId: string;
  resourceType: 'vim' | 'vnfd';
  resourceId: string;
  /** The resource's state the event reports (Tacker: OnBoarded, REACHABLE, Not Applicable). */
  state: string;
  type: 'CREATE' | 'UPDATE' | 'DELETE';
  message: string;
}

export async function recordEvent(tx: Prisma.TransactionClient, e: ResourceEvent): Promise<void> {
  await tx.event.create({
    data: {
      tenantId: e.tenantId,
      resourceType: e.resourceType,
      resourceId: e.resourceId,
      resourceState: e.state,
      eventType: e.type,
      eventDetails: { message: e.message },
    },
  });
}
