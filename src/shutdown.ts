// SIGINT/SIGTERM: stop cleanly once; a second signal exits at once.
import type { Logger } from './logger.js';

export function installShutdown(log: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal: sig }, 'second signal: exiting now');
      process.exit(130);
    }
    stopping = true;
    log.info({ signal: sig }, 'shutting down');
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
