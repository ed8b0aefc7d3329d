// A small reader for the Dockerfile, enough for the checks: instructions with
// their continuation lines joined and comments dropped, ARG defaults, and
// exec-form (JSON) arguments.

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const first = lines[i]!.trim();
    if (!first || first.startsWith('#')) continue;
    const start = i;
    let joined = first;
    // A trailing backslash continues the instruction; comment lines inside are dropped.
    while (joined.endsWith('\\') && i + 1 < lines.length) {
      joined = joined.slice(0, -1);
      const next = lines[++i]!.trim();
      if (!next.startsWith('#')) joined += ` ${next}`;
      else joined += ' \\';
    }
    const m = /^(\S+)\s*(.*)$/s.exec(joined)!;
    out.push({ keyword: m[1]!.toUpperCase(), args: m[2]!.replace(/\s+/g, ' ').trim(), line: start + 1 });
  }
  return out;
}

/** ARG defaults declared anywhere (names are unique in this Dockerfile). */
export function argDefaults(instructions: Instruction[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of instructions.filter((x) => x.keyword === 'ARG')) {
    const [name, value] = i.args.split('=');
    if (value !== undefined) out[name!] = value;
  }
  return out;
}

export const expandArgs = (s: string, args: Record<string, string>): string =>
  s.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a?: string, b?: string) => args[(a ?? b)!] ?? '');

/** Exec-form arguments (`["a", "b"]`), or undefined for shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  return JSON.parse(args) as string[];
}

/** Sources of a COPY from the build context (not --from), with their flags removed. */
export function contextSources(i: Instruction): string[] {
  const words = i.args.split(' ');
  if (words.some((w) => w.startsWith('--from='))) return [];
  const plain = words.filter((w) => !w.startsWith('--'));
  return plain.slice(0, -1);
}
