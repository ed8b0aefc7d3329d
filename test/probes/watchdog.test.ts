// The probe watchdog expires on time, but not because this process ran late.
import { describe, expect, it } from 'vitest';
import { watchdog } from '../../src/probes/watchdog.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('watchdog', () => {
  it('expires after its time when the event loop is healthy', async () => {
    let fired = 0;
    const t0 = performance.now();
    watchdog(100, () => (fired = performance.now() - t0));
    await sleep(300);
    expect(fired).toBeGreaterThanOrEqual(95);
    expect(fired).toBeLessThan(300);
  });

  it('does not expire when cancelled', async () => {
    let fired = false;
    const cancel = watchdog(50, () => (fired = true));
    cancel();
    await sleep(150);
    expect(fired).toBe(false);
  });

  it('starts its wait again instead of expiring when it fires late (the loop was blocked)', async () => {
    let fired = false;
    watchdog(300, () => (fired = true));
    const until = performance.now() + 1500;
    while (performance.now() < until) {
      // block the event loop past the due time by more than a second
    }
    await sleep(100);
    expect(fired).toBe(false);
    await sleep(400);
    expect(fired).toBe(true);
  });
});
