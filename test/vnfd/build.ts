// Builders for VNFD test inputs: the project's sample VNFDs and a minimal
// monitored VNFD to mutate one field at a time.
import { readdirSync, readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { parseVnfd } from '../../src/vnfd/parse.js';
import type { VnfdError } from '../../src/vnfd/errors.js';
import type { ParsedVnfd } from '../../src/vnfd/types.js';

const FIXTURES = new URL('../fixtures/vnfd/', import.meta.url);

export const sampleNames = (): string[] => readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml'));
export const sample = (name: string): string => readFileSync(new URL(name, FIXTURES), 'utf8');

export const VDU = 'tosca.nodes.nfv.VDU.Tacker';
export const CP = 'tosca.nodes.nfv.CP.Tacker';
export const VL = 'tosca.nodes.nfv.VL';
export const NODES = 'topology_template.node_templates';

// Test inputs are free-form on purpose.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/** One VDU monitored by ping with Tacker's defaults, its management CP and a VL. */
export function minimalVnfd(policy: Json = { name: 'ping', actions: { failure: 'respawn' } }): Json {
  return {
    tosca_definitions_version: 'tosca_simple_profile_for_nfv_1_0_0',
    topology_template: {
      node_templates: {
        VDU1: { type: VDU, properties: { image: 'img', monitoring_policy: policy } },
        CP1: {
          type: CP,
          properties: { management: true },
          requirements: [{ virtualLink: { node: 'VL1' } }, { virtualBinding: { node: 'VDU1' } }],
        },
        VL1: { type: VL, properties: { network_name: 'net_mgmt' } },
      },
    },
  };
}

/** minimalVnfd with `change` applied to a copy. */
export function vnfdWith(change: (v: Json) => void, base: Json = minimalVnfd()): Json {
  const copy = structuredClone(base);
  change(copy);
  return copy;
}

export function parsedOf(input: string | object): ParsedVnfd {
  const r = parseVnfd(input);
  if (!r.ok)
    throw new Error(
      `expected a valid VNFD, got:\n${r.errors.map((e) => `${e.path}: ${e.message}`).join('\n')}`,
    );
  return r.parsed;
}

export function errorsOf(input: string | object): VnfdError[] {
  const r = parseVnfd(input);
  expect(r.ok, 'expected the VNFD to be refused').toBe(false);
  return r.ok ? [] : r.errors;
}

/** Asserts an error at exactly `path` whose message contains `message`. */
export function expectError(input: string | object, path: string, message: string | RegExp): VnfdError[] {
  const errors = errorsOf(input);
  const hit = errors.find(
    (e) =>
      e.path === path &&
      (typeof message === 'string' ? e.message.includes(message) : message.test(e.message)),
  );
  expect(
    hit,
    `no error at ${path} matching ${String(message)}; got:\n${errors.map((e) => `${e.path}: ${e.message}`).join('\n')}`,
  ).toBeDefined();
  return errors;
}
