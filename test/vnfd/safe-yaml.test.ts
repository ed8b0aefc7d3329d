// Hostile or malformed input is refused quickly with a clear error: YAML
// bombs, custom tags, duplicate keys, oversized and deeply nested input.
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseVnfd } from '../../src/vnfd/parse.js';
import { VNFD_LIMITS } from '../../src/vnfd/safe-yaml.js';
import { errorsOf, expectError, minimalVnfd, sample, type Json } from './build.js';

/** Runs parseVnfd, asserting it answers within `ms`. */
function timedErrors(input: string | object, ms = 500) {
  const t0 = performance.now();
  const errors = errorsOf(input);
  expect(performance.now() - t0).toBeLessThan(ms);
  return errors;
}

const valid = sample('vnfd-ping-respawn.yaml');

describe('YAML bombs', () => {
  it('billion laughs is refused, fast', () => {
    const lines = ['lol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let i = 1; i < 10; i++)
      lines.push(
        `lol${i}: &l${i} [${Array(9)
          .fill(`*l${i - 1}`)
          .join(', ')}]`,
      );
    const bomb = `${valid}\n${lines.join('\n')}\n`;
    const errors = timedErrors(bomb);
    expect(errors).toEqual([{ path: '', message: expect.stringContaining('billion laughs') }]);
  });

  it('a handful of aliases is fine', () => {
    const text = valid.replace('image: any-image', 'image: &img any-image\n        flavor: *img');
    expect(parseVnfd(text).ok).toBe(true);
  });

  it('an alias to a missing anchor is an error', () => {
    expect(errorsOf(valid.replace('image: any-image', 'image: *nowhere'))[0]?.message).toMatch(
      /alias|anchor/i,
    );
  });
});

describe('tags', () => {
  it.each([
    ['!!js/function', 'image: !!js/function "function () { return 1 }"', '!!js/function'],
    ['!!js/undefined', 'image: !!js/undefined ""', '!!js/undefined'],
    ['!!python/object', 'image: !!python/object:os.system ls', '!!python/object:os.system'],
    ['a local tag', 'image: !custom any-image', '!custom'],
    ['!!binary (YAML 1.1)', 'image: !!binary aGVsbG8=', '!!binary'],
    ['!!timestamp (YAML 1.1)', 'image: !!timestamp 2001-12-14', '!!timestamp'],
    ['!!set (YAML 1.1)', 'image: !!set {a}', '!!set'],
  ])('%s is an error with its position, not ignored', (_, line, tag) => {
    const errors = timedErrors(valid.replace('image: any-image', line));
    expect(errors[0]).toMatchObject({ path: '', line: 10, column: 16 });
    expect(errors[0]?.message).toContain(`YAML tag ${tag} is not allowed`);
  });

  it('core tags are fine', () => {
    expect(parseVnfd(valid.replace('image: any-image', 'image: !!str any-image')).ok).toBe(true);
  });
});

describe('syntax', () => {
  it('duplicate keys are refused, with line and column', () => {
    const errors = timedErrors(valid.replace('image: any-image', 'image: any-image\n        image: other'));
    expect(errors).toEqual([
      { path: '', message: 'duplicate key "image" (line 11, column 9)', line: 11, column: 9 },
    ]);
  });

  it('syntax errors give line and column', () => {
    const errors = errorsOf('tosca_definitions_version: x\ntopology_template:\n  a: 1\n b: 2\n');
    expect(errors[0]).toMatchObject({ path: '', line: 4, column: 1 });
    expect(errors[0]?.message).toMatch(/^YAML syntax error: .* \(line 4, column 1\)$/);
    expect(errorsOf('a: [1, 2\n')[0]?.message).toMatch(/^YAML syntax error/);
    expect(errorsOf('a:\n\tb: 1\n')[0]?.message).toMatch(/Tabs/);
  });

  it('one document only', () => {
    expect(errorsOf(`${valid}---\na: 1\n`)[0]?.message).toMatch(/multiple documents/);
  });

  it('complex or empty keys are refused', () => {
    expect(errorsOf(`${valid}? [a, b]\n: 1\n`)[0]?.message).toMatch(/mapping keys must be plain scalars/);
    expect(errorsOf(`${valid}: 1\n`)[0]).toMatchObject({ line: valid.split('\n').length, column: 1 });
  });

  it('YAML 1.1 booleans are strings (core schema), so the mistake is reported, not guessed', () => {
    expectError(
      valid.replace('management: true', 'management: yes'),
      'topology_template.node_templates.CP1.properties.management',
      'must be true or false (got the string "yes"; YAML 1.2 reads it as a string)',
    );
  });
});

describe('size and depth bounds', () => {
  it('text over 256 KiB is refused before parsing', () => {
    const huge = `${valid}description2: "${'x'.repeat(VNFD_LIMITS.maxBytes)}"\n`;
    expect(timedErrors(huge)).toEqual([
      { path: '', message: expect.stringMatching(/bytes; the limit is 262144 \(256 KiB\)/) },
    ]);
  });

  it('the bound counts UTF-8 bytes', () => {
    const text = `${valid}x: "${'é'.repeat(VNFD_LIMITS.maxBytes / 2)}"\n`;
    expect(text.length).toBeLessThan(VNFD_LIMITS.maxBytes * 1.01);
    expect(timedErrors(text)[0]?.message).toMatch(/the limit is 262144/);
  });

  it('deeply nested flow collections are refused fast (yaml would take seconds)', () => {
    const n = 100_000;
    expect(timedErrors(`a: ${'['.repeat(n)}${']'.repeat(n)}\n`)[0]?.message).toMatch(
      /nests \[ or \{ more than 64 levels/,
    );
    expect(timedErrors(`${'{a: '.repeat(50_000)}1${'}'.repeat(50_000)}`)[0]?.message).toMatch(
      /more than 64 levels/,
    );
  });

  it('deeply nested block mappings are refused', () => {
    let text = valid;
    for (let i = 0; i < 200; i++) text += `${' '.repeat(i)}k:\n`;
    expect(timedErrors(text)).toEqual([
      { path: expect.stringMatching(/^k(\.k)+$/), message: 'nested deeper than 32 levels' },
    ]);
  });

  it('too many lines and commas are refused before parsing (yaml slows down superlinearly)', () => {
    const list = `${valid}big: [${Array(6000).fill(1).join(',')}]\n`;
    expect(timedErrors(list)).toEqual([
      { path: '', message: expect.stringMatching(/more than 5000 lines and commas/) },
    ]);
    const lines = `${valid}${Array.from({ length: 6000 }, (_, i) => `k${i}: v`).join('\n')}\n`;
    expect(timedErrors(lines)[0]?.message).toMatch(/more than 5000 lines and commas/);
    expect(timedErrors(lines.replaceAll('\n', '\r'))[0]?.message).toMatch(/more than 5000 lines and commas/);
  });

  it('too many values are refused', () => {
    const lists = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`l${i}`, Array(900).fill(1)]));
    expect(timedErrors({ ...minimalVnfd(), ...lists })).toEqual([
      { path: '', message: 'the VNFD has more than 10000 values' },
    ]);
  });

  it('thousands of YAML errors are reported as the first ten and a count, fast', () => {
    const broken = Array.from({ length: 4000 }, () => '- : : : ] }').join('\n');
    const errors = timedErrors(broken, 1000);
    expect(errors).toHaveLength(11);
    expect(errors[10]?.message).toMatch(/^… and \d+ more$/);
    const tags = `a: [${Array.from({ length: 4000 }, (_, i) => `!t${i} x`).join(',')}]`;
    expect(timedErrors(tags, 1000)[10]?.message).toBe('… and 3990 more');
  });

  it('objects: depth, cycles, list length, total size', () => {
    let deep: Json = { x: 1 };
    for (let i = 0; i < 100; i++) deep = { d: deep };
    expect(timedErrors({ ...minimalVnfd(), deep })[0]?.message).toBe('nested deeper than 32 levels');

    const cyclic: Json = minimalVnfd();
    cyclic.topology_template.self = cyclic;
    expect(timedErrors(cyclic)[0]?.message).toBe('nested deeper than 32 levels');

    expectError(
      { ...minimalVnfd(), big: Array(5000).fill(1) },
      'big',
      'list of 5000 items; the limit is 1000',
    );
    expect(timedErrors({ ...minimalVnfd(), big: 'x'.repeat(300_000) })[0]?.message).toMatch(
      /the limit is 262144/,
    );
  });

  it('objects with non-data values are refused with the path', () => {
    expectError({ ...minimalVnfd(), f: () => 1 }, 'f', 'must be plain data (got function)');
    expectError(
      { ...minimalVnfd(), when: new Date() },
      'when',
      'must be plain data (got an instance of Date)',
    );
    expectError({ ...minimalVnfd(), m: new Map() }, 'm', 'must be plain data (got an instance of Map)');
    expectError({ ...minimalVnfd(), n: 10n }, 'n', 'must be plain data (got bigint)');
    expectError({ ...minimalVnfd(), list: [undefined] }, 'list[0]', 'must be plain data (got nothing)');
  });

  it('undefined properties are dropped, as JSON drops them', () => {
    expect(parseVnfd({ ...minimalVnfd(), description: undefined }).ok).toBe(true);
  });

  it('a throwing getter does not escape parseVnfd', () => {
    const evil = minimalVnfd();
    Object.defineProperty(evil, 'boom', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    expect(errorsOf(evil)[0]?.message).toMatch(/boom/);
  });
});

describe('prototype safety', () => {
  it('__proto__ keys in YAML stay keys and pollute nothing', () => {
    const text = valid.replace('image: any-image', 'image: any-image\n        __proto__: {polluted: true}');
    expect(parseVnfd(text).ok).toBe(true);
    expect(({} as Json).polluted).toBeUndefined();
  });

  it('__proto__ keys in objects (JSON.parse) are copied as keys', () => {
    const obj = JSON.parse(
      JSON.stringify(minimalVnfd()).replace('"image":"img"', '"image":"img","__proto__":{"x":1}'),
    );
    const r = parseVnfd(obj);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.yaml).toContain('__proto__');
  });
});

describe('odd inputs', () => {
  it.each([null, 42, true, [], ''])('%j gives errors, not an exception', (input) => {
    expect(errorsOf(input as unknown as object).length).toBeGreaterThan(0);
  });

  it('the object input comes back as plain YAML without anchors, even for shared objects', () => {
    const shared = { failure: 'respawn' };
    const v = minimalVnfd({ name: 'ping', actions: shared });
    v.topology_template.node_templates.VDU1.properties.other = shared;
    const r = parseVnfd(v);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.yaml).not.toMatch(/[&*]a\d/);
    if (r.ok) expect(r.yaml).toBe(stringify(v, { aliasDuplicateObjects: false }));
  });
});
