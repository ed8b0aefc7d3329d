// The Dockerfile and .dockerignore, checked without a Docker engine: pinned
// base images on the Node line package.json asks for, every file it copies
// exists and is in the build context, its entry point and health check exist
// and are executable, it runs as a non-root user with the probe tools, and
// the context leaves node_modules, local state and git history out.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ROOT } from './compose-file.js';
import {
  argDefaults,
  contextSources,
  execForm,
  expandArgs,
  parseDockerfile,
  type Instruction,
} from './dockerfile.js';
import { isExcluded, parseDockerignore } from './dockerignore.js';

const text = (f: string) => readFileSync(`${ROOT}${f}`, 'utf8');
const instructions = parseDockerfile(text('Dockerfile'));
const args = argDefaults(instructions);
const ignore = parseDockerignore(text('.dockerignore'));
const pkg = JSON.parse(text('package.json')) as {
  scripts: Record<string, string>;
  engines: { node: string };
};

const only = (keyword: string): Instruction[] => instructions.filter((i) => i.keyword === keyword);
const last = (keyword: string): Instruction => {
  const all = only(keyword);
  if (!all.length) throw new Error(`no ${keyword} in the Dockerfile`);
  return all[all.length - 1]!;
};
/** /app/… in the image is the same path in the repository (WORKDIR /app). */
const repoPath = (imagePath: string) => imagePath.replace(/^\/app\//, '');

describe('Dockerfile', () => {
  it('builds every stage from a pinned Debian bookworm Node image', () => {
    const froms = only('FROM').map((i) => expandArgs(i.args.split(' ')[0]!, args));
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const image of froms) {
      expect(image).toMatch(/^node:\d+\.\d+(\.\d+)?-bookworm-slim$/);
      expect(image).not.toContain('latest');
    }
  });

  it("pins a Node release package.json's engines accept", () => {
    const [major, minor] = (args.NODE_VERSION ?? '').split('.').map(Number);
    const [minMajor, minMinor] = /^>=\s*(\d+)\.(\d+)/.exec(pkg.engines.node)!.slice(1).map(Number);
    expect(major).toBe(minMajor);
    expect(minor).toBeGreaterThanOrEqual(minMinor!);
  });

  it('is multi-stage: the runtime gets production node_modules and the generated client, built elsewhere', () => {
    const copies = only('COPY').map((i) => i.args);
    expect(copies).toContain('--from=prod-deps /app/node_modules/ node_modules/');
    expect(copies).toContain('--from=build /app/src/generated/ src/generated/');
    const runs = only('RUN').map((i) => i.args);
    expect(runs.some((r) => r.includes('npm ci --omit=dev'))).toBe(true);
    expect(runs.some((r) => r.includes('npm ci') && r.includes('npm run generate'))).toBe(true);
    // tsx runs the TypeScript: it must be a production dependency.
    const deps = (JSON.parse(text('package.json')) as { dependencies: Record<string, string> }).dependencies;
    expect(deps).toHaveProperty('tsx');
  });

  it('copies only files that exist and that .dockerignore lets into the context', () => {
    const sources = only('COPY').flatMap(contextSources);
    expect(sources.length).toBeGreaterThan(5);
    for (const src of sources) {
      expect(existsSync(`${ROOT}${src}`), src).toBe(true);
      expect(isExcluded(ignore, src), `${src} is outside the build context`).toBe(false);
    }
    // What `npm ci`'s postinstall and `npm run generate` need in the build stage.
    for (const f of ['scripts/prisma-generate.mjs', 'prisma/schema.prisma', 'prisma/migrations']) {
      expect(isExcluded(ignore, f), f).toBe(false);
    }
  });

  it('installs the probe and VIM tools, and checks ping keeps its capability', () => {
    const install = only('RUN').find((i) => i.args.includes('apt-get install'))!.args;
    for (const p of ['iputils-ping', 'fping', 'iproute2', 'tini']) expect(install).toContain(` ${p}`);
    expect(install).toContain('getcap /usr/bin/ping');
    expect(install).toContain('getcap /usr/bin/fping');
  });

  it('runs as a non-root user', () => {
    const user = last('USER').args;
    expect(user).not.toMatch(/^(root|0)(:|$)/);
  });

  it('starts through tini and an entry point that exists and is executable', () => {
    const entry = execForm(last('ENTRYPOINT').args)!;
    expect(entry[0]).toBe('/usr/bin/tini');
    const script = repoPath(entry[entry.length - 1]!);
    expect(statSync(`${ROOT}${script}`).mode & 0o111, script).not.toBe(0);
    expect(isExcluded(ignore, script)).toBe(false);
  });

  it('defaults to a command that is a package.json script', () => {
    const cmd = execForm(last('CMD').args)!;
    expect(Object.keys(pkg.scripts)).toContain(cmd[0]);
  });

  it('has a health check whose script is copied into the image', () => {
    const hc = last('HEALTHCHECK').args;
    const cmd = execForm(hc.slice(hc.indexOf('CMD ') + 4))!;
    expect(cmd[0]).toBe('node');
    const script = repoPath(cmd[1]!);
    expect(existsSync(`${ROOT}${script}`)).toBe(true);
    expect(only('COPY').some((i) => contextSources(i).includes(script))).toBe(true);
  });
});

describe('the runtime image', () => {
  /** Every .ts file under src/, recursively. */
  const sources = (dir: string): string[] =>
    readdirSync(`${ROOT}${dir}`, { withFileTypes: true }).flatMap((d) =>
      d.isDirectory()
        ? d.name === 'generated'
          ? []
          : sources(`${dir}/${d.name}`)
        : d.name.endsWith('.ts')
          ? [`${dir}/${d.name}`]
          : [],
    );

  it('has every package the code imports at run time (production dependencies only)', () => {
    const deps = (JSON.parse(text('package.json')) as { dependencies: Record<string, string> }).dependencies;
    const builtins = new Set(builtinModules);
    for (const file of sources('src')) {
      // Type-only imports are erased by tsx; everything else must resolve in the image.
      for (const m of text(file).matchAll(/^(?:import|export)\s+(?!type\s)[^;]*?from\s+'([^'.][^']*)'/gm)) {
        const spec = m[1]!;
        if (spec.startsWith('node:') || builtins.has(spec)) continue;
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        expect(Object.keys(deps), `${file} imports ${spec}`).toContain(name);
      }
    }
  });
});

describe('.dockerignore', () => {
  it('leaves out dependencies, local state, the generated client, secrets and git history', () => {
    for (const p of [
      'node_modules',
      'node_modules/tsx/package.json',
      'src/node_modules/x',
      '.vnfm',
      '.vnfm/dev-token',
      'src/.vnfm/x',
      'src/generated/prisma/client.ts',
      '.git',
      '.git/HEAD',
      '.env',
      'src/.env',
      'test/api/auth.test.ts',
      'bench/main.ts',
      'docs/deployment.md',
    ]) {
      expect(isExcluded(ignore, p), p).toBe(true);
    }
  });

  it('keeps the sources and migrations', () => {
    for (const p of ['src/config.ts', 'src/api/main.ts', 'prisma/migrations/migration_lock.toml']) {
      expect(isExcluded(ignore, p), p).toBe(false);
    }
  });
});
