// Rounds the monitor worker could not run (ProbeResult.fault: its probe tool is
// missing or cut off) move no counter, so without a word they would look like
// a quiet fleet. One log line a minute says how many, with an example.
import type { LoopObserver } from '../activities/probe-loop.js';
import type { Logger } from 'pino';

const EVERY_MS = 60_000;

export function logProbeFaults(log: Logger, inner: LoopObserver, now: () => number = Date.now): LoopObserver {
  let count = 0;
  let lastLog = -Infinity;
  return {
    ...inner,
    round(target, result, durationMs, driftMs) {
      inner.round?.(target, result, durationMs, driftMs);
      if (!result.fault) return;
      count++;
      if (now() - lastLog < EVERY_MS) return;
      log.error(
        { faults: count, example: { target: target.ip, driver: target.policy.driver, error: result.error } },
        'probe rounds this worker could not run: they count neither as failures nor as successes, so their targets are not watched until it is fixed',
      );
      lastLog = now();
      count = 0;
    },
  };
}
