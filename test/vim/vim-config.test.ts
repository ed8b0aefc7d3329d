// VIM settings validation and the deterministic netns naming scheme. Pure.
import { describe, expect, it } from 'vitest';
import {
  bridgeMac,
  instanceMac,
  namespaceName,
  namespacePrefix,
  vethHostName,
} from '../../src/vim/netns-names.js';
import { parseStoredVimConfig, validateVimConfig, vimConflicts } from '../../src/vim/registry.js';

describe('validateVimConfig', () => {
  it('accepts a netns VIM and defaults allowedCidrs to the pool', () => {
    expect(validateVimConfig('netns', { bridge: 'vnfm0', pool: '10.210.0.0/24' })).toEqual({
      ok: true,
      config: { bridge: 'vnfm0', pool: '10.210.0.0/24', allowedCidrs: ['10.210.0.0/24'] },
    });
    expect(
      validateVimConfig('netns', {
        bridge: 'br-x_1',
        pool: '192.168.8.0/29',
        allowed_cidrs: ['192.168.8.0/29', '127.0.0.1/32'],
      }),
    ).toEqual({
      ok: true,
      config: { bridge: 'br-x_1', pool: '192.168.8.0/29', allowedCidrs: ['192.168.8.0/29', '127.0.0.1/32'] },
    });
  });

  it.each([
    [{ pool: '10.0.0.0/24' }, 'bridge', /required/],
    [{ bridge: 'a-very-long-bridge', pool: '10.0.0.0/24' }, 'bridge', /at most 14/],
    [{ bridge: 'br;rm', pool: '10.0.0.0/24' }, 'bridge', /letter/],
    [{ bridge: 'vh0123456789ab', pool: '10.0.0.0/24' }, 'bridge', /veth/],
    [{ bridge: 'br0' }, 'pool', /required/],
    [{ bridge: 'br0', pool: '10.0.0.0' }, 'pool', /not an IPv4 CIDR/],
    [{ bridge: 'br0', pool: '10.0.0.0/8' }, 'pool', /between \/16 and \/29/],
    [{ bridge: 'br0', pool: '10.0.0.0/30' }, 'pool', /between \/16 and \/29/],
    [{ bridge: 'br0', pool: '10.0.0.5/24' }, 'pool', /did you mean 10\.0\.0\.0\/24/],
    [{ bridge: 'br0', pool: '8.8.8.0/24' }, 'pool', /private/],
    [
      { bridge: 'br0', pool: '10.0.0.0/24', allowed_cidrs: ['10.0.0.0/24', 'x'] },
      'allowed_cidrs[1]',
      /not an IPv4 CIDR/,
    ],
    [{ bridge: 'br0', pool: '10.0.0.0/24', allowed_cidrs: '10.0.0.0/24' }, 'allowed_cidrs', /list/],
  ])('rejects netns %j at %s', (body, path, message) => {
    const r = validateVimConfig('netns', body);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors.map((e) => e.path)).toContain(path);
      expect(r.errors.find((e) => e.path === path)!.message).toMatch(message);
    }
  });

  it('validates static VIMs and unknown types', () => {
    expect(validateVimConfig('static', { allowed_cidrs: ['192.0.2.0/24'] })).toEqual({
      ok: true,
      config: { allowedCidrs: ['192.0.2.0/24'] },
    });
    expect(validateVimConfig('static', {})).toMatchObject({ ok: false, errors: [{ path: 'allowed_cidrs' }] });
    expect(validateVimConfig('openstack', {})).toMatchObject({ ok: false, errors: [{ path: 'type' }] });
  });

  it('reads stored (camelCase) configs', () => {
    expect(
      parseStoredVimConfig('netns', { bridge: 'br0', pool: '10.1.0.0/16', allowedCidrs: ['10.1.0.0/16'] }).ok,
    ).toBe(true);
    expect(parseStoredVimConfig('netns', null)).toMatchObject({ ok: false });
  });
});

describe('vimConflicts', () => {
  const existing = [
    { id: 'a', name: 'one', type: 'netns', config: { bridge: 'br0', pool: '10.1.0.0/24', allowedCidrs: [] } },
    { id: 's', type: 'static', config: { allowedCidrs: ['10.0.0.0/8'] } },
  ];
  it('refuses overlapping pools and shared bridges between netns VIMs', () => {
    const errs = vimConflicts(
      { type: 'netns', id: 'b', config: { bridge: 'br0', pool: '10.1.0.128/25' } },
      existing,
    );
    expect(errs.map((e) => e.path).sort()).toEqual(['bridge', 'pool']);
    expect(errs.find((e) => e.path === 'pool')!.message).toMatch(
      /overlaps pool 10\.1\.0\.0\/24 of VIM 'one'/,
    );
  });
  it('allows distinct VIMs, ignores the candidate itself and static VIMs', () => {
    expect(
      vimConflicts({ type: 'netns', id: 'b', config: { bridge: 'br1', pool: '10.1.1.0/24' } }, existing),
    ).toEqual([]);
    expect(
      vimConflicts({ type: 'netns', id: 'a', config: { bridge: 'br0', pool: '10.1.0.0/24' } }, existing),
    ).toEqual([]);
    expect(
      vimConflicts({ type: 'static', config: { allowedCidrs: ['10.1.0.0/24'] }, id: 'c' }, existing),
    ).toEqual([]);
  });
});

describe('netns names', () => {
  it('are deterministic, fit Linux limits and carry the VIM prefix', () => {
    const vim = '3b8e6a7c-0d7e-4c55-9a37-8f0e6c1f2a11';
    const inst = '6f1d2f0a-9a43-4b8e-8f0d-2a7c9b1e5d44';
    const ns = namespaceName(vim, inst);
    expect(ns).toMatch(/^vnfm-[0-9a-f]{8}-[0-9a-f]{12}$/);
    expect(ns.startsWith(namespacePrefix(vim))).toBe(true);
    expect(namespaceName(vim, inst)).toBe(ns);
    expect(namespaceName('other', inst)).not.toBe(ns);
    expect(vethHostName(vim, inst)).toMatch(/^vh[0-9a-f]{12}$/);
    expect(vethHostName(vim, inst).length).toBeLessThanOrEqual(15);
    expect(instanceMac(vim, inst)).toMatch(/^02(:[0-9a-f]{2}){5}$/);
    expect(bridgeMac(vim)).not.toBe(bridgeMac('other'));
  });
});
