// Routes the Temporal SDK's own logs (worker state changes, workflow and
// activity logs) into the process's pino logger, at its level.
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from '../logger.js';

const LEVELS: Record<string, LogLevel> = {
  trace: 'TRACE',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
  fatal: 'ERROR',
  silent: 'ERROR',
};

export function installTemporalRuntime(log: Logger): void {
  const level = LEVELS[log.level] ?? 'INFO';
  Runtime.install({
    logger: new DefaultLogger(level, (entry) => {
      const fields = { ...(entry.meta ?? {}), sdk: true };
      const msg = entry.message;
      switch (entry.level) {
        case 'TRACE':
          return log.trace(fields, msg);
        case 'DEBUG':
          return log.debug(fields, msg);
        case 'INFO':
          return log.info(fields, msg);
        case 'WARN':
          return log.warn(fields, msg);
        default:
          return log.error(fields, msg);
      }
    }),
  });
}
