// Per-instance locks every conductor replica sees. Work on one netns instance
// (create, delete, fault injection, garbage collection) holds the lock of its
// namespace for the whole operation: first a process-local mutex, then a
// PostgreSQL session advisory lock on a connection of its own. A replica that
// dies (kill -9, a lost node) loses its connection and with it the lock, so
// nobody waits for a dead holder.
//
// On the embedded PGlite of `npm run dev` all connections share one session,
// where advisory locks are re-entrant: there the local mutex is what
// serialises, which is enough because npm run dev runs one conductor.
import { createHash } from 'node:crypto';
import pg from 'pg';
import { connectionStringOf, type Db } from '../db/client.js';
import { KeyedMutex } from './keyed-mutex.js';

export type TryResult<T> = { busy: false; value: T } | { busy: true };

export interface InstanceLocks {
  /** Runs fn holding `key`, after whoever holds it now. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T>;
  /** Runs fn holding `key` only if nobody holds it now. */
  tryRun<T>(key: string, fn: () => Promise<T>): Promise<TryResult<T>>;
}

// Shared by every lock object in the process.
const local = new KeyedMutex();

/** The advisory lock key (bigint, as text) of a lock name. */
export function advisoryKey(key: string): string {
  return createHash('sha256').update(`vnfm/instance/${key}`).digest().readBigInt64BE(0).toString();
}

/** Locks within this process only: for drivers used outside the conductor (tests, tools). */
export const processLocks: InstanceLocks = {
  run: (key, fn) => local.run(key, fn),
  async tryRun(key, fn) {
    if (local.isBusy(key)) return { busy: true };
    return { busy: false, value: await local.run(key, fn) };
  },
};

export class PgInstanceLocks implements InstanceLocks {
  private readonly pool: pg.Pool;

  /** `max`: connections for locks held at once (beyond it, lockers queue in the process). */
  constructor(url: string, max = 16) {
    this.pool = new pg.Pool({ connectionString: url, max, idleTimeoutMillis: 5_000, allowExitOnIdle: true });
    // An idle connection that breaks is replaced; it held no lock.
    this.pool.on('error', () => undefined);
  }

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    return local.run(key, async () => {
      const r = await this.hold(key, true, fn);
      if (r.busy) throw new Error(`lock ${key} was not taken`); // cannot happen when waiting
      return r.value;
    });
  }

  async tryRun<T>(key: string, fn: () => Promise<T>): Promise<TryResult<T>> {
    if (local.isBusy(key)) return { busy: true };
    return local.run(key, () => this.hold(key, false, fn));
  }

  async end(): Promise<void> {
    await this.pool.end();
  }

  private async hold<T>(key: string, wait: boolean, fn: () => Promise<T>): Promise<TryResult<T>> {
    const k = advisoryKey(key);
    const client = await this.pool.connect();
    let lost: Error | undefined;
    const onError = (err: Error) => (lost = err);
    client.on('error', onError);
    const done = (destroy: boolean) => {
      client.removeListener('error', onError);
      client.release(destroy || lost ? (lost ?? true) : undefined);
    };
    try {
      if (wait) {
        await client.query('SELECT pg_advisory_lock($1::bigint)', [k]);
      } else {
        const { rows } = await client.query<{ ok: boolean }>(
          'SELECT pg_try_advisory_lock($1::bigint) AS ok',
          [k],
        );
        if (!rows[0]?.ok) {
          done(false);
          return { busy: true };
        }
      }
    } catch (err) {
      done(true);
      throw err;
    }
    try {
      return { busy: false, value: await fn() };
    } finally {
      // Closing the session releases the lock when the unlock itself fails.
      const unlocked = await client.query('SELECT pg_advisory_unlock($1::bigint)', [k]).then(
        () => true,
        () => false,
      );
      done(!unlocked);
    }
  }
}

const shared = new WeakMap<Db, InstanceLocks>();

/** The locks of the database `db` talks to (one pool per client). */
export function instanceLocksFor(db: Db): InstanceLocks {
  let locks = shared.get(db);
  if (!locks) {
    const url = connectionStringOf(db);
    locks = url ? new PgInstanceLocks(url) : processLocks;
    shared.set(db, locks);
  }
  return locks;
}
