// What route handlers are given: the real clients and the API's settings.
import type { Client } from '@temporalio/client';
import type { Db } from '../db/client.js';
import type { Lifecycle } from './lifecycle.js';
import type { ApiMetrics } from './metrics.js';

export interface ApiDeps {
  db: Db;
  temporal: Client;
  metrics: ApiMetrics;
  lifecycle: Lifecycle;
  /** How long a monitor status query may take before the API answers 503. */
  queryTimeoutMs: number;
}
