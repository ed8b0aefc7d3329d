// Architecture rules that code review alone would let slip:
// - the monitor side (monitor worker, its workflows and activities, probes)
//   never reaches the database, not even transitively;
// - workflow code (monitor and conductor workflows) loads no Node built-ins,
//   no database code, and activities only as types.
import { readFileSync, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const IMPORT = /^\s*(import|export)\s+(type\s+)?(?:[^'"]*?\s+from\s+)?['"]([^'"]+)['"]/gm;

interface Edge {
  from: string;
  spec: string;
  typeOnly: boolean;
}

function importsOf(file: string): Edge[] {
  const text = readFileSync(file, 'utf8');
  const edges: Edge[] = [];
  for (const m of text.matchAll(IMPORT)) edges.push({ from: file, spec: m[3]!, typeOnly: Boolean(m[2]) });
  return edges;
}

function resolveLocal(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = resolve(dirname(from), spec);
  for (const c of [base.replace(/\.js$/, '.ts'), base, `${base}.ts`, `${base}/index.ts`])
    if (existsSync(c) && c.endsWith('.ts')) return c;
  return undefined;
}

/** Every module reachable through value (non-type) imports, with the package specifiers met on the way. */
function closure(entry: string): { files: Set<string>; packages: Map<string, string> } {
  const files = new Set<string>();
  const packages = new Map<string, string>();
  const todo = [resolve(root, entry)];
  while (todo.length) {
    const f = todo.pop()!;
    if (files.has(f)) continue;
    files.add(f);
    for (const e of importsOf(f)) {
      if (e.typeOnly) continue;
      const local = resolveLocal(f, e.spec);
      if (local) todo.push(local);
      else if (!e.spec.startsWith('.')) packages.set(e.spec, f);
    }
  }
  return { files, packages };
}

const rel = (f: string) => f.slice(root.length + 1);

describe('import graph', () => {
  it('the monitor worker never reaches the database', () => {
    for (const entry of ['src/worker/monitor.ts', 'src/workflows/index.ts']) {
      const { files, packages } = closure(entry);
      expect(files.size).toBeGreaterThan(3);
      const dbFiles = [...files].map(rel).filter((f) => /^src\/(db|generated|conductor)\//.test(f));
      expect(dbFiles, `${entry} reaches database code`).toEqual([]);
      const dbPackages = [...packages.keys()].filter((p) => /^(@prisma\/|prisma$|pg$)/.test(p));
      expect(dbPackages, `${entry} loads database packages`).toEqual([]);
    }
  });

  it('workflow code loads no I/O, no database code, and activities only as types', () => {
    for (const entry of ['src/workflows/index.ts', 'src/conductor/workflows/index.ts']) {
      const { files, packages } = closure(entry);
      for (const f of files) {
        const r = rel(f);
        expect(r, `${entry} loads ${r}`).not.toMatch(
          /^src\/(db|generated|activities|vim|probes|api)\/|^src\/conductor\/activities\//,
        );
      }
      const io = [...packages.entries()].filter(
        ([p]) => p.startsWith('node:') || ['fs', 'child_process', 'net', 'http', 'pg'].includes(p),
      );
      expect(io, `${entry} loads I/O modules`).toEqual([]);
      const sdk = [...packages.keys()].filter(
        (p) => p.startsWith('@temporalio/') && !['@temporalio/workflow', '@temporalio/common'].includes(p),
      );
      expect(sdk, `${entry} loads non-workflow SDK packages`).toEqual([]);
    }
  });
});
