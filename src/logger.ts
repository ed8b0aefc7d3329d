import { pino, type Logger } from 'pino';
import { logLevel } from './config.js';

/** One JSON logger per process; `name` says which process wrote the line. */
export function createLogger(name: string): Logger {
  return pino({ name, level: logLevel() });
}
export type { Logger };
