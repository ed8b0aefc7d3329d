// The embedded database's wire server: many pg connections on one PGlite
// session without answering one client's query with another's, and without
// one vanished client blocking or corrupting the others.
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgliteServer } from '../../src/dev/pglite-server.js';

let db: PGlite;
let server: PgliteServer;
let url: string;
const logged: string[] = [];

beforeAll(async () => {
  db = await PGlite.create('memory://');
  server = new PgliteServer({
    db,
    host: '127.0.0.1',
    port: 0,
    maxConnections: 20,
    ownerIdleLimitMs: 1500,
    log: (l) => logged.push(l),
  });
  await server.start();
  url = `postgresql://postgres:postgres@127.0.0.1:${server.address.port}/postgres`;
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query('CREATE TABLE items (id int PRIMARY KEY, note text)');
  await c.end();
});

afterAll(async () => {
  await server?.stop();
  await db?.close();
});

async function client(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  c.on('error', () => undefined); // the tests end some connections abruptly
  await c.connect();
  return c;
}

describe('PGlite wire server', () => {
  it('answers each of many concurrent extended-protocol queries with its own result, large ones included', async () => {
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    try {
      // Half the parameters are large, so their messages arrive in several
      // TCP reads while other connections' batches are queued.
      const results = await Promise.all(
        Array.from({ length: 120 }, async (_, i) => {
          const text = 'x'.repeat(i % 2 ? 200_000 : 10);
          const col = `v${i % 7}`;
          const r = await pool.query(`SELECT $1::int AS ${col}, length($2::text) AS l`, [i, text]);
          return r.rows[0][col] === i && r.rows[0].l === text.length;
        }),
      );
      expect(results.filter((ok) => !ok)).toHaveLength(0);
    } finally {
      await pool.end();
    }
  });

  it('keeps transactions whole: concurrent read-modify-write transactions lose no update', async () => {
    const pool = new pg.Pool({ connectionString: url, max: 8 });
    try {
      await pool.query(`INSERT INTO items VALUES (1, '0')`);
      await Promise.all(
        Array.from({ length: 40 }, async () => {
          const c = await pool.connect();
          try {
            await c.query('BEGIN');
            const { rows } = await c.query<{ note: string }>('SELECT note FROM items WHERE id = 1');
            await new Promise((r) => setTimeout(r, 1)); // others try to run meanwhile
            await c.query('UPDATE items SET note = $1 WHERE id = 1', [String(Number(rows[0]!.note) + 1)]);
            await c.query('COMMIT');
          } finally {
            c.release();
          }
        }),
      );
      const { rows } = await pool.query<{ note: string }>('SELECT note FROM items WHERE id = 1');
      expect(rows[0]!.note).toBe('40');
    } finally {
      await pool.end();
    }
  });

  it('rolls back the open transaction of a client that vanishes, and lets the others go on', async () => {
    const a = await client();
    const b = await client(); // connected first: a connection's start-up waits for the session too
    await a.query('BEGIN');
    await a.query(`INSERT INTO items VALUES (2, 'abandoned')`);
    const waiting = b.query('SELECT count(*)::int AS n FROM items WHERE id = 2');
    a.connection.stream.destroy();
    expect((await waiting).rows[0]).toEqual({ n: 0 });
    await b.end();
  });

  it('ends a half-sent batch of a vanished client, so its error does not swallow the next queries', async () => {
    const a = await client();
    // Parse fails; without a Sync the backend would ignore every later message.
    const wire = a.connection as unknown as { parse(q: { text: string }): void; flush(): void };
    wire.parse({ text: 'SELECT no_such_column' });
    wire.flush();
    await new Promise((r) => setTimeout(r, 100));
    a.connection.stream.destroy();
    const b = await client();
    expect((await b.query('SELECT $1::int AS v', [7])).rows[0]).toEqual({ v: 7 });
    await b.end();
  });

  it('disconnects a client that holds a transaction idle while others wait', async () => {
    const idle = await client();
    await idle.query('BEGIN');
    const ended = new Promise<void>((resolve) => idle.once('end', () => resolve()));
    const other = await Promise.race([
      (async () => {
        const c = await client();
        const r = await c.query('SELECT 1 AS one');
        await c.end();
        return r.rows[0];
      })(),
      new Promise((r) => setTimeout(() => r('still waiting'), 10_000)),
    ]);
    expect(other).toEqual({ one: 1 });
    await ended;
    expect(logged.join('\n')).toMatch(/held the embedded database idle/);
  });

  it('refuses connections beyond its limit with a PostgreSQL error', async () => {
    const held = await Promise.all(Array.from({ length: 20 }, () => client()));
    try {
      await expect(client()).rejects.toThrow(/too many clients/);
    } finally {
      await Promise.all(held.map((c) => c.end()));
    }
  });
});
