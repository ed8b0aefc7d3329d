// `npm run dev -- --reset`: start from scratch. First what the data
// directory's VNFs own on this host goes — namespaces with their responders,
// veths, the bridges and blackhole routes of its netns VIMs, everything that
// carries its installation's owner mark — then the data: the embedded
// database, the Temporal history and the dev token (or, with DATABASE_URL,
// that database). Deleting the data first would leave the namespaces running
// with addresses the next database hands out again.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { StartupError } from '../fatal.js';
import type { IpAllocator, NetnsVimConfig } from '../vim/driver.js';
import { removeMarkedObjects } from '../vim/host-reclaim.js';
import { NetnsVimDriver } from '../vim/netns.js';
import { parseStoredVimConfig } from '../vim/vim-config.js';
import { netnsUnavailable } from './bootstrap.js';
import { redactUrl } from './database.js';
import { summarizeRemoved } from './host.js';

interface Found {
  installationId?: string;
  vims: { id: string; type: string; config: unknown }[];
}

type Query = (sql: string) => Promise<Record<string, unknown>[]>;

async function readFound(query: Query): Promise<Found> {
  const installation = await query('SELECT id FROM installation').catch(() => []);
  const vims = await query('SELECT id, type, config FROM vims').catch(() => []);
  return {
    installationId: installation[0]?.id as string | undefined,
    vims: vims.map((v) => ({ id: v.id as string, type: v.type as string, config: v.config })),
  };
}

/** What the embedded database in `dir` knows, without serving it. */
async function readEmbedded(dir: string): Promise<Found | undefined> {
  if (!existsSync(dir)) return undefined;
  let db: PGlite;
  try {
    db = await PGlite.create(dir);
  } catch {
    return undefined; // unreadable: nothing to learn from it
  }
  try {
    return await readFound(async (sql) => (await db.query<Record<string, unknown>>(sql)).rows);
  } finally {
    await db.close();
  }
}

async function readExternal(url: string): Promise<Found | undefined> {
  const c = new pg.Client({ connectionString: url });
  try {
    await c.connect();
  } catch (err) {
    if ((err as { code?: string }).code === '3D000') return undefined; // no such database: nothing to reset
    throw new StartupError(
      `--reset cannot reach the database at ${redactUrl(url)}: ${(err as Error).message}`,
    );
  }
  try {
    return await readFound(async (sql) => (await c.query<Record<string, unknown>>(sql)).rows);
  } finally {
    await c.end();
  }
}

async function dropExternal(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!name || name === 'postgres') {
    throw new StartupError(
      `--reset would drop the database '${name || 'postgres'}' that DATABASE_URL names: point DATABASE_URL at a database of vnfm's own`,
    );
  }
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const c = new pg.Client({ connectionString: admin.toString() });
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS "${name.replace(/"/g, '""')}" WITH (FORCE)`);
  } finally {
    await c.end();
  }
}

// Releasing addresses is moot: the database goes next.
const noAddresses: IpAllocator = {
  allocate: () => Promise.reject(new Error('not during a reset')),
  release: async () => undefined,
};

/** Removes the host objects, then the data, of the installation in `dataDir` (or DATABASE_URL). */
export async function resetDataDir(opts: {
  dataDir: string;
  databaseUrl?: string;
  log: (line: string) => void;
}): Promise<void> {
  const found = opts.databaseUrl
    ? await readExternal(opts.databaseUrl)
    : await readEmbedded(join(opts.dataDir, 'pgdata'));
  const removed: string[] = [];
  if (found && !(await netnsUnavailable())) {
    if (found.installationId) {
      const id = found.installationId;
      removed.push(...(await removeMarkedObjects((m) => m.installationId === id)));
    }
    // Objects made before owner marks carry their VIM's name prefix and MAC.
    for (const vim of found.vims.filter((v) => v.type === 'netns')) {
      const parsed = parseStoredVimConfig('netns', vim.config);
      if (!parsed.ok) continue;
      const driver = new NetnsVimDriver(vim.id, parsed.config as NetnsVimConfig, noAddresses);
      removed.push(...(await driver.teardown()));
    }
  }
  if (opts.databaseUrl) await dropExternal(opts.databaseUrl);
  // Everything but the lock file of this very run.
  for (const entry of existsSync(opts.dataDir) ? readdirSync(opts.dataDir) : []) {
    if (entry !== 'dev.pid') rmSync(join(opts.dataDir, entry), { recursive: true, force: true });
  }
  const data = opts.databaseUrl
    ? `the database at ${redactUrl(opts.databaseUrl)} and ${opts.dataDir}`
    : `the data in ${opts.dataDir}`;
  opts.log(`reset: removed ${summarizeRemoved([...new Set(removed)])} from this host, then ${data}`);
}
