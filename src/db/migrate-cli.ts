// `npm run db:migrate`: `prisma migrate deploy` where Prisma's schema engine is
// installed, otherwise the project's applier (same files, same bookkeeping).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { databaseUrl } from '../config.js';
import { runMain } from '../fatal.js';
import { applyMigrations, ensureDatabase } from './migrate.js';

function schemaEngineAvailable(): boolean {
  const configured = process.env.PRISMA_SCHEMA_ENGINE_BINARY;
  if (configured) return existsSync(configured) && !configured.endsWith('/node');
  const dir = 'node_modules/@prisma/engines';
  return existsSync(dir) && readdirSync(dir).some((f) => f.startsWith('schema-engine'));
}

runMain('db:migrate', async () => {
  const url = databaseUrl();
  if (process.env.VNFM_MIGRATOR !== 'builtin' && schemaEngineAvailable()) {
    const r = spawnSync('npx', ['--no-install', 'prisma', 'migrate', 'deploy'], {
      stdio: 'inherit',
      env: { ...process.env, DATABASE_URL: url },
    });
    process.exit(r.status ?? 1);
  }
  await ensureDatabase(url);
  const r = await applyMigrations(url);
  console.log(
    r.applied.length
      ? `applied ${r.applied.length} migration(s): ${r.applied.join(', ')}`
      : `database is up to date (${r.alreadyApplied.length} migration(s))`,
  );
});
