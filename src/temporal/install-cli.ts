// `npm run temporal:install`: makes sure a Temporal CLI is installed.
import { runMain } from '../fatal.js';
import { ensureTemporalCli } from './cli.js';

runMain('temporal:install', async () => {
  console.log(await ensureTemporalCli());
});
