// Property test of the monitor's state machine: thousands of random event
// sequences against a simulated world (machine-sim.ts) per run, each checked
// step by step and once the world has been quiet long enough. The base seed
// is random unless PROPERTY_SEED is set; a failure prints the seed that
// reproduces it (PROPERTY_SEED=<seed> PROPERTY_RUNS=1 npx vitest run test/monitor/machine.property.test.ts).
import { describe, expect, it } from 'vitest';
import { TRANSITIONS } from '../../src/workflows/monitor/machine.js';
import { Sim, type Violation } from './machine-sim.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 2000);
const BASE = Number(process.env.PROPERTY_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** One random history, its invariants checked; a violation names the seed that reproduces it. */
function play(seed: number): Sim {
  const sim = new Sim(seed);
  try {
    sim.play(40 + (seed % 60));
  } catch (err) {
    const v = (err as { violation?: Violation }).violation;
    if (!v) throw new Error(`seed ${seed}: ${(err as Error).message}`, { cause: err });
    throw new Error(
      `invariant broken with seed ${v.seed} (reproduce: PROPERTY_SEED=${v.seed} PROPERTY_RUNS=1): ${v.message}\n` +
        `last steps:\n  ${v.trace.join('\n  ')}`,
      { cause: err },
    );
  }
  return sim;
}

const RARE_TRANSITION_SEEDS = [68672, 93150];

describe('monitor state machine (property)', () => {
  it(`${RUNS} random histories from seed ${BASE} keep every invariant`, { timeout: 900_000 }, () => {
    let steps = 0;
    let actions = 0;
    let continued = 0;
    let abandoned = 0;
    let rechecks = 0;
    const observed = new Set<string>();
    for (let i = 0; i < RUNS; i++) {
      const sim = play((BASE + i) >>> 0);
      steps += sim.trace.length;
      actions += sim.usedEpisodes.size;
      continued += sim.runs - 1;
      abandoned += sim.abandoned;
      rechecks += sim.rechecks;
      for (const p of sim.observed) observed.add(p);
    }
    // The generator must reach the interesting places, or the test proves little.
    expect(actions).toBeGreaterThan(RUNS);
    expect(continued).toBeGreaterThan(RUNS / 10);
    expect(steps).toBeGreaterThan(RUNS * 20);
    expect(abandoned).toBeGreaterThan(RUNS / 20);
    expect(rechecks).toBeGreaterThan(RUNS / 20);
    // Every transition the state diagram draws happens somewhere (none is dead weight).
    // The rarest (HELD->WAITING_DELAY) shows up about once in 1,250 histories, so
    // 2,000 random ones miss it one time in five; keep drawing histories — each still
    // checked — until every transition has happened, within a cap that only a
    // transition no history can reach exhausts.
    if (RUNS >= 1000) {
      // Rarer still: seeds known to reach them (a run continued as new just before a deferred
      // action fell due starts with that action: found by CI; seeds 68672 and 93150 since the simulator models the shell's stop grace).
      for (const seed of RARE_TRANSITION_SEEDS) for (const p of play(seed).observed) observed.add(p);
      const missing = () => TRANSITIONS.map(([a, b]) => `${a}->${b}`).filter((p) => !observed.has(p));
      for (let i = RUNS; i < RUNS + 40_000 && missing().length > 0; i++) {
        const sim = play((BASE + i) >>> 0);
        for (const p of sim.observed) observed.add(p);
      }
      expect(missing()).toEqual([]);
    }
  });
});
