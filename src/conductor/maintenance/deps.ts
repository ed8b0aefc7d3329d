// What the conductor's housekeeping passes need.
import type { Client } from '@temporalio/client';
import type { TemporalConfig } from '../../config.js';
import type { Db } from '../../db/client.js';
import type { Logger } from '../../logger.js';

export interface MaintenanceDeps {
  db: Db;
  client: Client;
  temporal: TemporalConfig;
  log: Logger;
}
