// What a test file needs to talk to the run's real Temporal server and
// database. Task queues are unique per test file, so files running in
// parallel never take each other's tasks.
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import type { TemporalConfig } from '../../src/config.js';
import { createDb, type Db } from '../../src/db/client.js';

export const temporalAddress = (): string => inject('temporalAddress');
export const databaseUrl = (): string => inject('databaseUrl');

export function uniqueSuffix(): string {
  return randomBytes(4).toString('hex');
}

export function testTemporalConfig(suffix = uniqueSuffix()): TemporalConfig {
  return {
    address: temporalAddress(),
    namespace: 'default',
    monitorTaskQueue: `vnfm-monitor-test-${suffix}`,
    conductorTaskQueue: `vnfm-conductor-test-${suffix}`,
  };
}

/** Environment for a child process started the way production starts it. */
export function processEnv(cfg: TemporalConfig, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: databaseUrl(),
    TEMPORAL_ADDRESS: cfg.address,
    TEMPORAL_NAMESPACE: cfg.namespace,
    VNFM_TASK_QUEUE_MONITOR: cfg.monitorTaskQueue,
    VNFM_TASK_QUEUE_CONDUCTOR: cfg.conductorTaskQueue,
    VNFM_LOG_LEVEL: process.env.VNFM_LOG_LEVEL ?? 'warn',
    ...extra,
  };
}

/** The run's database, or another one (a file's private database, see test/helpers/lifecycle.ts). */
export function testDb(url = databaseUrl()): Db {
  return createDb(url, { max: 4 });
}
