// Temporal for `npm run dev`: a dev server with the Web UI, its history kept
// in <data dir>/temporal.db so monitors survive a restart; with
// VNFM_DEV_TEMPORAL=cluster, a local Temporal cluster (the real server, four
// services, databases temporal and temporal_visibility on DATABASE_URL's
// PostgreSQL server or 127.0.0.1:5432; src/temporal/cluster.ts); or, with
// VNFM_DEV_TEMPORAL=external, the server TEMPORAL_ADDRESS names (the custom
// search attributes are registered there if missing).
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import type { TemporalConfig } from '../config.js';
import { StartupError } from '../fatal.js';
import { startCluster } from '../temporal/cluster.js';
import { startDevServer, waitForTemporal } from '../temporal/dev-server.js';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../temporal/search-attributes.js';
import { manage, type ManagedChild } from './processes.js';
import type { Output } from './output.js';

/** temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD (@temporalio/proto is not a direct dependency). */
const INDEXED_VALUE_TYPE_KEYWORD = 2;

export interface DevTemporal {
  /** What the children get as TEMPORAL_ADDRESS. */
  address: string;
  /** Web UI root, when this run serves one. */
  uiUrl?: string;
  /** The dev server process, or the cluster's services, when this run started them. */
  servers: ManagedChild[];
}

/** host:port → [bind address, port]; `localhost` binds IPv4 so every client finds it. */
export function splitAddress(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i);
  return { host: host === 'localhost' ? '127.0.0.1' : host, port: Number(address.slice(i + 1)) };
}

export async function startDevTemporal(opts: {
  mode: 'start' | 'cluster' | 'external';
  /** PostgreSQL server of a cluster (mode cluster). */
  databaseUrl?: string;
  temporal: TemporalConfig;
  dataDir: string;
  uiPort: number;
  output: Output;
  /** The server process as soon as it exists, so a Ctrl-C during start can stop it. */
  onSpawn: (server: ManagedChild) => void;
}): Promise<DevTemporal> {
  if (opts.mode === 'external') {
    try {
      await waitForTemporal(opts.temporal.address, 15_000);
    } catch (err) {
      throw new StartupError(
        `${(err as Error).message}: start that server, or unset VNFM_DEV_TEMPORAL so npm run dev starts one`,
      );
    }
    await ensureSearchAttributes(opts.temporal, opts.output);
    return { address: opts.temporal.address, servers: [] };
  }
  if (opts.mode === 'cluster') {
    const { host, port } = splitAddress(opts.temporal.address);
    const servers: ManagedChild[] = [];
    const cluster = await startCluster({
      ip: host,
      frontendPort: port,
      databaseUrl: opts.databaseUrl,
      namespace: opts.temporal.namespace,
      detached: true,
      reportExits: false, // the dev stack watches them (and stops them on Ctrl-C)
      log: opts.output.dev,
      onSpawn: (name, child) => {
        const server = manage(`temporal-${name}`, child);
        servers.push(server);
        opts.onSpawn(server);
        opts.output.follow(`temporal-${name}`, child.stderr);
      },
    });
    return { address: cluster.address, servers };
  }
  const { host, port } = splitAddress(opts.temporal.address);
  let server: ManagedChild | undefined;
  const dev = await startDevServer({
    ip: host,
    port,
    uiPort: opts.uiPort,
    dbFile: join(opts.dataDir, 'temporal.db'),
    namespace: opts.temporal.namespace,
    // A first start on a busy 2-core machine can take a while; a CLI build is announced.
    startTimeoutMs: 120_000,
    log: opts.output.dev,
    detached: true,
    onSpawn: (child: ChildProcess) => {
      server = manage('temporal', child);
      opts.onSpawn(server);
      // stdout is the server's banner (npm run dev prints its own); stderr has its errors.
      opts.output.follow('temporal', child.stderr);
    },
  });
  return { address: dev.address, uiUrl: dev.uiUrl, servers: [server!] };
}

/** Registers VnfId, VnfName, TenantId and MonitorState (Keyword) where they are missing. */
async function ensureSearchAttributes(cfg: TemporalConfig, output: Output): Promise<void> {
  const conn = await Connection.connect({ address: cfg.address, connectTimeout: 10_000 });
  try {
    const have = await conn.operatorService.listSearchAttributes({ namespace: cfg.namespace });
    const missing = CUSTOM_SEARCH_ATTRIBUTES.filter((n) => !(n in (have.customAttributes ?? {})));
    if (!missing.length) return;
    await conn.operatorService.addSearchAttributes({
      namespace: cfg.namespace,
      searchAttributes: Object.fromEntries(missing.map((n) => [n, INDEXED_VALUE_TYPE_KEYWORD])),
    });
    output.dev(`registered search attributes ${missing.join(', ')} on ${cfg.address}`);
  } catch (err) {
    throw new StartupError(
      `could not register the search attributes ${CUSTOM_SEARCH_ATTRIBUTES.join(', ')} on Temporal at ${cfg.address} (${(err as Error).message}): register them as Keyword (temporal operator search-attribute create) and start again`,
    );
  } finally {
    await conn.close();
  }
}
