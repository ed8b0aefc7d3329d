// The API app alone, for `npm run bench -- api-cpu`: its own process, so the
// bench charges it only the API's CPU (not the load generator's). Reads
// DATABASE_URL; prints the port it listens on.
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { pino } from 'pino';
import { createApp } from '../src/api/app.js';
import { createDb } from '../src/db/client.js';

const db = createDb(process.env.DATABASE_URL!);
// Lists and shows never reach Temporal; a lazy connection is never opened.
const temporal = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
const app = createApp({
  db,
  temporal,
  temporalConfig: {
    address: '127.0.0.1:1',
    namespace: 'default',
    monitorTaskQueue: 'unused',
    conductorTaskQueue: 'unused',
  },
  logger: pino({ level: 'warn' }),
});
const srv = app.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(srv.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => {
  srv.close();
  void db.$disconnect().then(() => process.exit(0));
});
