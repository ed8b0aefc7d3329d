// Events in Tacker's shape. Every VNF transition writes one, in the same
// transaction as the change it describes.
import type { Db, Prisma } from '../../db/client.js';
import { vnfEvents } from '../metrics.js';

export type EventType = 'CREATE' | 'UPDATE' | 'DELETE' | 'MONITOR' | 'SCALE' | 'HEAL';

export interface VnfEvent {
  type: EventType;
  /** The VNF's status the event reports. */
  state: string;
  message: string;
  details?: Record<string, unknown>;
}

type Tx = Pick<Db, 'event'> | Prisma.TransactionClient;

export async function writeVnfEvent(
  tx: Tx,
  vnf: { id: string; tenantId: string },
  e: VnfEvent,
): Promise<void> {
  await tx.event.create({
    data: {
      tenantId: vnf.tenantId,
      resourceId: vnf.id,
      resourceType: 'vnf',
      resourceState: e.state,
      eventType: e.type,
      eventDetails: { message: e.message, ...(e.details ?? {}) } as Prisma.InputJsonValue,
    },
  });
  vnfEvents.inc({ event_type: e.type, state: e.state });
}
