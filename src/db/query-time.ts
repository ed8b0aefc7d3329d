// The time a unit of work (an API request) spends in PostgreSQL queries:
// each query on a pool connection, from sending it to its result, summed per
// unit. Prisma (through its adapter) and the hot raw reads both run their
// queries on the pool's connections, so timing the connection covers both.
// It is what tells a slow request's database time from the rest of it.
import { AsyncLocalStorage } from 'node:async_hooks';
import type pg from 'pg';

export interface QueryClock {
  /** Summed query time; overlapping queries of one unit each count in full. */
  seconds: number;
  queries: number;
}

const current = new AsyncLocalStorage<QueryClock>();

export const newQueryClock = (): QueryClock => ({ seconds: 0, queries: 0 });

/** Runs `fn` (and everything it awaits or schedules) on `clock`. */
export function withQueryClock<T>(clock: QueryClock, fn: () => T): T {
  return current.run(clock, fn);
}

type QueryFn = (...args: unknown[]) => unknown;

/** Times every query of the pool's connections for the clock current when it is sent. */
export function timePoolQueries(pool: pg.Pool): void {
  pool.on('connect', (client) => {
    const query = client.query as unknown as QueryFn;
    const timed: QueryFn = function (this: unknown, ...args) {
      const clock = current.getStore();
      if (!clock) return query.apply(this, args);
      const start = process.hrtime.bigint();
      const done = () => {
        clock.seconds += Number(process.hrtime.bigint() - start) / 1e9;
        clock.queries++;
      };
      const last = args.length - 1;
      const cb = args[last];
      if (typeof cb === 'function') {
        // pool.query's form: the result arrives through the callback.
        args[last] = function (this: unknown, ...r: unknown[]) {
          done();
          return (cb as QueryFn).apply(this, r);
        };
        return query.apply(this, args);
      }
      const r = query.apply(this, args);
      // A promise (Prisma's adapter); a submittable (a cursor) is not timed.
      if (r && typeof (r as Promise<unknown>).then === 'function') (r as Promise<unknown>).then(done, done);
      return r;
    };
    (client as unknown as { query: QueryFn }).query = timed;
  });
}
