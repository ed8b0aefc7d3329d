// Runs `prisma generate` without letting the CLI download a schema engine:
// generation never executes the engine, but the CLI insists one exists, so
// point it at any executable when none is configured (see README).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1' };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY || !existsSync(env.PRISMA_SCHEMA_ENGINE_BINARY)) {
  env.PRISMA_SCHEMA_ENGINE_BINARY = process.execPath;
}
if (!existsSync('node_modules/prisma')) {
  // `npm ci --omit=dev` in a runtime image: the client was generated earlier.
  process.exit(0);
}
const r = spawnSync('npx', ['--no-install', 'prisma', 'generate'], { stdio: 'inherit', env });
process.exit(r.status ?? 1);
