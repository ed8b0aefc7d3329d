// Entry point of the HTTP API (`npm run start:api`). Configured by
// environment variables only (src/config.ts); the database and Temporal are
// checked at start, so a wrong address fails with one clear line.
import type { Server } from 'node:http';
import { apiConfig, databaseUrl, temporalConfig } from '../config.js';
import { checkDb, createDb } from '../db/client.js';
import { runMain, StartupError } from '../fatal.js';
import { createLogger } from '../logger.js';
import { connectClient } from '../temporal/connect.js';
import { installShutdown } from '../shutdown.js';
import { createApp } from './app.js';

/** The URL without its password, for messages. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'DATABASE_URL';
  }
}

function listen(app: ReturnType<typeof createApp>, host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once('listening', () => resolve(server));
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new StartupError(
              `port ${port} on ${host} is already in use: stop whatever holds it, or set VNFM_API_PORT`,
            )
          : err.code === 'EACCES'
            ? new StartupError(
                `not allowed to listen on ${host}:${port}: choose a port above 1023 with VNFM_API_PORT`,
              )
            : err,
      ),
    );
  });
}

runMain('api', async () => {
  const cfg = apiConfig();
  const temporal = temporalConfig();
  const url = databaseUrl();
  const logger = createLogger('api');
  const db = createDb(url);
  try {
    await checkDb(db);
  } catch (err) {
    throw new StartupError(
      // Prisma's message spans lines (the call, then the cause): keep the cause.
      `cannot reach the database at ${redact(url)} (${(err as Error).message.trim().split('\n').at(-1)}): start PostgreSQL or set DATABASE_URL`,
    );
  }
  const client = await connectClient(temporal);
  const app = createApp({
    db,
    temporal: client,
    temporalConfig: temporal,
    logger,
    bodyLimitBytes: cfg.bodyLimitBytes,
    lifecycleTimeoutMs: cfg.lifecycleTimeoutMs,
    tokenCacheMs: cfg.tokenCacheMs,
  });
  const server = await listen(app, cfg.host, cfg.port);
  installShutdown(logger, async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await client.connection.close();
    await db.$disconnect();
  });
  logger.info(
    {
      host: cfg.host,
      port: cfg.port,
      temporal: temporal.address,
      conductorTaskQueue: temporal.conductorTaskQueue,
    },
    'vnfm api listening',
  );
});
