// Entry point of the conductor worker (`npm run start:conductor`).
// Configured by environment variables only (src/config.ts).
import { conductorConfig, databaseUrl, temporalConfig } from '../config.js';
import { checkDb, createDb } from '../db/client.js';
import { runMain, StartupError } from '../fatal.js';
import { createLogger } from '../logger.js';
import { serveMetrics } from '../metrics/server.js';
import { installTemporalRuntime } from '../temporal/runtime.js';
import { connectClient, connectWorker } from '../temporal/connect.js';
import { installShutdown } from '../shutdown.js';
import { reconcileMonitors } from './maintenance/monitors.js';
import { reconcilePendingCreates } from './maintenance/pending-creates.js';
import { settleStuckLifecycles } from './maintenance/stuck-lifecycles.js';
import { collectVimGarbage } from './maintenance/vim-garbage.js';
import { closeProbeDrivers } from '../probes/index.js';
import { conductorRegistry, registerHealGauges } from './metrics.js';
import { createConductorWorker } from './worker.js';

runMain('conductor', async () => {
  const log = createLogger('conductor');
  installTemporalRuntime(log);
  const temporal = temporalConfig();
  const cfg = conductorConfig();
  const db = createDb(databaseUrl());
  try {
    await checkDb(db);
  } catch (err) {
    // Prisma's message spans several lines; its last says what failed.
    const why = (err as Error).message
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .pop();
    throw new StartupError(`cannot reach the database (${why}): check DATABASE_URL and that PostgreSQL runs`);
  }
  const client = await connectClient(temporal);
  const connection = await connectWorker(temporal);
  registerHealGauges(db);
  const server = await serveMetrics(conductorRegistry, cfg.metricsPort);

  const deps = { db, client, temporal, log };
  const worker = await createConductorWorker({
    db,
    client,
    temporal,
    connection,
    heal: cfg.heal,
    vimLog: (level, msg, fields) => log[level](fields ?? {}, msg),
  });
  let maintaining = false;
  const maintain = async () => {
    // A pass over thousands of VNFs can outlast the interval: never run two at once.
    if (maintaining) return;
    maintaining = true;
    try {
      await reconcilePendingCreates(deps, cfg.pendingCreateGraceMs);
      await settleStuckLifecycles(deps, cfg.settleGraceMs);
      await reconcileMonitors(deps);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'reconciliation failed; will retry');
    }
    try {
      // Every pass, on every replica: it takes only what is provably orphaned.
      await collectVimGarbage(deps, { graceMs: cfg.gcGraceMs });
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'VIM garbage collection failed; will retry');
    } finally {
      maintaining = false;
    }
  };
  const timer = setInterval(() => void maintain(), cfg.reconcileIntervalMs);
  void maintain();
  const running = worker.run();
  // Graceful stop: in-flight activities finish (within the worker's grace time) before exit.
  installShutdown(log, async () => {
    clearInterval(timer);
    worker.shutdown();
    await running;
    closeProbeDrivers(); // the confirmation probes' fping engine
    server?.close();
    await db.$disconnect();
    await connection.close();
  });
  log.info(
    { taskQueue: temporal.conductorTaskQueue, metricsPort: cfg.metricsPort },
    'conductor worker running',
  );
  await running;
});
