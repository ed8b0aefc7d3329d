// BENCHMARKS.md from bench/results/*.json: per scenario, the newest result of
// each key (N) becomes a column of the scenario's table, with the exact
// commands, the machine and its load. Hand-written analysis between
// <!-- keep:NAME --> and <!-- /keep:NAME --> markers survives regeneration.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { RESULTS_DIR, type Result, type Row, type ScenarioName } from './results.js';

export const BENCHMARKS_MD = fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url));

const TITLES: Record<ScenarioName, string> = {
  fleet: '1. Fleet scale',
  detection: '2. Detection latency',
  control: '3. Control latency',
  api: '4. API under monitoring load',
  'probe-cost': '5. Cost per probe vs blackbox_exporter',
  rolling: '6. Rolling restart of a Temporal cluster and of vnfm under load',
  storm: '7. Storm: the manager’s own blip (healing safety)',
};

const ORDER: ScenarioName[] = ['fleet', 'detection', 'control', 'api', 'probe-cost', 'rolling', 'storm'];

export function loadResults(dir = RESULTS_DIR): Result[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Result)
    .filter((r) => !r.smoke);
}

/** The newest result per key, ordered by the key's number (N). */
function newestPerKey(results: Result[]): Result[] {
  const by = new Map<string, Result>();
  for (const r of results) {
    const cur = by.get(r.key);
    if (!cur || cur.startedAt < r.startedAt) by.set(r.key, r);
  }
  const n = (k: string) => Number(/\d+/.exec(k)?.[0] ?? 0);
  return [...by.values()].sort((a, b) => n(a.key) - n(b.key) || a.key.localeCompare(b.key));
}

const cell = (r: Row | undefined) =>
  !r ? '—' : `${r.value}${r.met === undefined ? '' : r.met ? ' ✅' : ' ❌'}`.replace(/\|/g, '\\|');

function label(r: Result): string {
  const p = r.params;
  if (r.scenario === 'probe-cost') return `${p.targets} targets (${p.engine})`;
  const n = `N = ${Number(p.vnfs).toLocaleString('en-US')}`;
  const cache = p.monitorCachedWorkflows
    ? `, monitor cache ${Number(p.monitorCachedWorkflows).toLocaleString('en-US')}`
    : '';
  return `${n}${cache}${p.temporal === 'cluster' ? ', Temporal cluster' : ''}`;
}

function table(results: Result[], extra: Row[][] = []): string {
  const metrics: string[] = [];
  const targets = new Map<string, string>();
  for (const r of results)
    for (const row of r.rows) {
      if (!metrics.includes(row.metric)) metrics.push(row.metric);
      if (row.target) targets.set(row.metric, row.target);
    }
  for (const rows of extra)
    for (const row of rows) {
      if (!metrics.includes(row.metric)) metrics.push(row.metric);
      if (row.target) targets.set(row.metric, row.target);
    }
  const head = `| metric | ${results.map(label).join(' | ')} | target |`;
  const sep = `| --- | ${results.map(() => '---').join(' | ')} | --- |`;
  const lines = metrics.map((m) => {
    const cells = results.map((r, i) =>
      cell(r.rows.find((x) => x.metric === m) ?? extra[i]?.find((x) => x.metric === m)),
    );
    return `| ${m.replace(/\|/g, '\\|')} | ${cells.join(' | ')} | ${targets.get(m) ?? ''} |`;
  });
  return [head, sep, ...lines].join('\n');
}

function machineLine(r: Result): string {
  const m = r.machine;
  return `${m.cores} cores (${m.cpuModel}), ${m.memGiB} GiB RAM, Linux ${m.kernel}, Node ${m.node}`;
}

function runsList(results: Result[]): string {
  return results
    .map(
      (r) =>
        `- \`${r.command}\` — ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC, ${machineLine(r)}; ` +
        `machine ${Math.round(r.busyBefore * 100)} % busy before the run, load ${r.machine.load.join(' / ')} after` +
        (r.notes.length ? `; ${r.notes.join('; ')}` : ''),
    )
    .join('\n');
}

/** Detection: the N = largest p99 against 1.2 × the N = 100 p99 (issue 7). */
function detectionCross(results: Result[]): Row[][] {
  const small = results.find((r) => r.params.vnfs === 100);
  return results.map((r) => {
    const p99 = (r.figures.latency as { p99?: number } | undefined)?.p99;
    const base = (small?.figures.latency as { p99?: number } | undefined)?.p99;
    if (!small || r === small || p99 === undefined || base === undefined) return [];
    return [
      {
        metric: 'p99 against 1.2 × the N = 100 p99',
        value: `${(p99 / 1000).toFixed(1)} s vs ${((1.2 * base) / 1000).toFixed(1)} s (${(p99 / base).toFixed(2)}×)`,
        target: '≤ 1.2×',
        met: p99 <= 1.2 * base,
      },
    ];
  });
}

function kept(old: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of old.matchAll(/<!-- keep:([a-z-]+) -->\n([\s\S]*?)<!-- \/keep:\1 -->/g))
    out.set(m[1]!, m[2]!);
  return out;
}

function keep(blocks: Map<string, string>, name: string, placeholder: string): string {
  return `<!-- keep:${name} -->\n${blocks.get(name) ?? `${placeholder}\n`}<!-- /keep:${name} -->`;
}

export function renderBenchmarks(results: Result[], old = ''): string {
  const blocks = kept(old);
  const parts: string[] = [
    '# Benchmarks',
    '',
    '<!-- Generated by `npm run bench` (bench/report.ts) from bench/results/*.json; edit only inside keep blocks. -->',
    '',
    keep(blocks, 'intro', '_How the benchmark works._'),
    '',
  ];
  for (const s of ORDER) {
    const rs = newestPerKey(results.filter((r) => r.scenario === s));
    parts.push(`## ${TITLES[s]}`, '');
    if (!rs.length) parts.push(`_No results yet: \`npm run bench -- ${s}\`._`, '');
    else {
      parts.push(table(rs, s === 'detection' ? detectionCross(rs) : []), '', 'Runs:', '', runsList(rs), '');
    }
    parts.push(keep(blocks, s, '_Analysis._'), '');
  }
  parts.push(keep(blocks, 'outro', '_Scaling past one machine._'), '');
  return parts.join('\n');
}

/** Regenerates BENCHMARKS.md (formatted by the project's prettier settings, so a regeneration is a clean diff). */
export async function writeBenchmarksMd(dir = RESULTS_DIR, file = BENCHMARKS_MD): Promise<string> {
  const old = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const options = (await prettier.resolveConfig(file)) ?? {};
  writeFileSync(
    file,
    await prettier.format(renderBenchmarks(loadResults(dir), old), { ...options, filepath: file }),
  );
  return file;
}
