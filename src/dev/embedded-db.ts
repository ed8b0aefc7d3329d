// The embedded database of `npm run dev` when DATABASE_URL is not set: PGlite
// (PostgreSQL compiled to WebAssembly, in this process) with its files under
// the data directory, served over TCP so the API and the conductor connect
// exactly as they do to PostgreSQL (Prisma's pg adapter and a pg pool).
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { StartupError } from '../fatal.js';
import { PgliteServer } from './pglite-server.js';

export interface EmbeddedDb {
  url: string;
  /** Stops serving, then closes PGlite, which flushes its files. */
  stop(): Promise<void>;
}

export async function startEmbeddedDb(opts: {
  dataDir: string;
  port: number;
  log: (line: string) => void;
}): Promise<EmbeddedDb> {
  mkdirSync(opts.dataDir, { recursive: true });
  let db: PGlite;
  try {
    db = await PGlite.create(opts.dataDir);
  } catch (err) {
    throw new StartupError(
      `the embedded database in ${opts.dataDir} could not be opened (${(err as Error).message}): move that directory away to start with an empty one, or set DATABASE_URL`,
    );
  }
  const host = '127.0.0.1';
  const server = new PgliteServer({ db, host, port: opts.port, maxConnections: 100, log: opts.log });
  try {
    await server.start();
  } catch (err) {
    await db.close();
    const code = (err as NodeJS.ErrnoException).code;
    throw code === 'EADDRINUSE'
      ? new StartupError(
          `port ${opts.port} (embedded database) is already in use: stop whatever holds it, or set VNFM_DEV_DB_PORT`,
        )
      : err;
  }
  return {
    // PGlite has one database, "postgres", and accepts any user and password.
    url: `postgresql://postgres:postgres@${host}:${server.address.port}/postgres`,
    stop: async () => {
      await server.stop();
      await db.close();
    },
  };
}
