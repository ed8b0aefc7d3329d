// The Prisma client, over node-postgres through @prisma/adapter-pg, so no
// query engine binary is needed at run time. Only the API and the conductor
// import this module; monitor-side code never does (test/import-graph.test.ts).
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.ts';

export type Db = PrismaClient;
export { Prisma } from '../generated/prisma/client.ts';
export type * from '../generated/prisma/client.ts';

const connectionStrings = new WeakMap<Db, string>();

export function createDb(url: string, opts: { max?: number } = {}): Db {
  const adapter = new PrismaPg({ connectionString: url, max: opts.max ?? 10 });
  const db = new PrismaClient({ adapter });
  connectionStrings.set(db, url);
  return db;
}

/** The URL a client was made with: for connections of its own (session advisory locks). */
export function connectionStringOf(db: Db): string | undefined {
  return connectionStrings.get(db);
}

/** Fails with a clear message when the database cannot be reached. */
export async function checkDb(db: Db): Promise<void> {
  await db.$queryRaw`SELECT 1`;
}
