// Serves one PGlite instance over the PostgreSQL wire protocol to many
// client connections (the API, the conductor and `npm run dev` itself, each
// with a pg pool).
//
// PGlite is a single backend session. pglite-socket 0.2's multiplexer hands
// that session to another connection after every protocol message unless a
// transaction block is open, so concurrent extended-protocol batches
// (Parse/Bind/Execute/Sync) can interleave and bind each other's unnamed
// statements, and one internal throw stalls its queue for good (upstream
// electric-sql/pglite#1046). Here a connection owns the session from its first
// message until the backend reports ReadyForQuery with status Idle: a whole
// batch, a whole transaction, a whole COPY. Others wait their turn. A
// connection that vanishes mid-batch or mid-transaction is cleaned up (Sync,
// ROLLBACK) before the next one gets the session, and an owner that holds the
// session idle while others wait is disconnected after OWNER_IDLE_LIMIT_MS,
// as PostgreSQL's idle_in_transaction_session_timeout would.
//
// Session state is still shared (SET, named prepared statements, session
// advisory locks are re-entrant across connections); vnfm uses none of those
// across connections. Transaction-level advisory locks are correct, since
// transactions are serialised.
import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const PROTOCOL_3 = 196608;
const MAX_MESSAGE_BYTES = 256 * 1024 * 1024;
export const OWNER_IDLE_LIMIT_MS = 30_000;
/** A Sync message: ends any unfinished extended-protocol batch. */
const SYNC = Buffer.from([0x53, 0, 0, 0, 4]);

export interface PgliteServerOptions {
  db: PGlite;
  host: string;
  port: number;
  /** Connections beyond this are refused with a PostgreSQL error (default 100). */
  maxConnections?: number;
  ownerIdleLimitMs?: number;
  log?: (line: string) => void;
}

/** A PostgreSQL ErrorResponse, so clients show a real message. */
function errorResponse(severity: 'ERROR' | 'FATAL', code: string, message: string): Buffer {
  const fields = Buffer.concat(
    [
      ['S', severity],
      ['V', severity],
      ['C', code],
      ['M', message],
    ]
      .map(([k, v]) => Buffer.from(`${k}${v}\0`, 'utf8'))
      .concat(Buffer.from([0])),
  );
  const head = Buffer.alloc(5);
  head.write('E', 0, 'latin1');
  head.writeInt32BE(fields.length + 4, 1);
  return Buffer.concat([head, fields]);
}

class Connection {
  private buffer: Buffer = Buffer.alloc(0);
  private started = false;
  private busy = false;
  closed = false;
  lastActivity = Date.now();

  constructor(
    readonly socket: Socket,
    private readonly server: PgliteServer,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
      void this.pump();
    });
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  /** Handles complete messages one at a time, in order. */
  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (;;) {
        if (this.closed) return;
        const msg = this.next();
        if (!msg) return;
        this.lastActivity = Date.now();
        await this.handle(msg);
      }
    } catch (err) {
      this.fail(`vnfm dev database: ${(err as Error).message}`);
    } finally {
      this.busy = false;
    }
  }

  /** The next complete message, or undefined until more bytes arrive. */
  private next(): Buffer | undefined {
    const b = this.buffer;
    const lengthAt = this.started ? 1 : 0;
    if (b.length < lengthAt + 4) return undefined;
    const len = b.readInt32BE(lengthAt);
    if (len < 4 || len > MAX_MESSAGE_BYTES) {
      this.fail('invalid message length');
      return undefined;
    }
    const total = lengthAt + len;
    if (b.length < total) return undefined;
    this.buffer = b.subarray(total);
    return b.subarray(0, total);
  }

  private async handle(msg: Buffer): Promise<void> {
    if (!this.started) {
      const code = msg.length >= 8 ? msg.readInt32BE(4) : 0;
      if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
        this.socket.write('N'); // no encryption; the client goes on in clear text
        return;
      }
      if (code === CANCEL_REQUEST) {
        this.close(); // cancellation is not supported; the query runs to its end
        return;
      }
      if (code !== PROTOCOL_3) {
        this.fail('unsupported frontend protocol (PostgreSQL protocol 3.0 only)');
        return;
      }
      this.started = true;
    } else if (msg[0] === 0x58 /* X: Terminate */) {
      this.close();
      return;
    }
    await this.server.run(this, msg);
  }

  write(data: Uint8Array): void {
    if (!this.closed && this.socket.writable) this.socket.write(data);
  }

  fail(message: string): void {
    this.write(errorResponse('FATAL', '08P01', message));
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.end();
    this.socket.destroySoon();
    this.server.disconnected(this);
  }
}

export class PgliteServer {
  private server?: Server;
  private readonly connections = new Set<Connection>();
  /** Every accepted socket, refused ones included: stop() destroys them all. */
  private readonly sockets = new Set<Socket>();
  private owner?: Connection;
  private readonly waiting: Array<{ conn: Connection; go: () => void }> = [];
  private idleTimer?: NodeJS.Timeout;
  /** Serialises session resets with message execution. */
  private resetting: Promise<void> = Promise.resolve();

  constructor(private readonly opts: PgliteServerOptions) {}

  get address(): { host: string; port: number } {
    const a = this.server?.address();
    return { host: this.opts.host, port: typeof a === 'object' && a ? a.port : this.opts.port };
  }

  async start(): Promise<void> {
    await this.opts.db.waitReady;
    const server = createServer((socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      if (this.connections.size >= (this.opts.maxConnections ?? 100)) {
        socket.on('error', () => undefined);
        socket.end(errorResponse('FATAL', '53300', 'sorry, too many clients already'), () =>
          socket.destroy(),
        );
        return;
      }
      this.connections.add(new Connection(socket, this));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.idleTimer = setInterval(() => this.checkIdleOwner(), 1000);
    this.idleTimer.unref();
  }

  /** Runs one message for `conn`, which owns the session until the backend is idle again. */
  async run(conn: Connection, msg: Buffer): Promise<void> {
    await this.acquire(conn);
    await this.resetting;
    if (conn.closed || this.owner !== conn) return;
    const tail = Buffer.alloc(6);
    let tailLen = 0;
    await this.opts.db.runExclusive(() =>
      this.opts.db.execProtocolRawStream(new Uint8Array(msg), {
        onRawData: (data) => {
          conn.write(data);
          // Keep the last 6 bytes of the answer: a ReadyForQuery is 'Z', length 5, status.
          const take = Math.min(6, data.length);
          tail.copy(tail, 0, take, 6);
          tail.set(data.subarray(data.length - take), 6 - take);
          tailLen = Math.min(6, tailLen + take);
        },
      }),
    );
    const readyIdle = tailLen === 6 && tail[0] === 0x5a && tail.readInt32BE(1) === 5 && tail[5] === 0x49;
    if (readyIdle) this.release(conn);
  }

  private acquire(conn: Connection): Promise<void> {
    if (this.owner === conn) return Promise.resolve();
    if (!this.owner) {
      this.owner = conn;
      return Promise.resolve();
    }
    return new Promise((go) => this.waiting.push({ conn, go }));
  }

  private release(conn: Connection): void {
    if (this.owner !== conn) return;
    const next = this.waiting.shift();
    this.owner = next?.conn;
    next?.go();
  }

  /** Called when a connection ends: drop its turn, and clean up the session if it held it. */
  disconnected(conn: Connection): void {
    this.connections.delete(conn);
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      if (this.waiting[i]!.conn === conn) this.waiting.splice(i, 1);
    }
    if (this.owner !== conn) return;
    // The next owner runs only after the reset, and `run` awaits `resetting`.
    this.resetting = this.resetting.then(() => this.resetSession()).catch(() => undefined);
    this.release(conn);
  }

  /** Ends an unfinished batch and an open transaction left by a vanished connection. */
  private async resetSession(): Promise<void> {
    const db = this.opts.db;
    await db.runExclusive(() => db.execProtocolRawStream(new Uint8Array(SYNC), { onRawData: () => {} }));
    if (db.isInTransaction()) await db.exec('ROLLBACK');
  }

  private checkIdleOwner(): void {
    const owner = this.owner;
    const limit = this.opts.ownerIdleLimitMs ?? OWNER_IDLE_LIMIT_MS;
    if (!owner || this.waiting.length === 0 || Date.now() - owner.lastActivity < limit) return;
    this.opts.log?.(
      `a client held the embedded database idle for ${Math.round(limit / 1000)} s inside a transaction while others waited; disconnected it`,
    );
    owner.write(
      errorResponse(
        'FATAL',
        '25P03',
        'terminating connection due to idle-in-transaction timeout (the embedded database serves one transaction at a time)',
      ),
    );
    owner.close();
  }

  async stop(): Promise<void> {
    if (this.idleTimer) clearInterval(this.idleTimer);
    const server = this.server;
    this.server = undefined;
    for (const c of [...this.connections]) c.close();
    // Clients that do not close their end would keep server.close() waiting.
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    await this.resetting;
  }
}
