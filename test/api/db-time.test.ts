// The API's per-request database time (vnfm_api_db_duration_seconds): what
// a request spent in PostgreSQL, beside its whole duration, so a slow tail
// can be told apart from a busy event loop. Counted for a request with a JSON
// body too (the body parser's stream callbacks must not lose the request's
// clock), and never for a request that does not touch the database.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApi, type TestApi, type TestTenant } from '../helpers/api.js';
import { onboardVnfd } from './fixtures.js';

let api: TestApi;
let t: TestTenant;

beforeAll(async () => {
  api = await startTestApi();
  t = await api.tenant();
});
afterAll(() => api?.close());

/** { count, sum } of the histogram for one route and method. */
async function dbTime(route: string, method: string) {
  const text = (await api.http.get('/metrics')).text;
  const read = (suffix: string) => {
    const line = text
      .split('\n')
      .find((l) =>
        l.startsWith(`vnfm_api_db_duration_seconds_${suffix}{route="${route}",method="${method}"}`),
      );
    return line ? Number(line.split(' ').pop()) : 0;
  };
  return { count: read('count'), sum: read('sum') };
}

it('records the database time of reads and of writes with a JSON body', async () => {
  const vnfd = await onboardVnfd(t);
  for (let i = 0; i < 3; i++) expect((await t.http.get(`/v1.0/vnfds/${vnfd.id}`)).status).toBe(200);
  expect((await t.http.get('/v1.0/vnfs?limit=100')).status).toBe(200);

  const post = await dbTime('/v1.0/vnfds', 'POST');
  expect(post.count).toBe(1);
  expect(post.sum).toBeGreaterThan(0);
  const show = await dbTime('/v1.0/vnfds/{vnfd_id}', 'GET');
  expect(show.count).toBe(3);
  expect(show.sum).toBeGreaterThan(0);
  // The page's raw read on the pool is timed as well as Prisma's queries.
  expect((await dbTime('/v1.0/vnfs', 'GET')).sum).toBeGreaterThan(0);
});

it('records no database time for a request that makes no query', async () => {
  const before = await dbTime('/openapi.json', 'GET');
  expect((await api.http.get('/openapi.json')).status).toBe(200);
  const after = await dbTime('/openapi.json', 'GET');
  expect(after.count).toBe(before.count + 1);
  expect(after.sum).toBe(before.sum);
});
