// `npm run temporal:install`: makes sure a Temporal CLI (dev server) and the
// pinned Temporal server and sql tool (npm run temporal:cluster) are installed.
// Each is built with Go once and never rebuilt when present.
import { runMain } from '../fatal.js';
import { ensureTemporalCli, ensureTemporalServer } from './cli.js';

runMain('temporal:install', async () => {
  console.log(await ensureTemporalCli());
  const { server, sql } = await ensureTemporalServer();
  console.log(server);
  console.log(sql);
});
