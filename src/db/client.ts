// The Prisma client, over node-postgres through @prisma/adapter-pg, so no
// query engine binary is needed at run time. Only the API and the conductor
// import this module; monitor-side code never does (test/import-graph.test.ts).
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.ts';

export type Db = PrismaClient;
export { Prisma } from '../generated/prisma/client.ts';
export type * from '../generated/prisma/client.ts';

export function createDb(url: string, opts: { max?: number } = {}): Db {
  const adapter = new PrismaPg({ connectionString: url, max: opts.max ?? 10 });
  return new PrismaClient({ adapter });
}

/** Fails with a clear message when the database cannot be reached. */
export async function checkDb(db: Db): Promise<void> {
  await db.$queryRaw`SELECT 1`;
}
