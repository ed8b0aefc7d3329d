// Real parts for the whole run: a Temporal dev server (unless TEMPORAL_ADDRESS
// names one; with VNFM_TEST_TEMPORAL=cluster, a local Temporal cluster — the
// real server on PostgreSQL, src/temporal/cluster.ts — instead) and a fresh
// PostgreSQL database, migrated, dropped afterwards.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { applyMigrations } from '../src/db/migrate.js';
import { startCluster, type TemporalCluster } from '../src/temporal/cluster.js';
import { startDevServer, type DevServer } from '../src/temporal/dev-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    databaseUrl: string;
  }
}

let server: DevServer | undefined;
let cluster: TemporalCluster | undefined;
let adminUrl: string;
let dbName: string;

export async function setup(project: TestProject): Promise<void> {
  const base = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  dbName = `vnfm_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = new URL(base);
  admin.pathname = '/postgres';
  adminUrl = admin.toString();
  const c = new pg.Client({ connectionString: adminUrl });
  try {
    await c.connect();
  } catch (err) {
    throw new Error(
      `tests need PostgreSQL at ${adminUrl} (${(err as Error).message}); start it or set DATABASE_URL`,
      { cause: err },
    );
  }
  await c.query(`CREATE DATABASE "${dbName}"`);
  await c.end();
  const url = new URL(base);
  url.pathname = `/${dbName}`;
  const databaseUrl = url.toString();
  await applyMigrations(databaseUrl);

  let temporalAddress = process.env.TEMPORAL_ADDRESS;
  if (!temporalAddress && process.env.VNFM_TEST_TEMPORAL === 'cluster') {
    cluster = await startCluster({
      databaseUrl: base,
      dbName: `${dbName.replace('vnfm_test_', 'temporal_test_')}`,
      install: false,
      log: () => undefined,
    });
    temporalAddress = cluster.address;
    const pids = [...cluster.services.values()].map((s) => s.process);
    process.once('exit', () => pids.forEach((p) => p.kill('SIGKILL')));
  } else if (!temporalAddress) {
    server = await startDevServer({ startTimeoutMs: 120_000 });
    temporalAddress = server.address;
    // An interrupted run (Ctrl-C) skips teardown: never leave the server behind.
    const child = server.process;
    process.once('exit', () => child.kill('SIGKILL'));
  }
  project.provide('temporalAddress', temporalAddress);
  project.provide('databaseUrl', databaseUrl);
  process.env.VNFM_TEST_TEMPORAL_ADDRESS = temporalAddress;
  process.env.VNFM_TEST_DATABASE_URL = databaseUrl;
}

export async function teardown(): Promise<void> {
  await server?.stop();
  if (cluster) {
    await cluster.stop();
    await cluster.dropDatabases();
  }
  if (process.env.VNFM_KEEP_TEST_DB) return;
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  await c.end();
}
