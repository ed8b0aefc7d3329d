// The Prisma client, over node-postgres through @prisma/adapter-pg, so no
// query engine binary is needed at run time. Only the API and the conductor
// import this module; monitor-side code never does (test/import-graph.test.ts).
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.ts';
import { timePoolQueries } from './query-time.js';

export type Db = PrismaClient;
export { Prisma } from '../generated/prisma/client.ts';
export type * from '../generated/prisma/client.ts';

const connectionStrings = new WeakMap<Db, string>();
const pools = new WeakMap<Db, pg.Pool>();

export function createDb(url: string, opts: { max?: number } = {}): Db {
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10 });
  // An idle connection the server dropped: the pool replaces it. (The adapter attaches its own
  // handler only once Prisma first connects; reads on the pool may come first.)
  pool.on('error', () => undefined);
  timePoolQueries(pool);
  // The adapter ends the pool on $disconnect, as it does a pool of its own.
  const adapter = new PrismaPg(pool, { disposeExternalPool: true });
  const db = new PrismaClient({ adapter });
  connectionStrings.set(db, url);
  pools.set(db, pool);
  return db;
}

/**
 * The client's own connection pool, for the few hot reads that skip Prisma's
 * per-cell result conversion (a page of VNFs: src/api/vnf-reads.ts). Same
 * connections, same limit.
 */
export function poolOf(db: Db): pg.Pool {
  const pool = pools.get(db);
  if (!pool) throw new Error('this client was not made by createDb');
  return pool;
}

/** The URL a client was made with: for connections of its own (session advisory locks). */
export function connectionStringOf(db: Db): string | undefined {
  return connectionStrings.get(db);
}

/** Fails with a clear message when the database cannot be reached. */
export async function checkDb(db: Db): Promise<void> {
  await db.$queryRaw`SELECT 1`;
}
