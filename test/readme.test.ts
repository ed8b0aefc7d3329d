// README.md stays true: it shows the test command CI runs, and its table of
// environment variables is exactly what src/config.ts reads.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { withTable } from '../scripts/env-table.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  scripts: Record<string, string>;
};

describe('README.md', () => {
  it('shows the commands that set up, run and test vnfm', () => {
    expect(readme).toContain('npm install && npm run dev');
    expect(readme).toContain('npm test');
    expect(readFileSync(new URL('../.ci/run', import.meta.url), 'utf8')).toMatch(/^npm test$/m);
  });

  it('lists every environment variable with its default (run `npm run docs:env` to refresh)', () => {
    // Prettier aligns the table's columns; compare cell by cell.
    const norm = (s: string) => s.replace(/ +/g, ' ').replace(/-{3,}/g, '---');
    expect(norm(readme)).toBe(norm(withTable(readme)));
  });

  it('mentions only npm scripts that exist', () => {
    for (const m of readme.matchAll(/npm run ([a-z:-]+)/g)) expect(pkg.scripts, m[0]).toHaveProperty(m[1]!);
  });
});
