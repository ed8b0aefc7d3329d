// The chaos test (issue 14): the whole product at full size — two conductor
// processes, two monitor workers and two APIs — driven by a seeded random
// sequence of operations (create, scale out/in, delete, force delete, and
// respawns caused by VDU faults) while a killer sends kill -9 to random vnfm
// processes at random moments and starts them again. Once it quiesces, the
// invariants are checked from outside (test/chaos/invariants.ts): no VNF in
// PENDING_*, no address on two namespaces, no namespace or bridge port without
// a live instance row, no live row without its namespace, every held address
// matched by a live instance, every ACTIVE VNF watched by exactly one running
// monitor at the database's generation.
//
//   CHAOS_SEED=<n>   replay a seed (printed at the start and on failure)
//   CHAOS_OPS=<n>    operations (default 40; 300 with CHAOS_LONG=1)
//   CHAOS_LONG=1     the long run
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { netnsUnavailable } from '../helpers/netns.js';
import {
  onboard,
  registerNetnsVim,
  removeRegisteredVims,
  sample,
  until,
  type NetnsVim,
} from '../acceptance/operator.js';
import { Stack } from '../acceptance/stack.js';
import { drive, killer } from './driver.js';
import { listVnfs, violations } from './invariants.js';

const skip = await netnsUnavailable();
if (skip) console.warn(`SKIPPED chaos test: ${skip}`);

const LONG = process.env.CHAOS_LONG === '1';
const SEED = process.env.CHAOS_SEED ? Number(process.env.CHAOS_SEED) : Math.floor(Math.random() * 2 ** 31);
const OPS = Number(process.env.CHAOS_OPS ?? (LONG ? 300 : 40));
const FAST = { monitoring_delay: 1, period: 1 };
const KILLABLE = ['conductor', 'conductor2', 'monitor', 'monitor2', 'api', 'api2'];

describe.skipIf(skip)(
  `chaos: ${OPS} random operations under kill -9 (seed ${SEED})${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let stack: Stack;
    let vim: NetnsVim;
    const log = (line: string) => console.log(line);

    beforeAll(async () => {
      console.log(`chaos: CHAOS_SEED=${SEED} CHAOS_OPS=${OPS}`);
      stack = await Stack.start({
        name: 'chaos',
        services: KILLABLE,
        env: {
          // Settle, collect and reconcile within seconds, so the run quiesces fast.
          VNFM_CONDUCTOR_RECONCILE_INTERVAL: '2',
          VNFM_CONDUCTOR_SETTLE_GRACE: '5',
          VNFM_CONDUCTOR_GC_GRACE: '10',
          VNFM_CONDUCTOR_PENDING_CREATE_GRACE: '5',
          VNFM_LOG_LEVEL: 'info',
        },
      });
      vim = await registerNetnsVim(stack);
    }, 300_000);
    afterEach((ctx) => {
      if (ctx.task.result?.state === 'fail' && stack) stack.failed = true;
    });
    afterAll(async () => {
      await stack?.close();
      await removeRegisteredVims();
    }, 120_000);

    it(
      'after the chaos quiesces every invariant holds',
      async () => {
        const started = Date.now();
        const vnfdId = await onboard(stack, sample('vnfd-ping-scaling', { '*': FAST }), 'chaos');
        const kill = killer(stack, SEED, KILLABLE, log);
        let stats;
        try {
          stats = await drive({
            stack,
            vim,
            vnfdId,
            seed: SEED,
            ops: OPS,
            lanes: LONG ? 3 : 2,
            maxVnfs: LONG ? 12 : 8,
            log,
          });
        } finally {
          await kill.stop();
        }
        const drove = Date.now() - started;
        // Every process runs again; no fault is injected any more.
        for (const name of KILLABLE) if (!stack.services.has(name)) await stack.start(name);

        const seen = await until(
          'the invariants to hold after the chaos',
          () => violations(stack, vim),
          (v) => v.length === 0,
          { timeoutMs: LONG ? 240_000 : 120_000, everyMs: 2_000 },
        ).catch(async (err: Error) => {
          const vnfs = await listVnfs(stack).catch(() => []);
          throw new Error(
            `${err.message}\nCHAOS_SEED=${SEED} CHAOS_OPS=${OPS}; kills: ${kill.stats.kills.join(' ')}; ` +
              `answers: ${JSON.stringify(stats?.answers)}\nVNFs: ${vnfs.map((v) => `${v.id}:${v.status}`).join(' ')}\n` +
              stack.logTails(6),
          );
        });
        const summary = {
          seed: SEED,
          ops: stats.ops,
          answers: stats.answers,
          refusals: stats.samples,
          kills: kill.stats.kills.length,
          drove_s: Math.round(drove / 1000),
          quiesced_s: Math.round((Date.now() - started - drove) / 1000),
          vnfs: (await listVnfs(stack)).length,
        };
        console.log(`chaos: ${JSON.stringify(summary)}`);
        expect(seen).toEqual([]);
        expect(stats.unexpected, `CHAOS_SEED=${SEED}: answers no operation may give`).toEqual([]);
      },
      LONG ? 3_600_000 : 600_000,
    );
  },
);
