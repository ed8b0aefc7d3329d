// The database of `npm run dev`: the PostgreSQL that DATABASE_URL names
// (created if missing), or else the embedded PGlite under the data
// directory; migrated either way, with the same applier production uses.
import { join } from 'node:path';
import { databaseUrl } from '../config.js';
import { applyMigrations, ensureDatabase } from '../db/migrate.js';
import { StartupError } from '../fatal.js';
import { startEmbeddedDb } from './embedded-db.js';

export interface DevDatabase {
  url: string;
  /** For the banner: where the data is. */
  description: string;
  embedded: boolean;
  stop(): Promise<void>;
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'DATABASE_URL';
  }
}

const firstLine = (err: unknown) => ((err as Error).message ?? String(err)).split('\n', 1)[0];

async function migrate(url: string, log: (line: string) => void): Promise<void> {
  let r;
  try {
    r = await applyMigrations(url);
  } catch (err) {
    throw new StartupError(`migrating the database at ${redactUrl(url)} failed: ${firstLine(err)}`);
  }
  if (r.applied.length) log(`applied ${r.applied.length} migration(s): ${r.applied.join(', ')}`);
}

export async function startDevDatabase(opts: {
  env: NodeJS.ProcessEnv;
  dataDir: string;
  port: number;
  log: (line: string) => void;
}): Promise<DevDatabase> {
  if (opts.env.DATABASE_URL) {
    const url = databaseUrl(opts.env);
    try {
      await ensureDatabase(url);
    } catch (err) {
      throw new StartupError(
        `cannot reach the database at ${redactUrl(url)} (${firstLine(err)}): start PostgreSQL, fix DATABASE_URL, or unset it to use the embedded database`,
      );
    }
    await migrate(url, opts.log);
    return { url, description: redactUrl(url), embedded: false, stop: async () => {} };
  }
  const dir = join(opts.dataDir, 'pgdata');
  const db = await startEmbeddedDb({ dataDir: dir, port: opts.port, log: opts.log });
  try {
    await migrate(db.url, opts.log);
  } catch (err) {
    await db.stop();
    throw err;
  }
  return {
    url: db.url,
    description: `embedded PGlite in ${dir}, served on 127.0.0.1:${opts.port}`,
    embedded: true,
    stop: db.stop,
  };
}
