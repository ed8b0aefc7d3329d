// `npm run dev`: the whole of vnfm in one terminal for a newcomer. Starts a
// database (DATABASE_URL, or an embedded PGlite), a Temporal dev server with
// its Web UI, then the API and both workers through their production entry
// points, registers a dev tenant, token and VIM, and prints where everything
// is. Ctrl-C stops it all in order; the next run reuses the data directory.
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { apiConfig, conductorConfig, devConfig, ENV_VARS, monitorConfig, temporalConfig } from '../config.js';
import { runMain, StartupError } from '../fatal.js';
import { assertPortFree } from '../temporal/dev-server.js';
import { banner } from './banner.js';
import { ensureDevToken, ensureDevVim } from './bootstrap.js';
import { startDevDatabase } from './database.js';
import { prepareDevHost } from './host.js';
import { lockDataDir } from './lock.js';
import { createOutput } from './output.js';
import { ENTRY_POINTS, startEntry } from './processes.js';
import { waitForHttp, waitForPollers } from './readiness.js';
import { resetDataDir } from './reset.js';
import { DevStack } from './stack.js';
import { splitAddress, startDevTemporal } from './temporal.js';

const READY_TIMEOUT_MS = 120_000;

/** Where a browser or curl on this machine reaches a server bound to `host`. */
function localUrl(host: string, port: number): string {
  const local = ['0.0.0.0', '::', '127.0.0.1', 'localhost', '::1'].includes(host);
  return `http://${local ? 'localhost' : host}:${port}`;
}

const USAGE = 'npm run dev [-- --reset]';

runMain('dev', async () => {
  const t0 = Date.now();
  const args = process.argv.slice(2);
  const unknown = args.find((a) => a !== '--reset');
  if (unknown) throw new StartupError(`unknown argument '${unknown}' (usage: ${USAGE})`);
  const reset = args.includes('--reset');
  const output = createOutput();
  const env = process.env;
  // Every setting is read (and checked) before anything starts.
  const dev = devConfig(env);
  const temporal = temporalConfig(env);
  const api = apiConfig(env);
  const monitor = monitorConfig(env);
  const conductor = conductorConfig(env);
  const embeddedDb = !env.DATABASE_URL;
  const dataDir = resolve(dev.dataDir);
  mkdirSync(dataDir, { recursive: true });

  const stack = new DevStack(output);
  stack.lock = await lockDataDir(dataDir, Object.values(ENTRY_POINTS), output.dev);
  // From here on, a failure or a signal stops what has started.
  const onSignal = (sig: NodeJS.Signals) => {
    if (stack.isStopping) return;
    void stack.stop(0, `${sig}: stopping (API, workers, Temporal, database)`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal); // the terminal closed
  try {
    const apiCheckHost = api.host === '0.0.0.0' || api.host === '::' ? '127.0.0.1' : api.host;
    const ports: [number, string, string][] = [
      [api.port, `the API, VNFM_API_PORT`, api.host],
      [monitor.metricsPort, 'monitor metrics, VNFM_MONITOR_METRICS_PORT', '0.0.0.0'],
      [conductor.metricsPort, 'conductor metrics, VNFM_CONDUCTOR_METRICS_PORT', '0.0.0.0'],
    ];
    if (dev.temporal !== 'external') {
      const { host, port } = splitAddress(temporal.address);
      ports.push([port, 'Temporal gRPC, the port of TEMPORAL_ADDRESS', host]);
      if (dev.temporal === 'start') ports.push([dev.uiPort, 'Temporal Web UI, VNFM_TEMPORAL_UI_PORT', host]);
    }
    if (embeddedDb) ports.push([dev.dbPort, 'embedded database, VNFM_DEV_DB_PORT', '127.0.0.1']);
    for (const [port, what, host] of ports) if (port) await assertPortFree(port, what, host);

    if (reset) {
      output.dev('--reset: removing what this installation owns on the host, then its data');
      await resetDataDir({ dataDir, databaseUrl: env.DATABASE_URL, log: output.dev });
    }

    // The database and Temporal start side by side; both are awaited before
    // acting on a failure of either, so nothing half-started is left behind.
    const since0 = Date.now();
    const elapsed = () => `${((Date.now() - since0) / 1000).toFixed(1)} s`;
    output.dev(
      `starting the database and Temporal${existsSync(join(dataDir, 'pgdata')) || !embeddedDb ? '' : ' (first start: initialising the embedded database)'}`,
    );
    const dbStart = startDevDatabase({ env, dataDir, port: dev.dbPort, log: output.dev }).then((d) => {
      output.dev(`database ready: ${d.description} (${elapsed()})`);
      return d;
    });
    stack.database = dbStart;
    const temporalStart = startDevTemporal({
      mode: dev.temporal,
      temporal,
      databaseUrl: env.DATABASE_URL,
      dataDir,
      uiPort: dev.uiPort,
      output,
      onSpawn: (server) => {
        stack.temporal.push(server);
        stack.recordPids();
      },
    }).then((t) => {
      output.dev(`Temporal ready at ${t.address}${t.uiUrl ? `, Web UI ${t.uiUrl}` : ''} (${elapsed()})`);
      return t;
    });
    const [dbResult, temporalResult] = await Promise.allSettled([dbStart, temporalStart]);
    if (stack.isStopping) return;
    if (dbResult.status === 'rejected') throw dbResult.reason;
    if (temporalResult.status === 'rejected') throw temporalResult.reason;
    const db = dbResult.value;
    const t = temporalResult.value;
    stack.temporal = t.servers;
    for (const s of t.servers) stack.watch(s);

    await prepareDevHost({
      databaseUrl: db.url,
      embeddedDataDir: db.embedded ? dataDir : undefined,
      bridge: dev.bridge,
      log: output.dev,
    });
    const token = await ensureDevToken(db.url, dataDir);

    // Production's variables, pointing at what this run started.
    const childEnv: NodeJS.ProcessEnv = { ...env, DATABASE_URL: db.url, TEMPORAL_ADDRESS: t.address };
    const since = Date.now();
    stack.api = startEntry('api', childEnv, output);
    stack.workers = [startEntry('monitor', childEnv, output), startEntry('conductor', childEnv, output)];
    stack.recordPids();
    for (const c of [stack.api, ...stack.workers]) stack.watch(c);

    const apiUrl = localUrl(api.host, api.port);
    await Promise.all([
      waitForHttp(`http://${apiCheckHost}:${api.port}/healthz`, 'the API', READY_TIMEOUT_MS),
      t.uiUrl
        ? waitForHttp(
            `http://${splitAddress(temporal.address).host}:${dev.uiPort}/`,
            'the Temporal Web UI',
            READY_TIMEOUT_MS,
          )
        : undefined,
      waitForPollers({
        address: t.address,
        namespace: temporal.namespace,
        taskQueues: [temporal.monitorTaskQueue, temporal.conductorTaskQueue],
        since,
        timeoutMs: READY_TIMEOUT_MS,
      }),
    ]);
    if (stack.isStopping) return;

    const vim = await ensureDevVim({
      apiUrl: `http://${apiCheckHost}:${api.port}`,
      token,
      bridge: dev.bridge,
      pool: dev.pool,
    }).catch((err: Error) => {
      output.dev(`could not register the dev VIM (${err.message}); register one with POST /v1.0/vims`);
      return undefined;
    });
    if (vim?.created) {
      output.dev(
        vim.fallbackReason
          ? `registered ${vim.summary}; not a netns VIM because ${vim.fallbackReason}`
          : `registered ${vim.summary}`,
      );
    }
    if (stack.isStopping) return;
    // The CLI's default VNFM_API_URL only finds the API on its default port.
    const cliApiUrl = `http://127.0.0.1:${api.port}`;
    output.raw(
      banner(
        {
          apiUrl,
          uiUrl: t.uiUrl,
          temporalAddress: t.address,
          namespace: temporal.namespace,
          database: db.description,
          dataDir,
          token: token.token,
          tokenFile: token.file,
          vim: vim?.summary ?? 'none registered',
          seconds: (Date.now() - t0) / 1000,
          cliApiUrl: cliApiUrl === ENV_VARS.VNFM_API_URL.default ? undefined : cliApiUrl,
        },
        output.color,
      ),
    );
  } catch (err) {
    // Stopping already: errors from half-started parts say nothing new.
    if (stack.isStopping) return;
    await stack.stopQuietly();
    throw err;
  }
});
