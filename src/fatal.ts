// Start-up failures end the process with one line saying what is wrong and
// what to do, never a bare stack trace.
import { ConfigError } from './config.js';

export class StartupError extends Error {}

export function fatal(processName: string, err: unknown): never {
  const msg =
    err instanceof ConfigError || err instanceof StartupError
      ? err.message
      : err instanceof Error
        ? `${err.message}${process.env.VNFM_LOG_LEVEL === 'debug' ? `\n${err.stack}` : ''}`
        : String(err);
  process.stderr.write(`vnfm ${processName}: ${msg}\n`);
  process.exit(1);
}

/** Runs a process's main; any start-up error becomes one clear line. */
export function runMain(processName: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => fatal(processName, err));
}
