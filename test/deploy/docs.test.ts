// The documents' commands, checked against what they name: every ```sh block
// of docs/*.md is read as a shell would, and each command is checked where it
// can be without Docker — `npm run X` is a script; `docker compose` names
// files and services that exist; `vnfm …` is a subcommand with those options
// in the CLI's --help; `temporal …` is a subcommand with those flags in the
// installed Temporal CLI's --help; `curl` calls an endpoint of /openapi.json
// with query parameters and a body its schemas accept. Every environment
// variable the documents mention is one the code or the compose files read,
// and their links lead somewhere. The monitor commands are also run for real
// (docs-signals.test.ts).
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV_VARS } from '../../src/config.js';
import { CLUSTER_ENV_VARS } from '../../src/temporal/cluster.js';
import { findTemporalCli } from '../../src/temporal/cli.js';
import { startTestApi, type TestApi } from '../helpers/api.js';
import {
  COMPOSE_FILE,
  NETNS_OVERRIDE,
  readText,
  resolvedStack,
  ROOT,
  variablesOf,
  type ComposeDoc,
} from './compose-file.js';
import { shellBlocks, simpleCommands, type SimpleCommand } from './shell-commands.js';

const exec = promisify(execFile);

const DOCS = readdirSync(`${ROOT}docs`)
  .filter((f) => f.endsWith('.md'))
  .map((f) => `docs/${f}`);
const blocks = DOCS.flatMap((f) => shellBlocks(f, readText(f)));

/** Values for the documents' shell variables (ids shaped as the API wants them). */
const SHELL_ENV: Record<string, string> = {
  VNFM: 'http://localhost:9890',
  TOKEN: 'vnfm_token',
  VIM_ID: '5b0c7c1e-6a55-4c1e-9d8e-3f3a4f2c1a01',
  VNFD_ID: '5b0c7c1e-6a55-4c1e-9d8e-3f3a4f2c1a02',
  VNF_ID: '5b0c7c1e-6a55-4c1e-9d8e-3f3a4f2c1a03',
  EVENT_ID: '1',
  ACTION_ID: '5b0c7c1e-6a55-4c1e-9d8e-3f3a4f2c1a04',
  HOLD_ID: '5b0c7c1e-6a55-4c1e-9d8e-3f3a4f2c1a05',
  ADMIN_TOKEN: 'vnfm_admin_token',
};

interface Located extends SimpleCommand {
  file: string;
}
const commands: Located[] = blocks.flatMap((b) =>
  simpleCommands(b.text, SHELL_ENV).map((c) => ({ ...c, file: b.file })),
);
const where = (c: Located) => `${c.file}: ${c.source.split('\n')[0]}`;
const named = (program: string) => commands.filter((c) => c.words[0] === program);

const scripts = (JSON.parse(readText('package.json')) as { scripts: Record<string, string> }).scripts;
const composeVars = new Set(
  [COMPOSE_FILE, NETNS_OVERRIDE].flatMap((f) => variablesOf(readText(f)).map((v) => v.name)),
);

/** Programs the documents may run; each is checked below or is a plain system tool. */
const PROGRAMS = [
  'npm',
  'npx',
  'docker',
  'curl',
  'vnfm',
  'temporal',
  'export',
  'printf',
  'openssl',
  'git',
  'jq',
  'sh',
];

describe('documents', () => {
  it('have shell blocks to check', () => {
    expect(DOCS).toEqual(expect.arrayContaining(['docs/deployment.md', 'docs/monitoring.md', 'docs/api.md']));
    expect(commands.length).toBeGreaterThan(40);
  });

  it('run only programs these checks know', () => {
    for (const c of commands) if (c.words.length) expect(PROGRAMS, where(c)).toContain(c.words[0]);
  });

  it('name only npm scripts that exist, and npx tools that are installed', () => {
    for (const c of named('npm')) {
      expect(c.words[1], where(c)).toBe('run');
      expect(Object.keys(scripts), where(c)).toContain(c.words[2]);
    }
    for (const c of named('npx'))
      expect(existsSync(`${ROOT}node_modules/.bin/${c.words[1]}`), where(c)).toBe(true);
  });

  it('mention only environment variables the code or the compose files read', () => {
    const known = new Set([
      ...Object.keys(ENV_VARS),
      ...Object.keys(CLUSTER_ENV_VARS),
      ...composeVars,
      'COMPOSE_FILE',
    ]);
    for (const f of DOCS) {
      for (const m of readText(f).matchAll(/\b(?:VNFM|TEMPORAL)_[A-Z0-9_]+\b|\bDATABASE_URL\b/g)) {
        expect(known, `${f} mentions ${m[0]}`).toContain(m[0]);
      }
    }
  });

  it('deployment.md lists every variable the compose files read', () => {
    const text = readText('docs/deployment.md');
    for (const v of composeVars) expect(text, v).toContain(`\`${v}\``);
  });

  it('link only to files and headings that exist', () => {
    const slug = (h: string) =>
      h
        .trim()
        .toLowerCase()
        .replace(/[^\w\- ]/g, '')
        .replace(/ /g, '-');
    const anchors = (f: string) =>
      new Set([...readText(f).matchAll(/^#+ (.+)$/gm)].map((m) => slug(m[1]!.replace(/`/g, ''))));
    for (const f of DOCS) {
      for (const m of readText(f).matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1]!;
        if (/^https?:/.test(target)) continue;
        const [path, anchor] = target.split('#');
        const file = path ? `docs/${path}`.replace(/docs\/\.\.\//, '') : f;
        expect(existsSync(`${ROOT}${file}`), `${f} → ${target}`).toBe(true);
        if (anchor && file.startsWith('docs/')) expect(anchors(file), `${f} → ${target}`).toContain(anchor);
      }
    }
  });
});

describe('docker compose commands', () => {
  const VALUE_FLAGS = new Set([
    '-f',
    '--file',
    '--scale',
    '--tail',
    '-e',
    '-u',
    '-w',
    '--address',
    '--query',
  ]);

  it('use compose files and services that exist', () => {
    const compose = named('docker').filter((c) => c.words[1] === 'compose');
    expect(compose.length).toBeGreaterThan(5);
    for (const c of compose) {
      const files: string[] = [];
      const args = c.words.slice(2);
      while (args[0]?.startsWith('-')) {
        const flag = args.shift()!;
        if (flag === '-f') files.push(args.shift()!);
      }
      for (const f of files) expect(existsSync(`${ROOT}${f}`), where(c)).toBe(true);
      const stack: ComposeDoc = resolvedStack(files.length ? files : [COMPOSE_FILE]);
      const sub = args.shift();
      expect(['up', 'down', 'ps', 'exec', 'logs', 'build', 'restart'], where(c)).toContain(sub);
      const services: string[] = [];
      for (let i = 0; i < args.length; i++) {
        const a = args[i]!;
        if (a === '--scale') services.push(args[++i]!.split('=')[0]!);
        else if (VALUE_FLAGS.has(a)) i++;
        else if (!a.startsWith('-')) {
          services.push(a);
          if (sub === 'exec') break; // the rest is the command run in the container
        }
      }
      for (const s of services) expect(Object.keys(stack.services), where(c)).toContain(s);
    }
  });
});

/** Words after the program up to the first option or argument: the subcommand path. */
function subcommandPath(words: string[], known: (path: string[]) => boolean): string[] {
  const path: string[] = [];
  for (const w of words) {
    if (w.startsWith('-') || !known([...path, w])) break;
    path.push(w);
  }
  return path;
}

/** `vnfm …` and `temporal …` commands, also when run through `docker compose exec <service>`. */
function invocations(program: string): { words: string[]; where: string }[] {
  const out: { words: string[]; where: string }[] = [];
  for (const c of commands) {
    const w = c.words;
    const at = w[0] === 'docker' && w[1] === 'compose' ? w.indexOf('exec') : -1;
    if (w[0] === program) out.push({ words: w.slice(1), where: where(c) });
    else if (at > 0) {
      let i = at + 1;
      while (w[i]?.startsWith('-')) i++;
      if (w[i + 1] === program) out.push({ words: w.slice(i + 2), where: where(c) });
    }
  }
  return out;
}

describe('vnfm CLI commands', () => {
  const cli = `${ROOT}src/cli/main.ts`;
  const help = new Map<string, Promise<{ ok: boolean; text: string }>>();
  const helpOf = (path: string[]) => {
    const key = path.join(' ');
    let h = help.get(key);
    if (!h) {
      h = exec(process.execPath, ['--import', 'tsx', cli, ...path, '--help'], { cwd: ROOT, timeout: 60_000 })
        .then((r) => ({ ok: true, text: r.stdout + r.stderr }))
        .catch((e: { stdout?: string; stderr?: string }) => ({
          ok: false,
          text: `${e.stdout ?? ''}${e.stderr ?? ''}`,
        }));
      help.set(key, h);
    }
    return h;
  };

  it.skipIf(!existsSync(cli))('name subcommands and options the CLI has', async () => {
    const calls = invocations('vnfm');
    expect(calls.length).toBeGreaterThan(3);
    const top = (await helpOf([])).text;
    for (const call of calls) {
      // Subcommands are words that the parent's --help lists.
      const path: string[] = [];
      for (const w of call.words) {
        if (w.startsWith('-')) break;
        const parent = path.length ? (await helpOf(path)).text : top;
        if (!new RegExp(`^\\s+${w}\\b`, 'm').test(parent)) break;
        path.push(w);
      }
      expect(path.length, `${call.where}: no such vnfm subcommand`).toBeGreaterThan(0);
      const h = await helpOf(path);
      expect(h.ok, `${call.where}: vnfm ${path.join(' ')} --help failed: ${h.text}`).toBe(true);
      for (const flag of call.words.filter((w) => w.startsWith('--'))) {
        expect(h.text, `${call.where}: ${flag}`).toContain(flag.split('=')[0]);
      }
    }
  });
});

describe('temporal CLI commands', () => {
  const temporal = findTemporalCli();
  const helps = new Map<string, Promise<string>>();
  const helpOf = (path: string[]) => {
    const key = path.join(' ');
    let h = helps.get(key);
    if (!h) {
      h = exec(temporal!, [...path, '--help'], { timeout: 30_000 }).then((r) => r.stdout + r.stderr);
      helps.set(key, h);
    }
    return h;
  };
  const SUBCOMMANDS: Record<string, string[]> = {
    '': ['workflow', 'operator'],
    workflow: ['list', 'count', 'describe', 'query', 'signal', 'show', 'terminate'],
    operator: ['search-attribute', 'namespace', 'cluster'],
  };

  it.skipIf(!temporal)('name subcommands and flags the installed CLI accepts', async () => {
    const calls = invocations('temporal');
    expect(calls.length).toBeGreaterThan(5);
    for (const call of calls) {
      const path = subcommandPath(call.words, (p) =>
        (SUBCOMMANDS[p.slice(0, -1).join(' ')] ?? []).includes(p[p.length - 1]!),
      );
      const h = await helpOf(path);
      expect(h, call.where).toContain(`temporal ${path.join(' ')} [flags]`);
      for (const flag of call.words.filter((w) => w.startsWith('-'))) {
        const name = flag.split('=')[0]!;
        const pattern = name.startsWith('--') ? `${name} ` : `${name}, `;
        expect(h, `${call.where}: ${name}`).toContain(pattern);
      }
    }
  });

  it.skipIf(!temporal)('the setup job uses subcommands and flags the CLI accepts', async () => {
    const script = readText('deploy/temporal/setup-namespace.sh');
    for (const c of simpleCommands(script, { name: 'VnfId', retention: '7d' })) {
      if (c.words[0] !== 'temporal') continue;
      const path = subcommandPath(
        c.words.slice(1),
        (p) => !p[p.length - 1]!.startsWith('-') && p.length <= 3,
      );
      const h = await helpOf(path);
      expect(h, c.source).toContain(`temporal ${path.join(' ')} [flags]`);
      for (const flag of c.words.filter((w) => w.startsWith('--'))) expect(h, c.source).toContain(`${flag} `);
    }
  });
});

describe('curl commands against /openapi.json', () => {
  let api: TestApi;
  let doc: {
    paths: Record<
      string,
      Record<
        string,
        {
          parameters?: { name: string; in: string; schema: object }[];
          requestBody?: { content: Record<string, { schema: object }> };
        }
      >
    >;
  };
  beforeAll(async () => {
    api = await startTestApi();
    doc = (await api.http.get('/openapi.json')).body;
  });
  afterAll(() => api?.close());

  const operationFor = (method: string, path: string) => {
    for (const [template, ops] of Object.entries(doc.paths)) {
      const re = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
      if (re.test(path) && ops[method]) return ops[method];
    }
    return undefined;
  };

  it('call endpoints that exist, with parameters and bodies their schemas accept', () => {
    const calls = named('curl');
    expect(calls.length).toBeGreaterThan(30);
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    for (const c of calls) {
      let method: string | undefined;
      let body: string | undefined;
      let url: string | undefined;
      for (let i = 1; i < c.words.length; i++) {
        const w = c.words[i]!;
        if (w === '-X') method = c.words[++i]!.toLowerCase();
        else if (w === '-d' || w === '--data') body = c.words[++i];
        else if (w === '-H' || w === '-o' || w === '-w') i++;
        else if (!w.startsWith('-')) url = w;
      }
      method ??= body === undefined ? 'get' : 'post';
      expect(url, where(c)).toMatch(/^http:\/\/localhost:9890\//);
      const u = new URL(url!);
      const op = operationFor(method, u.pathname);
      expect(op, `${where(c)}: ${method.toUpperCase()} ${u.pathname} is not in /openapi.json`).toBeDefined();
      for (const [name, value] of u.searchParams) {
        const p = op!.parameters?.find((x) => x.in === 'query' && x.name === name);
        expect(p, `${where(c)}: query parameter ${name}`).toBeDefined();
        expect(ajv.validate(p!.schema, value), `${where(c)}: ${name}=${value}`).toBe(true);
      }
      if (body !== undefined) {
        const schema = op!.requestBody?.content['application/json']?.schema;
        expect(schema, `${where(c)}: takes no body`).toBeDefined();
        const ok = ajv.validate(schema!, JSON.parse(body));
        expect(ok, `${where(c)}: ${JSON.stringify(ajv.errors)}`).toBe(true);
      }
    }
  });

  it('api.md shows every endpoint', () => {
    const text = readText('docs/api.md');
    const shown = named('curl')
      .filter((c) => c.file === 'docs/api.md')
      .map((c) => {
        const i = c.words.indexOf('-X');
        const method = i > 0 ? c.words[i + 1]!.toLowerCase() : c.words.includes('-d') ? 'post' : 'get';
        const url = new URL(c.words.find((w) => w.startsWith('http'))!);
        return { method, path: url.pathname };
      });
    for (const [template, ops] of Object.entries(doc.paths)) {
      const re = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
      for (const method of Object.keys(ops)) {
        const found = shown.some((s) => s.method === method && re.test(s.path));
        expect(found, `docs/api.md has no curl example for ${method.toUpperCase()} ${template}`).toBe(true);
      }
    }
    expect(text).toContain('/openapi.json');
  });
});
