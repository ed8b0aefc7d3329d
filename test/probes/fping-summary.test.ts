// fping's -C summary format and the engine's window rule. Pure functions.
import { describe, expect, it } from 'vitest';
import { autoWindowMs, parseFpingSummary } from '../../src/probes/fping-engine.js';

describe('parseFpingSummary', () => {
  it('reads replies and the best RTT per target, padding and IPv6 included', () => {
    const { targets, other } = parseFpingSummary(
      [
        '10.0.0.1    : 0.10 0.12 -',
        '10.0.0.22   : - - -',
        '::1         : 0.054',
        'fping: some warning',
        '',
      ].join('\n'),
    );
    expect(targets.get('10.0.0.1')).toEqual({ replies: 2, bestMs: 0.1 });
    expect(targets.get('10.0.0.22')).toEqual({ replies: 0 });
    expect(targets.get('::1')).toEqual({ replies: 1, bestMs: 0.054 });
    expect(other).toEqual(['fping: some warning']);
  });

  it('keeps error lines out of the targets', () => {
    const { targets, other } = parseFpingSummary(
      'fping error: not enough sequence numbers available! (expire_timeout=10000000000, host_nr=1)\n',
    );
    expect(targets.size).toBe(0);
    expect(other).toHaveLength(1);
  });
});

describe('autoWindowMs', () => {
  it('grows with the round, within 50 ms and 1 s', () => {
    expect(autoWindowMs(1000, 10_000)).toBe(100);
    expect(autoWindowMs(100, 10_000)).toBe(50);
    expect(autoWindowMs(30_000, 120_000)).toBe(1000);
  });

  it('takes at most half the slack the period leaves', () => {
    // Tacker's defaults: 5 requests 1 s apart, 5 s timeout, every 10 s.
    expect(autoWindowMs(9000, 10_000)).toBe(500);
    expect(autoWindowMs(9900, 10_000)).toBe(50);
  });
});
