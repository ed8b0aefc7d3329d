// The shell commands of the documents: fenced ```sh blocks, split into simple
// commands the way a POSIX shell would read them, far enough for the checks —
// quoting, backslash-newline, $VAR / ${VAR} / $(…) (whose commands are
// returned too), pipes, && || ;, redirections and comments. Variables expand
// from a given map; others expand to "" as in a shell.

export interface DocBlock {
  file: string;
  /** The marker comment right above the block (`<!-- docs-test: NAME -->`), if any. */
  marker?: string;
  text: string;
}

/** Every ```sh block of a Markdown text. */
export function shellBlocks(file: string, markdown: string): DocBlock[] {
  const out: DocBlock[] = [];
  const re = /(?:<!--\s*docs-test:\s*([\w-]+)\s*-->\s*\n)?```sh\n([\s\S]*?)```/g;
  for (const m of markdown.matchAll(re)) out.push({ file, marker: m[1], text: m[2]! });
  return out;
}

export interface SimpleCommand {
  /** The words after expansion (assignments and redirections removed). */
  words: string[];
  /** NAME=value words before the command. */
  assignments: Record<string, string>;
  /** The command as written (for messages). */
  source: string;
}

class Lexer {
  private i = 0;
  readonly commands: SimpleCommand[] = [];
  constructor(
    private readonly s: string,
    private readonly env: Record<string, string>,
  ) {}

  /** Reads commands until the end, or a `)` closing a $( … ) when `nested`. */
  list(nested: boolean): void {
    let words: string[] = [];
    let start = this.i;
    const flush = () => {
      const assignments: Record<string, string> = {};
      while (words.length && /^[A-Za-z_]\w*=/.test(words[0]!)) {
        const [k, ...v] = words.shift()!.split('=');
        assignments[k!] = v.join('=');
      }
      if (words.length || Object.keys(assignments).length) {
        this.commands.push({ words, assignments, source: this.s.slice(start, this.i).trim() });
      }
      words = [];
    };
    while (this.i < this.s.length) {
      const c = this.s[this.i]!;
      if (c === ')') {
        // Closes a $( … ); elsewhere (a subshell, a case pattern) it is just skipped.
        this.i++;
        if (nested) {
          flush();
          return;
        }
        continue;
      }
      if (c === '\\' && this.s[this.i + 1] === '\n') {
        this.i += 2;
      } else if (c === ' ' || c === '\t') {
        this.i++;
      } else if (c === '\n' || c === ';' || c === '|' || c === '&') {
        flush();
        this.i += this.s.startsWith('&&', this.i) || this.s.startsWith('||', this.i) ? 2 : 1;
        start = this.i;
      } else if (c === '#') {
        while (this.i < this.s.length && this.s[this.i] !== '\n') this.i++;
      } else if (c === '>' || c === '<') {
        // A redirection: its target is not an argument.
        this.i += this.s[this.i + 1] === '>' ? 2 : 1;
        while (this.s[this.i] === ' ') this.i++;
        this.word();
      } else {
        words.push(this.word());
      }
    }
    flush();
  }

  private word(): string {
    let w = '';
    while (this.i < this.s.length) {
      const c = this.s[this.i]!;
      if (' \t\n;|&<>'.includes(c) || c === ')') break;
      if (c === "'") {
        const end = this.s.indexOf("'", this.i + 1);
        w += this.s.slice(this.i + 1, end);
        this.i = end + 1;
      } else if (c === '"') {
        this.i++;
        while (this.s[this.i] !== '"') {
          const d = this.s[this.i]!;
          if (d === '\\' && '"\\$`\n'.includes(this.s[this.i + 1]!)) {
            if (this.s[this.i + 1] !== '\n') w += this.s[this.i + 1];
            this.i += 2;
          } else if (d === '$') w += this.dollar();
          else {
            w += d;
            this.i++;
          }
        }
        this.i++;
      } else if (c === '\\') {
        if (this.s[this.i + 1] !== '\n') w += this.s[this.i + 1];
        this.i += 2;
      } else if (c === '$') {
        w += this.dollar();
      } else {
        w += c;
        this.i++;
      }
    }
    return w;
  }

  /** $NAME, ${NAME} or $( … ) at this.i. */
  private dollar(): string {
    const rest = this.s.slice(this.i);
    if (rest.startsWith('$((')) {
      // Arithmetic: no commands inside.
      const end = this.s.indexOf('))', this.i);
      this.i = end < 0 ? this.s.length : end + 2;
      return '0';
    }
    if (rest.startsWith('$(')) {
      this.i += 2;
      this.list(true);
      return '';
    }
    const m = /^\$(?:\{(\w+)\}|(\w+))/.exec(rest);
    if (!m) {
      this.i++;
      return '$';
    }
    this.i += m[0].length;
    return this.env[(m[1] ?? m[2])!] ?? '';
  }
}

/** Every simple command of a shell text, those inside $( … ) included. */
export function simpleCommands(text: string, env: Record<string, string> = {}): SimpleCommand[] {
  const lexer = new Lexer(text, env);
  lexer.list(false);
  return lexer.commands;
}

/** The commands of a block one by one, as text (for running them in order). */
export function commandTexts(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\' && quote === '"') {
        cur += c + text[++i];
        continue;
      }
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '\\' && text[i + 1] === '\n') {
      cur += c + text[++i];
      continue;
    } else if (c === '\n') {
      if (cur.trim()) out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += c;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}
