// Human output (aligned tables, key/value blocks) and --json output.

export interface OutputOptions {
  json?: boolean;
}

const cell = (v: unknown): string =>
  v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);

/** Rows as an aligned table with the given columns (key, or [header, key]). */
export function table(rows: Record<string, unknown>[], columns: (string | [string, string])[]): string {
  const cols = columns.map((c): [string, string] => (typeof c === 'string' ? [c, c] : c));
  const cells = rows.map((r) => cols.map(([, key]) => cell(r[key])));
  const headers = cols.map(([h]) => h.toUpperCase());
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...cells.map(line)].join('\n');
}

/** One object as `key: value` lines. */
export function details(obj: Record<string, unknown>): string {
  const width = Math.max(...Object.keys(obj).map((k) => k.length));
  return Object.entries(obj)
    .map(([k, v]) => `${`${k}:`.padEnd(width + 1)} ${cell(v)}`)
    .join('\n');
}

export function print(opts: OutputOptions, value: unknown, human: () => string): void {
  process.stdout.write(`${opts.json ? JSON.stringify(value, null, 2) : human()}\n`);
}
