// Machine-readable results: one JSON file per scenario run,
// bench/results/<date>-<scenario>-<key>.json, which BENCHMARKS.md is built from.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Machine } from './machine.js';

export const RESULTS_DIR = fileURLToPath(new URL('./results', import.meta.url));

export type ScenarioName = 'fleet' | 'detection' | 'control' | 'api' | 'probe-cost' | 'rolling' | 'storm';

/** One line of a scenario's table. `met` is set when the line has a target. */
export interface Row {
  metric: string;
  value: string;
  target?: string;
  met?: boolean;
}

export interface Result {
  scenario: ScenarioName;
  /** Distinguishes runs of one scenario in its table (e.g. "N=5000"). */
  key: string;
  command: string;
  params: Record<string, unknown>;
  startedAt: string;
  finishedAt: string;
  machine: Machine;
  /** Busy share of all CPUs just before the run started (other work on the machine). */
  busyBefore: number;
  smoke: boolean;
  rows: Row[];
  /** Everything measured, for later analysis. */
  figures: Record<string, unknown>;
  notes: string[];
}

export function writeResult(r: Result, dir = RESULTS_DIR): string {
  mkdirSync(dir, { recursive: true });
  const date = r.startedAt.slice(0, 10);
  const file = join(dir, `${date}-${r.scenario}-${r.key.replace(/[^A-Za-z0-9.=-]+/g, '_')}.json`);
  writeFileSync(file, JSON.stringify(r, null, 2) + '\n');
  return file;
}

// Formatting helpers shared by the scenarios.
export const fmt = (v: number | undefined, digits = 1, unit = ''): string =>
  v === undefined || !Number.isFinite(v) ? 'n/a' : `${v.toFixed(digits)}${unit ? ` ${unit}` : ''}`;

export const int = (v: number | undefined): string =>
  v === undefined || !Number.isFinite(v) ? 'n/a' : Math.round(v).toLocaleString('en-US');
