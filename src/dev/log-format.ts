// Turns the child processes' pino JSON lines into one short readable line
// each, for the `npm run dev` terminal. Production keeps the JSON.

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};
/** Fields every pino line has, or that say nothing in one terminal. */
const SKIP = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg', 'sdk', 'v']);
const MAX_VALUE = 120;
const MAX_LINE = 400;

const COLORS = {
  reset: '\x1b[0m',
  dim: '\x1b[2m',
  red: '\x1b[31m',
  yellow: '\x1b[33m',
} as const;

function value(v: unknown): string {
  if (v && typeof v === 'object' && 'message' in v && typeof v.message === 'string') return v.message;
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  const quoted = typeof v === 'string' && /\s/.test(s) ? JSON.stringify(s) : s;
  return quoted.length > MAX_VALUE ? `${quoted.slice(0, MAX_VALUE - 1)}…` : quoted;
}

function time(t: unknown): string {
  const d = typeof t === 'number' ? new Date(t) : new Date();
  return d.toTimeString().slice(0, 8);
}

/**
 * The Temporal SDK's own chatter (worker state changes, bundle statistics),
 * and its warning that a probe-loop queue has no workflows, which is the
 * monitor worker's design: hidden in the dev terminal unless debugging.
 */
function isSdkNoise(rec: Record<string, unknown>, verbose: boolean): boolean {
  if (verbose || rec.sdk !== true) return false;
  const level = rec.level as number;
  return level < 40 || (level === 40 && String(rec.msg).startsWith('No workflows registered'));
}

/**
 * One pino JSON line → `12:00:01 INFO  message key=value …` (undefined: not
 * worth showing); anything else unchanged.
 */
export function formatLogLine(line: string, color = false, verbose = false): string | undefined {
  if (!line.startsWith('{')) return line;
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (typeof rec.level !== 'number' || !('msg' in rec || 'err' in rec)) return line;
  if (isSdkNoise(rec, verbose)) return undefined;
  const [first = '', ...more] = String(rec.msg ?? '').split('\n');
  const level = LEVELS[rec.level] ?? String(rec.level);
  const fields = Object.entries(rec)
    .filter(([k, v]) => !SKIP.has(k) && v !== undefined)
    .map(([k, v]) => `${k}=${value(v)}`)
    .join(' ');
  let text = `${first}${more.length ? ' …' : ''}${fields ? ` ${fields}` : ''}`;
  if (text.length > MAX_LINE) text = `${text.slice(0, MAX_LINE - 1)}…`;
  const lvl = level.padEnd(5);
  if (!color) return `${time(rec.time)} ${lvl} ${text}`;
  const c = rec.level >= 50 ? COLORS.red : rec.level >= 40 ? COLORS.yellow : '';
  return `${COLORS.dim}${time(rec.time)}${COLORS.reset} ${c}${lvl}${c ? COLORS.reset : ''} ${text}`;
}
