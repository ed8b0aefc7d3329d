// vnfm token create|list|revoke: straight to the database (DATABASE_URL),
// which is how the first token comes to exist.
import type { Command } from 'commander';
import { createApiToken, listApiTokens, revokeApiToken, tenantNameProblem } from '../../auth/tokens.js';
import { databaseUrl } from '../../config.js';
import type { Db } from '../../db/client.js';
import type { CliContext } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { print, table } from '../output.js';

async function withDb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  const url = databaseUrl();
  // Loaded only here: the other commands never need Prisma.
  const { createDb, checkDb } = await import('../../db/client.js');
  const db = createDb(url, { max: 2 });
  try {
    try {
      await checkDb(db);
    } catch (err) {
      throw new CliError(
        `cannot reach the database (${(err as Error).message.split('\n', 1)[0]}): check DATABASE_URL`,
      );
    }
    return await fn(db);
  } catch (err) {
    if (err instanceof CliError) throw err;
    // Prisma's messages span lines (the call site, then the cause): keep the cause.
    const lines = (err as Error).message.split('\n').filter((l) => l.trim());
    throw new CliError(`database error: ${lines.at(-1)?.trim() ?? 'unknown'}`);
  } finally {
    await db.$disconnect();
  }
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function tokenCommands(program: Command, ctx: CliContext): void {
  const token = program
    .command('token')
    .description('API tokens (written to the database directly: needs DATABASE_URL)');

  token
    .command('create')
    .description('Create a token for a tenant (created if new); the token is shown only this once')
    .requiredOption('--tenant <name>', 'tenant name')
    .option('--admin', 'an admin token: sees every tenant and may force-delete')
    .option('--name <name>', 'a label to tell tokens apart')
    .action(async (o: { tenant: string; admin?: boolean; name?: string }) => {
      const problem = tenantNameProblem(o.tenant);
      if (problem) throw new CliError(problem);
      const t = await withDb((db) => createApiToken(db, { tenant: o.tenant, admin: o.admin, name: o.name }));
      print(
        ctx.output(),
        {
          id: t.id,
          token: t.token,
          prefix: t.prefix,
          tenant_id: t.tenantId,
          tenant: t.tenantName,
          is_admin: t.isAdmin,
        },
        () =>
          [
            `token:     ${t.token}`,
            `id:        ${t.id}`,
            `tenant:    ${t.tenantName} (${t.tenantId})`,
            `admin:     ${t.isAdmin}`,
            '',
            'It is not shown again. Use it with: export VNFM_TOKEN=<token>',
          ].join('\n'),
      );
    });

  token
    .command('list')
    .description('List tokens (prefixes only)')
    .option('--tenant <name>', 'only this tenant')
    .action(async (o: { tenant?: string }) => {
      const rows = await withDb((db) => listApiTokens(db, { tenant: o.tenant }));
      const view = rows.map((r) => ({
        id: r.id,
        prefix: r.prefix,
        tenant: r.tenantName,
        tenant_id: r.tenantId,
        name: r.name,
        is_admin: r.isAdmin,
        created_at: iso(r.createdAt),
        last_used_at: iso(r.lastUsedAt),
        revoked_at: iso(r.revokedAt),
      }));
      print(ctx.output(), view, () =>
        table(view, [
          'id',
          'prefix',
          'tenant',
          'name',
          ['admin', 'is_admin'],
          ['created', 'created_at'],
          ['last used', 'last_used_at'],
          ['revoked', 'revoked_at'],
        ]),
      );
    });

  token
    .command('revoke')
    .description('Revoke a token by id; the API stops accepting it within seconds')
    .argument('<id>', 'token id (from token list)')
    .action(async (id: string) => {
      const found = await withDb((db) => revokeApiToken(db, id));
      if (!found) throw new CliError(`token ${id} could not be found`, EXIT.NOT_FOUND);
      print(ctx.output(), { id, revoked: true }, () => `revoked ${id}`);
    });
}
