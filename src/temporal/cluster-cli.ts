// `npm run temporal:cluster`: a local Temporal cluster on PostgreSQL in the
// foreground (frontend on 127.0.0.1:7233 unless TEMPORAL_CLUSTER_PORT says
// otherwise), until Ctrl-C. Settings: DATABASE_URL (the PostgreSQL server;
// default postgresql://postgres@127.0.0.1:5432/postgres), TEMPORAL_CLUSTER_DB
// (database name, default temporal), TEMPORAL_HISTORY_SHARDS (default 4; fixed
// when the database is created), TEMPORAL_NAMESPACE (default default),
// TEMPORAL_LOG_LEVEL (default warn).
import { runMain, StartupError } from '../fatal.js';
import { startCluster } from './cluster.js';

function intEnv(name: string, def: number): number {
  const v = process.env[name];
  if (!v) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new StartupError(`${name}=${v} is not a positive integer`);
  return n;
}

runMain('temporal:cluster', async () => {
  const cluster = await startCluster({
    frontendPort: intEnv('TEMPORAL_CLUSTER_PORT', 7233),
    dbName: process.env.TEMPORAL_CLUSTER_DB || 'temporal',
    historyShards: intEnv('TEMPORAL_HISTORY_SHARDS', 4),
    namespace: process.env.TEMPORAL_NAMESPACE || 'default',
    logLevel: process.env.TEMPORAL_LOG_LEVEL || 'warn',
    inheritOutput: true,
    log: (line) => console.error(line),
  });
  console.log(`TEMPORAL_ADDRESS=${cluster.address}`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    console.error('stopping the Temporal cluster');
    void cluster.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  for (const s of cluster.services.values()) {
    s.process.once('exit', () => {
      if (!stopping) {
        console.error(`temporal ${s.name} exited; stopping the cluster`);
        stop();
      }
    });
  }
});
