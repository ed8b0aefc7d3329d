// Connections to Temporal for clients (API, CLI, conductor) and workers.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { TemporalConfig } from '../config.js';
import { StartupError } from '../fatal.js';

function unreachable(address: string, err: unknown): StartupError {
  return new StartupError(
    `cannot reach Temporal at ${address} (${(err as Error).message}): start it (npm run dev starts a dev server) or set TEMPORAL_ADDRESS`,
  );
}

export async function connectClient(cfg: TemporalConfig): Promise<Client> {
  try {
    const connection = await Connection.connect({ address: cfg.address, connectTimeout: 10_000 });
    return new Client({ connection, namespace: cfg.namespace });
  } catch (err) {
    throw unreachable(cfg.address, err);
  }
}

export async function connectWorker(cfg: TemporalConfig): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect({ address: cfg.address });
  } catch (err) {
    throw unreachable(cfg.address, err);
  }
}
