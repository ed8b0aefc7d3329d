// The one terminal of `npm run dev`: every line says which process wrote it
// ([api], [monitor], [conductor], [temporal], [dev]).
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { formatLogLine } from './log-format.js';

const SOURCE_COLORS: Record<string, string> = {
  api: '\x1b[36m',
  monitor: '\x1b[35m',
  conductor: '\x1b[34m',
  temporal: '\x1b[32m',
  database: '\x1b[33m',
  dev: '\x1b[1m',
};
const WIDTH = '[conductor]'.length;

export interface Output {
  readonly color: boolean;
  /** A line from `source`; pino JSON is shortened to one readable line. */
  line(source: string, text: string): void;
  /** A line of `npm run dev` itself. */
  dev(text: string): void;
  /** Text printed as is (the banner). */
  raw(text: string): void;
  /** Copies a child's stream to the terminal line by line. */
  follow(source: string, stream: Readable | null | undefined, filter?: (line: string) => boolean): void;
}

export function createOutput(out: NodeJS.WriteStream = process.stdout): Output {
  // A closed terminal (SIGHUP) must not crash the stop that follows.
  out.on('error', () => undefined);
  const color = Boolean(out.isTTY) && !process.env.NO_COLOR;
  const verbose = ['debug', 'trace'].includes(process.env.VNFM_LOG_LEVEL ?? '');
  const prefix = (source: string) => {
    const tag = `[${source}]`.padEnd(WIDTH);
    return color ? `${SOURCE_COLORS[source] ?? ''}${tag}\x1b[0m` : tag;
  };
  const line = (source: string, text: string) => {
    const shown = formatLogLine(text, color, verbose);
    if (shown !== undefined) out.write(`${prefix(source)} ${shown}\n`);
  };
  return {
    color,
    line,
    dev: (text) => line('dev', text),
    raw: (text) => out.write(text),
    follow: (source, stream, filter) => {
      if (!stream) return;
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (l) => {
        if (l.trim() && (!filter || filter(l))) line(source, l);
      });
    },
  };
}
