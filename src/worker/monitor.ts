// Entry point of the monitor worker (`npm run start:monitor`). Configured by
// environment variables only (src/config.ts).
import { monitorConfig, temporalConfig } from '../config.js';
import { runMain } from '../fatal.js';
import { createLogger } from '../logger.js';
import { serveMetrics } from '../metrics/server.js';
import { installTemporalRuntime } from '../temporal/runtime.js';
import { connectClient, connectWorker } from '../temporal/connect.js';
import { closeProbeDrivers } from '../probes/index.js';
import { createMonitorMetrics } from './monitor-metrics.js';
import { createMonitorWorker } from './monitor-worker.js';
import { logProbeFaults } from './probe-fault-log.js';
import { installShutdown } from '../shutdown.js';

runMain('monitor', async () => {
  const log = createLogger('monitor');
  installTemporalRuntime(log);
  const temporal = temporalConfig();
  const cfg = monitorConfig();
  const connection = await connectWorker(temporal);
  const client = await connectClient(temporal);
  // The gauges read the loop registry, which exists once the worker does.
  const ref: { registry?: { size: number; targets(): number } } = {};
  const metrics = createMonitorMetrics(
    () => ref.registry?.size ?? 0,
    () => ref.registry?.targets() ?? 0,
  );
  const server = await serveMetrics(metrics.registry, cfg.metricsPort);
  const worker = await createMonitorWorker({
    connection,
    client,
    temporal,
    maxLoops: cfg.maxLoops,
    maxCachedWorkflows: cfg.maxCachedWorkflows,
    heartbeatTimeoutMs: cfg.heartbeatTimeoutSeconds * 1000,
    loopHeartbeatTimeoutMs: cfg.loopHeartbeatTimeoutSeconds * 1000,
    pingEngine: cfg.pingEngine,
    observer: logProbeFaults(log, metrics.observer),
    onQuarantine: (untilMs, reason) =>
      log.warn(
        { until: new Date(untilMs).toISOString(), reason },
        'quarantined by the conductor: handing every probe loop to other workers',
      ),
    onPresenceLost: (detail) => log.warn({ detail }, 'worker presence'),
  });
  ref.registry = worker.registry;
  installShutdown(log, async () => {
    await worker.shutdown();
    closeProbeDrivers(); // ends the shared fping engine's processes
    server?.close();
    await connection.close();
    await client.connection.close();
  });
  log.info(
    {
      taskQueue: temporal.monitorTaskQueue,
      loopQueue: worker.loopQueue,
      presence: worker.presenceWorkflowId,
      metricsPort: cfg.metricsPort,
    },
    'monitor worker running',
  );
  await worker.run();
});
