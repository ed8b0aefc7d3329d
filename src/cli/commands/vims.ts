// vnfm vim register|list|show|update|delete
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { details, print, table } from '../output.js';

type Vim = Record<string, unknown> & { id: string };

const collect = (v: string, all: string[]) => [...all, v];

export function vimCommands(program: Command, ctx: CliContext): void {
  const vim = program
    .command('vim')
    .description('VIMs: where VNFs run (netns on this host, or static hosts)');

  vim
    .command('register')
    .description('Register a VIM; the first one of a tenant becomes its default')
    .requiredOption('--name <name>', 'VIM name')
    .requiredOption('--type <type>', 'netns or static')
    .option('--description <text>', 'description')
    .option('--bridge <name>', 'netns: host bridge (at most 15 characters)')
    .option('--pool <cidr>', 'netns: management address pool, e.g. 10.234.0.0/24')
    .option('--allowed-cidr <cidr>', 'where probes may go (repeatable; static: required)', collect, [])
    .option('--default', 'make it the tenant’s default VIM')
    .action(async (o) => {
      const body = {
        vim: {
          name: o.name,
          type: o.type,
          ...(o.description !== undefined ? { description: o.description } : {}),
          ...(o.bridge !== undefined ? { bridge: o.bridge } : {}),
          ...(o.pool !== undefined ? { pool: o.pool } : {}),
          ...(o.allowedCidr.length ? { allowed_cidrs: o.allowedCidr } : {}),
          ...(o.default ? { is_default: true } : {}),
        },
      };
      const res = await ctx.api().request<{ vim: Vim }>('POST', '/v1.0/vims', body);
      print(ctx.output(), res.vim, () => details(res.vim));
    });

  vim
    .command('list')
    .description('List VIMs')
    .option('--name <name>', 'only this name')
    .option('--type <type>', 'only netns or static')
    .action(async (o: { name?: string; type?: string }) => {
      const vims = await ctx.api().list<Vim>('/v1.0/vims', 'vims', { name: o.name, type: o.type });
      print(ctx.output(), vims, () =>
        table(vims, [
          'id',
          'name',
          'type',
          ['default', 'is_default'],
          'status',
          'pool',
          ['allowed cidrs', 'allowed_cidrs'],
        ]),
      );
    });

  vim
    .command('show')
    .description('Show a VIM')
    .argument('<id>', 'VIM id')
    .action(async (id: string) => {
      const res = await ctx.api().request<{ vim: Vim }>('GET', `/v1.0/vims/${encodeURIComponent(id)}`);
      print(ctx.output(), res.vim, () => details(res.vim));
    });

  vim
    .command('update')
    .description("Change a VIM's name, description or default flag")
    .argument('<id>', 'VIM id')
    .option('--name <name>', 'new name')
    .option('--description <text>', 'new description')
    .option('--default', 'make it the default VIM')
    .option('--no-default', 'stop it being the default VIM')
    .action(async (id: string, o: { name?: string; description?: string; default?: boolean }) => {
      const body = { vim: { name: o.name, description: o.description, is_default: o.default } };
      const res = await ctx.api().request<{ vim: Vim }>('PUT', `/v1.0/vims/${encodeURIComponent(id)}`, body);
      print(ctx.output(), res.vim, () => details(res.vim));
    });

  vim
    .command('delete')
    .description('Delete a VIM (refused while a VNF uses it)')
    .argument('<id>', 'VIM id')
    .action(async (id: string) => {
      await ctx.api().request('DELETE', `/v1.0/vims/${encodeURIComponent(id)}`);
      print(ctx.output(), { id, deleted: true }, () => `deleted VIM ${id}`);
    });
}
