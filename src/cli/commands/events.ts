// vnfm events [id]: the audit trail, with Tacker's filters.
import { InvalidArgumentError, type Command } from 'commander';
import type { CliContext } from '../context.js';
import { details, print, table } from '../output.js';

type Event = Record<string, unknown> & { event_details: unknown };

/** One line per event: the message when details carry one. */
const summary = (e: Event) => ({
  ...e,
  event_details:
    e.event_details && typeof e.event_details === 'object' && 'message' in e.event_details
      ? (e.event_details as { message: unknown }).message
      : e.event_details,
});

export function eventCommands(program: Command, ctx: CliContext): void {
  program
    .command('events')
    .description('List events, oldest first (or show one by id)')
    .argument('[id]', 'an event id: show just that event')
    .option('--resource-id <id>', 'only events of this resource (VNF, VNFD or VIM id)')
    .option('--resource-type <type>', 'vnf, vnfd or vim')
    .option('--event-type <type>', 'CREATE, UPDATE, DELETE, MONITOR, SCALE or HEAL')
    .option('--resource-state <state>', 'e.g. ACTIVE, DEAD, ERROR')
    .option('--limit <n>', 'at most this many', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive whole number');
      return n;
    })
    .action(async (id: string | undefined, o) => {
      if (id !== undefined) {
        const res = await ctx
          .api()
          .request<{ event: Event }>('GET', `/v1.0/events/${encodeURIComponent(id)}`);
        print(ctx.output(), res.event, () => details(res.event));
        return;
      }
      const events = await ctx.api().list<Event>(
        '/v1.0/events',
        'events',
        {
          resource_id: o.resourceId,
          resource_type: o.resourceType,
          event_type: o.eventType,
          resource_state: o.resourceState,
        },
        o.limit,
      );
      print(ctx.output(), events, () =>
        table(events.map(summary), [
          'id',
          'timestamp',
          ['type', 'resource_type'],
          ['resource', 'resource_id'],
          ['event', 'event_type'],
          ['state', 'resource_state'],
          ['details', 'event_details'],
        ]),
      );
    });
}
