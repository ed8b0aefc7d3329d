// The VNF view written as JSON text (src/api/serializers/vnf-json.ts) against
// JSON.stringify of the view object, over seeded random records: stored
// attributes and placement that already hold the key the view adds, keys
// JSON orders first (integer-like), non-ASCII and escapes, nulls, non-objects.
import { describe, expect, it } from 'vitest';
import { vnfView } from '../../src/api/serializers/vnf.js';
import { listJson, vnfJson } from '../../src/api/serializers/vnf-json.js';
import type { VnfViewSource } from '../../src/api/vnf-reads.js';
import { vnfdFacts, type VnfdFacts } from '../../src/api/vnfd-facts.js';
import { parseVnfd } from '../../src/vnfd/parse.js';
import { sampleTemplate } from '../helpers/fixtures.js';
import { mulberry32 as rng } from '../helpers/prng.js';

const SEED = Number(process.env.PROPERTY_SEED ?? Math.floor(Math.random() * 2 ** 31));

const KEYS = [
  'monitoring_policy',
  'vim_name',
  'param_values',
  'config',
  '1',
  '0',
  'zé',
  '__proto__',
  'a"b',
  '',
];
const STRINGS = [
  '',
  'x',
  'ü→€',
  'quote " back \\ slash',
  'line\nbreak\t',
  '\u2028',
  '\ud83d\ude00',
  '</script>',
];

function facts(sample: Parameters<typeof sampleTemplate>[0]): VnfdFacts {
  const parsed = parseVnfd(sampleTemplate(sample));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return vnfdFacts(parsed.parsed);
}

describe('the VNF view as JSON text', () => {
  const kinds = [
    facts('vnfd-ping-scaling'),
    facts('vnfd-two-vdus'),
    facts('vnfd-http-ping-log'),
    { scaledVdus: new Set<string>() },
  ];

  it(`is JSON.stringify of the view for 3000 random records (seed ${SEED})`, () => {
    const r = rng(SEED);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    const value = (depth: number): unknown => {
      const k = r();
      if (depth > 2 || k < 0.3) return pick(STRINGS);
      if (k < 0.4) return Math.floor(r() * 1e6) / (r() < 0.5 ? 1 : 7);
      if (k < 0.5) return pick([true, false, null]);
      if (k < 0.65) return Array.from({ length: Math.floor(r() * 3) }, () => value(depth + 1));
      return object(depth + 1);
    };
    const object = (depth: number) => {
      // JSON.parse, as the database driver gives it (own __proto__ keys included).
      const o: Record<string, unknown> = JSON.parse('{}');
      for (let i = Math.floor(r() * 4); i > 0; i--)
        Object.defineProperty(o, pick(KEYS), {
          value: value(depth),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      return o;
    };
    const stored = () => {
      const k = r();
      if (k < 0.1) return null;
      if (k < 0.13) return pick([[1, 2], 'text', 3]);
      return object(0);
    };
    const vdus = ['VDU1', 'VDU2', 'CP1'];
    for (let i = 0; i < 3000; i++) {
      const vnf: VnfViewSource = {
        id: `0000000${i}-aaaa-bbbb-cccc-dddddddddddd`,
        tenantId: 'tttttttt-aaaa-bbbb-cccc-dddddddddddd',
        name: pick(STRINGS),
        description: pick(STRINGS),
        vnfdId: 'vvvvvvvv',
        vimId: 'mmmmmmmm',
        status: pick(['ACTIVE', 'ERROR', 'PENDING_CREATE', 'DEAD']),
        errorReason: r() < 0.5 ? null : pick(STRINGS),
        attributes: stored(),
        placementAttr: stored(),
        createdAt: new Date(1_700_000_000_000 + Math.floor(r() * 1e10)),
        updatedAt: new Date(1_700_000_000_000 + Math.floor(r() * 1e10)),
        vimName: pick(STRINGS),
        instances: Array.from({ length: Math.floor(r() * 4) }, (_, j) => [
          pick(vdus),
          r() < 0.2 ? null : `10.0.0.${j + 1}`,
        ]),
      };
      const f = pick(kinds);
      expect(vnfJson(vnf, f), `seed ${SEED}, record ${i}`).toBe(JSON.stringify(vnfView(vnf, f)));
    }
  });

  it('writes a page with and without its next link', () => {
    const f = kinds[1]!;
    const vnf = (id: string): VnfViewSource => ({
      id,
      tenantId: 't',
      name: id,
      description: '',
      vnfdId: 'd',
      vimId: 'm',
      status: 'ACTIVE',
      errorReason: null,
      attributes: { param_values: {} },
      placementAttr: {},
      createdAt: new Date(0),
      updatedAt: new Date(1),
      vimName: 'v',
      instances: [['VDU1', '10.0.0.1']],
    });
    const known = new Map([['d', f]]);
    for (const vnfs of [[], [vnf('a')], [vnf('a'), vnf('b')]])
      for (const links of [{}, { vnfs_links: [{ rel: 'next', href: 'http://h/v1.0/vnfs?marker=b' }] }])
        expect(
          String(
            listJson(
              'vnfs',
              vnfs.map((v) => Buffer.from(vnfJson(v, known.get(v.vnfdId)!))),
              links,
            ),
          ),
        ).toBe(JSON.stringify({ vnfs: vnfs.map((v) => vnfView(v, f)), ...links }));
  });
});
