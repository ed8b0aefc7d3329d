// vnfm vnfd create|list|show|delete
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { readTextFile } from '../files.js';
import { details, print, table } from '../output.js';

type Vnfd = Record<string, unknown> & { id: string; attributes: { vnfd: string } };

/** A VNFD's fields for humans: the template is printed after them, as YAML. */
function humanVnfd(d: Vnfd): string {
  const { attributes, service_types: _types, ...rest } = d;
  return `${details(rest)}\n\n${attributes.vnfd.trimEnd()}`;
}

export function vnfdCommands(program: Command, ctx: CliContext): void {
  const vnfd = program.command('vnfd').description('VNF descriptors (TOSCA templates)');

  vnfd
    .command('create')
    .description('Onboard a VNFD from a YAML file')
    .requiredOption('--name <name>', 'VNFD name')
    .requiredOption('--file <path>', 'the TOSCA template (YAML)')
    .option('--description <text>', "description (default: the template's)")
    .action(async (o: { name: string; file: string; description?: string }) => {
      const template = await readTextFile(o.file, 'VNFD file');
      const res = await ctx.api().request<{ vnfd: Vnfd }>('POST', '/v1.0/vnfds', {
        vnfd: {
          name: o.name,
          ...(o.description !== undefined ? { description: o.description } : {}),
          attributes: { vnfd: template },
        },
      });
      print(ctx.output(), res.vnfd, () => humanVnfd(res.vnfd));
    });

  vnfd
    .command('list')
    .description('List VNFDs')
    .option('--name <name>', 'only this name')
    .option('--template-source <source>', 'onboarded (default), inline or all')
    .action(async (o: { name?: string; templateSource?: string }) => {
      const vnfds = await ctx
        .api()
        .list<Vnfd>('/v1.0/vnfds', 'vnfds', { name: o.name, template_source: o.templateSource });
      print(ctx.output(), vnfds, () =>
        table(vnfds, ['id', 'name', ['source', 'template_source'], 'description', ['created', 'created_at']]),
      );
    });

  vnfd
    .command('show')
    .description('Show a VNFD and its template')
    .argument('<id>', 'VNFD id')
    .action(async (id: string) => {
      const res = await ctx.api().request<{ vnfd: Vnfd }>('GET', `/v1.0/vnfds/${encodeURIComponent(id)}`);
      print(ctx.output(), res.vnfd, () => humanVnfd(res.vnfd));
    });

  vnfd
    .command('delete')
    .description('Delete a VNFD (refused while a VNF uses it)')
    .argument('<id>', 'VNFD id')
    .action(async (id: string) => {
      await ctx.api().request('DELETE', `/v1.0/vnfds/${encodeURIComponent(id)}`);
      print(ctx.output(), { id, deleted: true }, () => `deleted VNFD ${id}`);
    });
}
