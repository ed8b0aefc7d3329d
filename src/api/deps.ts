// What route handlers are given: the real clients and the API's settings.
import type { Client } from '@temporalio/client';
import type { TemporalConfig } from '../config.js';
import type { Db } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { Lifecycle } from './lifecycle.js';
import type { ApiMetrics } from './metrics.js';

export interface ApiDeps {
  db: Db;
  temporal: Client;
  temporalConfig: TemporalConfig;
  logger: Logger;
  metrics: ApiMetrics;
  lifecycle: Lifecycle;
  /** How long a monitor status query may take before the API answers 503. */
  queryTimeoutMs: number;
}
