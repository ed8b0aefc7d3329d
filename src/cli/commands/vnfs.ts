// vnfm vnf create|list|show|update|delete|scale|resources|wait
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { CliContext } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { readJsonFile, readTextFile } from '../files.js';
import { details, print, table } from '../output.js';

type Vnf = Record<string, unknown> & { id: string; status: string; error_reason: string | null };

const path = (id: string, rest = '') => `/v1.0/vnfs/${encodeURIComponent(id)}${rest}`;

function positiveNumber(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number of seconds');
  return n;
}

async function attributesFrom(o: { paramFile?: string; configFile?: string }) {
  return {
    ...(o.paramFile ? { param_values: await readJsonFile(o.paramFile, 'param file') } : {}),
    ...(o.configFile ? { config: await readJsonFile(o.configFile, 'config file') } : {}),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function vnfCommands(program: Command, ctx: CliContext): void {
  const vnf = program.command('vnf').description('VNFs: create, inspect, scale, update and delete');

  vnf
    .command('create')
    .description('Create a VNF (answers at once in PENDING_CREATE; see `vnf wait`)')
    .requiredOption('--name <name>', 'VNF name')
    .option('--vnfd-id <id>', 'an onboarded VNFD')
    .option('--vnfd-file <path>', 'or an inline VNFD template (YAML)')
    .option('--vim-id <id>', "VIM (default: the tenant's default VIM)")
    .option(
      '--param-file <path>',
      'param_values as JSON, e.g. {"mgmt_ips": {"VDU1": "192.0.2.10"}} on a static VIM',
    )
    .option('--config-file <path>', 'config as JSON')
    .option('--description <text>', 'description')
    .action(async (o) => {
      if (!o.vnfdId === !o.vnfdFile) throw new CliError('give exactly one of --vnfd-id and --vnfd-file');
      const attributes = await attributesFrom(o);
      const body = {
        vnf: {
          name: o.name,
          ...(o.description !== undefined ? { description: o.description } : {}),
          ...(o.vnfdId
            ? { vnfd_id: o.vnfdId }
            : { vnfd_template: await readTextFile(o.vnfdFile, 'VNFD file') }),
          ...(o.vimId ? { vim_id: o.vimId } : {}),
          ...(Object.keys(attributes).length ? { attributes } : {}),
        },
      };
      const res = await ctx.api().request<{ vnf: Vnf }>('POST', '/v1.0/vnfs', body);
      print(ctx.output(), res.vnf, () => details(res.vnf));
    });

  vnf
    .command('list')
    .description('List VNFs')
    .option('--name <name>', 'only this name')
    .option('--status <status>', 'only this status (ACTIVE, ERROR, ...)')
    .option('--limit <n>', 'at most this many', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive whole number');
      return n;
    })
    .action(async (o: { name?: string; status?: string; limit?: number }) => {
      const vnfs = await ctx
        .api()
        .list<Vnf>('/v1.0/vnfs', 'vnfs', { name: o.name, status: o.status }, o.limit);
      print(ctx.output(), vnfs, () =>
        table(vnfs, [
          'id',
          'name',
          'status',
          ['mgmt ip address', 'mgmt_ip_address'],
          ['vim', 'vim_id'],
          ['created', 'created_at'],
        ]),
      );
    });

  vnf
    .command('show')
    .description('Show a VNF')
    .argument('<id>', 'VNF id')
    .action(async (id: string) => {
      const res = await ctx.api().request<{ vnf: Vnf }>('GET', path(id));
      print(ctx.output(), res.vnf, () => details(res.vnf));
    });

  vnf
    .command('update')
    .description("Replace a VNF's param_values and/or config (ACTIVE → PENDING_UPDATE → ACTIVE)")
    .argument('<id>', 'VNF id')
    .option('--param-file <path>', 'param_values as JSON')
    .option('--config-file <path>', 'config as JSON')
    .action(async (id: string, o: { paramFile?: string; configFile?: string }) => {
      if (!o.paramFile && !o.configFile) throw new CliError('give --param-file and/or --config-file');
      const res = await ctx
        .api()
        .request<{ vnf: Vnf }>('PUT', path(id), { vnf: { attributes: await attributesFrom(o) } });
      print(ctx.output(), res.vnf, () => details(res.vnf));
    });

  vnf
    .command('delete')
    .description('Delete a VNF (answers once the delete workflow has accepted it)')
    .argument('<id>', 'VNF id')
    .option('--force', 'admin tokens only: delete from any state, replacing a running operation')
    .action(async (id: string, o: { force?: boolean }) => {
      await ctx
        .api()
        .request('DELETE', path(id), o.force ? { vnf: { attributes: { force: true } } } : undefined);
      print(ctx.output(), { id, delete: 'accepted' }, () => `delete of VNF ${id} accepted`);
    });

  vnf
    .command('scale')
    .description('Scale a VNF out or in by one increment of a scaling policy')
    .argument('<id>', 'VNF id')
    .requiredOption('--policy <name>', 'scaling policy, e.g. SP1')
    .addOption(new Option('--type <type>', 'out or in').choices(['out', 'in']).makeOptionMandatory())
    .action(async (id: string, o: { policy: string; type: 'out' | 'in' }) => {
      const res = await ctx.api().request<{ scale: unknown }>('POST', path(id, '/actions'), {
        scale: { policy: o.policy, type: o.type },
      });
      print(ctx.output(), res.scale, () => `scale ${o.type} of VNF ${id} by ${o.policy} accepted`);
    });

  vnf
    .command('resources')
    .description("A VNF's VIM resources (ACTIVE VNFs only)")
    .argument('<id>', 'VNF id')
    .action(async (id: string) => {
      const res = await ctx
        .api()
        .request<{ resources: Record<string, unknown>[] }>('GET', path(id, '/resources'));
      print(ctx.output(), res.resources, () => table(res.resources, ['name', 'type', 'id']));
    });

  vnf
    .command('wait')
    .description('Wait until a VNF reaches a status (DELETED: until it is gone); exit 4 on timeout')
    .argument('<id>', 'VNF id')
    .requiredOption('--status <status>', 'ACTIVE, ERROR, DEAD, ... or DELETED')
    .option('--timeout <seconds>', 'give up after this long', positiveNumber, 300)
    .option('--interval <seconds>', 'between polls', positiveNumber, 2)
    .action(async (id: string, o: { status: string; timeout: number; interval: number }) => {
      const want = o.status.toUpperCase();
      const deadline = Date.now() + o.timeout * 1000;
      let last = 'unknown';
      for (;;) {
        let current: Vnf | undefined;
        try {
          current = (await ctx.api().request<{ vnf: Vnf }>('GET', path(id))).vnf;
        } catch (err) {
          if (!(err instanceof CliError && err.exitCode === EXIT.NOT_FOUND)) throw err;
          if (want === 'DELETED') {
            print(ctx.output(), { id, status: 'DELETED' }, () => `VNF ${id} is DELETED`);
            return;
          }
          throw err;
        }
        last = current.status;
        if (last === want) {
          print(ctx.output(), current, () => `VNF ${id} is ${last}`);
          return;
        }
        // ERROR is final until someone acts: waiting longer cannot help.
        if (last === 'ERROR') {
          throw new CliError(`VNF ${id} is ERROR, not ${want}: ${current.error_reason ?? 'no reason given'}`);
        }
        if (Date.now() + o.interval * 1000 > deadline) {
          throw new CliError(
            `VNF ${id} is still ${last} after ${o.timeout} s (waiting for ${want})`,
            EXIT.TIMEOUT,
          );
        }
        await sleep(o.interval * 1000);
      }
    });
}
