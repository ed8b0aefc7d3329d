// vnfm hold list|show|release|cancel: correlated-failure holds through the
// API (admin token): where many of one VIM's or worker's VNFs failed at once
// and the conductor held destructive actions, and an operator's decision.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { details, print, table } from '../output.js';

type Hold = Record<string, unknown> & { id: string; state: string };

export function holdCommands(program: Command, ctx: CliContext): void {
  const hold = program
    .command('hold')
    .description('Correlated-failure holds of destructive actions (admin token)');

  hold
    .command('list')
    .description('Open holds (HELD or RELEASED), or all with --all')
    .option('--all', 'every hold, ended ones too')
    .action(async (o: { all?: boolean }) => {
      const res = await ctx
        .api()
        .request<{ holds: Hold[] }>('GET', `/v1.0/holds?state=${o.all ? 'all' : 'open'}`);
      print(ctx.output(), res.holds, () =>
        table(res.holds, [
          'id',
          'state',
          ['scope', 'scope_type'],
          ['scope id', 'scope_id'],
          ['held', 'held_actions'],
          'recovered',
          'released',
          ['since', 'started_at'],
          ['limit', 'limit_at'],
        ]),
      );
    });

  hold
    .command('show')
    .description('One hold')
    .argument('<hold-id>', 'hold id')
    .action(async (id: string) => {
      const res = await ctx.api().request<{ hold: Hold }>('GET', `/v1.0/holds/${encodeURIComponent(id)}`);
      print(ctx.output(), res.hold, () => details(res.hold));
    });

  for (const [name, description] of [
    ['release', "Run the hold's actions now, no faster than the recreation limits"],
    [
      'cancel',
      "Drop the hold's actions: their targets are watched, acted on only after they recover and fail again",
    ],
  ] as const)
    hold
      .command(name)
      .description(description)
      .argument('<hold-id>', 'hold id')
      .action(async (id: string) => {
        const res = await ctx
          .api()
          .request<{ hold: Hold }>('POST', `/v1.0/holds/${encodeURIComponent(id)}/actions`, {
            hold: { action: name },
          });
        print(ctx.output(), res.hold, () => `hold ${res.hold.id}: ${res.hold.state}`);
      });
}
