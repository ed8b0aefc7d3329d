// Property test: random mutations of the sample VNFDs — as objects and as
// text — never make parseVnfd throw; it always answers ok with a storable
// ParsedVnfd, or errors that each have a path and a message. Seeded, so a
// failure is reproducible: VNFD_FUZZ_SEED=<seed> VNFD_FUZZ_RUNS=<n> to explore.
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { parseVnfd, type ParseVnfdResult } from '../../src/vnfd/parse.js';
import { monitoringPolicyAttribute } from '../../src/vnfd/tacker-attributes.js';
import { sample, sampleNames, type Json } from './build.js';
import { mulberry32 as prng } from '../helpers/prng.js';

const BASE_SEED = Number(process.env.VNFD_FUZZ_SEED ?? 20240601);
const RUNS = Number(process.env.VNFD_FUZZ_RUNS ?? 300);

class Mutator {
  constructor(readonly rand: () => number) {}
  int = (n: number): number => Math.floor(this.rand() * n);
  pick = <T>(items: readonly T[]): T => items[this.int(items.length)]!;

  string(): string {
    const alphabet = 'abcXYZ019_-. :/\\"\'\n\t{}[]&*!#%@|>é\u0000\u2028😀';
    return Array.from({ length: this.int(12) }, () => alphabet[this.int(alphabet.length)]).join('');
  }

  key(): string {
    return this.pick([
      '__proto__',
      'constructor',
      'toString',
      'type',
      'properties',
      'node',
      'VDU1',
      'name',
      this.string(),
    ]);
  }

  value(): unknown {
    const makers: (() => unknown)[] = [
      () => null,
      () => this.rand() < 0.5,
      () => this.pick([0, -1, 1, 2, 1.5, 65536, 1e300, -0, Number.MAX_SAFE_INTEGER + 2, NaN, Infinity]),
      () => this.string(),
      () => this.pick(['', ' ', '1', '-3', '0x10', '1e3', 'yes', 'true', 'null', '~']),
      () => this.pick(['VDU1', 'VDU2', 'CP1', 'VL1', 'SP1', 'nowhere', '__proto__']),
      () => this.pick(['ping', 'http_ping', 'http-ping', 'respawn', 'log', 'log_and_kill', 'vdu_autoheal']),
      () => this.pick(['tosca.nodes.nfv.VDU.Tacker', 'tosca.nodes.nfv.CP.Tacker', 'tosca.nodes.nfv.VL']),
      () => this.pick(['tosca.policies.tacker.Scaling', 'tosca.policies.tacker.Alarming']),
      () => [],
      () => ({}),
      () => [this.string(), this.int(5)],
      () => ({ node: this.pick(['VDU1', 'VL1', 'CP1', this.string()]) }),
      () => ({ get_input: 'x' }),
      () => ({ [this.key()]: this.value() }),
    ];
    return this.pick(makers)();
  }

  /** Every [container, key] in the tree, for choosing where to mutate. */
  slots(root: Json): [Json, string | number][] {
    const out: [Json, string | number][] = [];
    const walk = (v: unknown, depth: number) => {
      if (depth > 12 || typeof v !== 'object' || v === null) return;
      const entries: [string | number, unknown][] = Array.isArray(v)
        ? v.map((x, i) => [i, x])
        : Object.entries(v);
      for (const [k, x] of entries) {
        out.push([v, k]);
        walk(x, depth + 1);
      }
    };
    walk(root, 0);
    return out;
  }

  mutateObject(root: Json): string {
    const slots = this.slots(root);
    if (!slots.length) return 'empty';
    const [container, key] = this.pick(slots);
    const set = (k: string | number, v: unknown) =>
      Object.defineProperty(container, k, { value: v, enumerable: true, writable: true, configurable: true });
    switch (this.int(6)) {
      case 0:
        if (Array.isArray(container)) container.splice(key as number, 1);
        else delete container[key];
        return `drop ${key}`;
      case 1:
        set(key, this.value());
        return `set ${key}`;
      case 2: {
        const v = container[key];
        if (Array.isArray(container)) return 'rename in list (noop)';
        delete container[key];
        const k = this.key();
        set(k, v);
        return `rename ${key} -> ${k}`;
      }
      case 3: {
        const k = Array.isArray(container) ? container.length : this.key();
        set(k, this.value());
        return `add ${k}`;
      }
      case 4: {
        // Move a subtree somewhere else: right structure, wrong place.
        const [other, otherKey] = this.pick(slots);
        set(key, structuredClone(other[otherKey]));
        return `copy ${otherKey} to ${key}`;
      }
      default: {
        const v = container[key];
        set(key, Array.isArray(v) ? v.concat(v) : [v]);
        return `listify ${key}`;
      }
    }
  }

  mutateText(text: string): string {
    const specials = [
      ':',
      '-',
      '[',
      ']',
      '{',
      '}',
      '&a',
      '*a',
      '!',
      '!!',
      '#',
      '\t',
      '\n',
      ' ',
      '  ',
      '"',
      "'",
      '|',
      '>',
      '%',
      '@',
      '`',
      '---',
      '? ',
      ',',
      '<<: *a',
    ];
    const lines = text.split('\n');
    switch (this.int(5)) {
      case 0: {
        const i = this.int(text.length + 1);
        return text.slice(0, i) + this.pick(specials) + text.slice(i);
      }
      case 1: {
        const i = this.int(text.length);
        return text.slice(0, i) + text.slice(i + 1 + this.int(4));
      }
      case 2: {
        const i = this.int(lines.length);
        lines.splice(i, 0, lines[this.int(lines.length)]!);
        return lines.join('\n');
      }
      case 3:
        lines.splice(this.int(lines.length), 1);
        return lines.join('\n');
      default: {
        const i = this.int(lines.length);
        lines[i] = lines[i]!.replace(
          /: .*$/,
          `: ${this.pick(['', '-1', '[]', '{}', 'x', '0', '!!str 5', '&b y', '*b'])}`,
        );
        return lines.join('\n');
      }
    }
  }
}

/** Why `r` is not a well-formed answer, if it is not. */
function problem(r: ParseVnfdResult): string | undefined {
  if (r.ok) {
    if (!r.parsed.vdus.length) return 'ok without VDUs';
    if (typeof r.yaml !== 'string') return 'ok without yaml';
    if (JSON.stringify(JSON.parse(JSON.stringify(r.parsed))) !== JSON.stringify(r.parsed))
      return 'parsed is not JSON-storable';
    const attr = monitoringPolicyAttribute(r.parsed);
    if (attr !== undefined) JSON.parse(attr);
    return undefined;
  }
  if (!r.errors.length) return 'refused without errors';
  for (const e of r.errors) {
    if (typeof e.path !== 'string' || typeof e.message !== 'string' || !e.message)
      return `malformed error ${JSON.stringify(e)}`;
    // parseVnfd's last-resort catch: an exception escaped the validators.
    if (e.message.startsWith('the VNFD could not be validated')) return e.message;
  }
  return undefined;
}

function attempt(run: () => ParseVnfdResult): string | undefined {
  try {
    return problem(run());
  } catch (err) {
    return `threw ${String(err)}`;
  }
}

describe('fuzz: mutated samples', () => {
  it.each(sampleNames())('%s: mutated objects (and their YAML) always give ok or errors', (name) => {
    const original = parseYaml(sample(name)) as Json;
    const failures: string[] = [];
    let refused = 0;
    for (let run = 0; run < RUNS; run++) {
      const seed = BASE_SEED + run;
      const m = new Mutator(prng(seed));
      const doc = structuredClone(original);
      const steps = Array.from({ length: 1 + m.int(4) }, () => m.mutateObject(doc));
      const fromObject = attempt(() => parseVnfd(doc));
      if (fromObject) failures.push(`seed ${seed} [${steps.join('; ')}] object: ${fromObject}`);
      let text: string | undefined;
      try {
        text = stringify(doc, { aliasDuplicateObjects: false });
      } catch {
        // Some mutations (e.g. a __proto__ key) are not YAML-serialisable; the object path covers them.
      }
      if (text !== undefined) {
        const fromText = attempt(() => parseVnfd(text));
        if (fromText) failures.push(`seed ${seed} [${steps.join('; ')}] text: ${fromText}`);
      }
      if (!parseVnfd(doc).ok) refused++;
    }
    expect(failures).toEqual([]);
    // The mutations must actually exercise the error paths.
    expect(refused).toBeGreaterThan(RUNS / 4);
  });

  it.each(sampleNames())('%s: mutated YAML text always gives ok or errors', (name) => {
    const original = sample(name);
    const failures: string[] = [];
    for (let run = 0; run < RUNS; run++) {
      const seed = BASE_SEED + run;
      const m = new Mutator(prng(seed));
      let text = original;
      const n = 1 + m.int(3);
      for (let i = 0; i < n; i++) text = m.mutateText(text);
      const p = attempt(() => parseVnfd(text));
      if (p) failures.push(`seed ${seed}: ${p}\n${text}`);
    }
    expect(failures).toEqual([]);
  });
});
