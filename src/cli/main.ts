// The `vnfm` command line (bin/vnfm.js, `npm run vnfm -- ...`). It talks to
// the HTTP API, except `token` (the database, so the first token can exist)
// and `monitor` (Temporal signals and queries).
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config.js';
import { StartupError } from '../fatal.js';
import { eventCommands } from './commands/events.js';
import { holdCommands } from './commands/holds.js';
import { monitorCommands } from './commands/monitor.js';
import { tokenCommands } from './commands/tokens.js';
import { vimCommands } from './commands/vims.js';
import { vnfdCommands } from './commands/vnfds.js';
import { vnfCommands } from './commands/vnfs.js';
import { cliContext } from './context.js';
import { CliError, EXIT } from './errors.js';

const HELP_FOOTER = `
Environment:
  VNFM_API_URL        where the API is (default http://127.0.0.1:9890)
  VNFM_TOKEN          API token (from \`vnfm token create\`)
  DATABASE_URL        token commands only
  TEMPORAL_ADDRESS    monitor commands only (default localhost:7233; also TEMPORAL_NAMESPACE)

Output: tables for people; --json prints the resource (a list for list commands) as JSON.

Exit codes:
  0  ok
  1  error: from the server (the message is printed on one line), usage, or connection
  2  not found
  3  conflict (in use, or a state that does not allow the operation)
  4  timed out (vnf wait)
`;

export function buildProgram(): Command {
  const program = new Command('vnfm')
    .description('Operate vnfm: tokens, VIMs, VNFDs, VNFs, events and monitors')
    .option('--json', 'machine-readable output')
    .option('--api-url <url>', 'API base URL (overrides VNFM_API_URL)')
    .option(
      '--token <token>',
      'API token (overrides VNFM_TOKEN; prefer the variable: arguments are visible in ps)',
    )
    .addHelpText('after', HELP_FOOTER)
    .showHelpAfterError('(run with --help for usage)')
    // Subcommands inherit this (and the help settings): usage errors come back to main.
    .exitOverride();
  const ctx = cliContext(program);
  tokenCommands(program, ctx);
  vimCommands(program, ctx);
  vnfdCommands(program, ctx);
  vnfCommands(program, ctx);
  eventCommands(program, ctx);
  holdCommands(program, ctx);
  monitorCommands(program, ctx);
  return program;
}

async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return EXIT.OK;
  } catch (err) {
    // Commander has already printed its usage error (or the help).
    if (err instanceof CommanderError) return err.exitCode;
    const known = err instanceof CliError || err instanceof ConfigError || err instanceof StartupError;
    const message = ((err as Error)?.message ?? String(err)).replace(/\s*\n\s*/g, ' ').trim();
    process.stderr.write(`vnfm: ${known ? message : `unexpected error: ${message}`}\n`);
    if (!known && process.env.VNFM_LOG_LEVEL === 'debug') process.stderr.write(`${(err as Error).stack}\n`);
    return err instanceof CliError ? err.exitCode : EXIT.ERROR;
  }
}

process.exitCode = await main(process.argv);
