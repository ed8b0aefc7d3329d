// VNFDs and helpers shared by the API and CLI tests.
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { TestTenant } from '../helpers/api.js';

const sample = (name: string) =>
  readFileSync(new URL(`../fixtures/vnfd/${name}.yaml`, import.meta.url), 'utf8');

/** One VDU watched by ping, scalable 1..3 (policy SP1). */
export const SCALING_VNFD = sample('vnfd-ping-scaling');

/** Two VDUs, each with its own policy; neither is scaled. */
export const TWO_VDUS_VNFD = sample('vnfd-two-vdus');

/** A VDU starting with two instances (default_instances 2, range 1..4). */
export const TWO_INSTANCES_VNFD = SCALING_VNFD.replace('max_instances: 3', 'max_instances: 4').replace(
  'default_instances: 1',
  'default_instances: 2',
);

export async function onboardVnfd(t: TestTenant, template: string | object = SCALING_VNFD, name = 'vnfd') {
  const res = await t.http.post('/v1.0/vnfds', { vnfd: { name, attributes: { vnfd: template } } });
  if (res.status !== 201) throw new Error(`onboarding failed: ${res.status} ${res.text}`);
  return res.body.vnfd as { id: string; name: string };
}

export async function staticVim(
  t: TestTenant,
  opts: { name?: string; cidrs?: string[]; isDefault?: boolean } = {},
) {
  const res = await t.http.post('/v1.0/vims', {
    vim: {
      name: opts.name ?? 'static',
      type: 'static',
      allowed_cidrs: opts.cidrs ?? ['192.0.2.0/24'],
      ...(opts.isDefault !== undefined ? { is_default: opts.isDefault } : {}),
    },
  });
  if (res.status !== 201) throw new Error(`VIM registration failed: ${res.status} ${res.text}`);
  return res.body.vim as { id: string; is_default: boolean };
}

/**
 * A netns VIM row with a pool and bridge no other test uses (the API only
 * records it; nothing is set up on the host until a VNF is created on it).
 */
export async function netnsVim(t: TestTenant, name = 'netns') {
  for (let attempt = 0; ; attempt++) {
    const n = randomInt(0, 16384);
    const res = await t.http.post('/v1.0/vims', {
      vim: {
        name,
        type: 'netns',
        bridge: `vt${n.toString(16)}`,
        pool: `100.${64 + (n >> 8)}.${n & 255}.0/24`,
      },
    });
    if (res.status === 201) return res.body.vim as { id: string; pool: string; bridge: string };
    if (res.status !== 409 || attempt > 5)
      throw new Error(`VIM registration failed: ${res.status} ${res.text}`);
  }
}
