// Prisma CLI configuration. Runtime connections go through @prisma/adapter-pg
// (src/db/client.ts); this URL is only used by `prisma migrate` and friends.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: {
    url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/vnfm',
  },
});
