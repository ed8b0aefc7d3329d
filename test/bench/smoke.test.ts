// The benchmark harness's CI smoke run: every scenario, tiny (npm run bench --
// all --smoke), against its own real stack and fleet of namespaces. It fails
// on errors, never on targets. Needs root (namespaces, routes, tcpdump).
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const isRoot = process.getuid?.() === 0;
const SCENARIOS = ['fleet', 'detection', 'control', 'api', 'probe-cost'];

if (!isRoot) console.warn('bench smoke test skipped: it needs root (network namespaces, routes, tcpdump)');

describe.skipIf(!isRoot)('npm run bench -- all --smoke', () => {
  it(
    'runs every scenario on the real stack and writes a result for each',
    async () => {
      const out = mkdtempSync(join(tmpdir(), 'vnfm-bench-smoke-'));
      try {
        let output = '';
        const code = await new Promise<number | null>((resolve) => {
          const child = spawn(
            process.execPath,
            ['--import', 'tsx', 'bench/main.ts', 'all', '--smoke', '--out', out],
            {
              cwd: ROOT,
              env: { ...process.env, VNFM_LOG_LEVEL: 'warn' },
              stdio: ['ignore', 'pipe', 'pipe'],
            },
          );
          child.stdout.on('data', (b: Buffer) => (output += b.toString()));
          child.stderr.on('data', (b: Buffer) => (output += b.toString()));
          child.on('exit', (c) => resolve(c));
        });
        expect(code, output.slice(-4000)).toBe(0);
        const results = readdirSync(out).map(
          (f) => JSON.parse(readFileSync(join(out, f), 'utf8')) as { scenario: string; rows: unknown[] },
        );
        expect(results.map((r) => r.scenario).sort()).toEqual([...SCENARIOS].sort());
        for (const r of results) expect(r.rows.length).toBeGreaterThan(0);
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    },
    15 * 60_000,
  );
});
