// Keyset pagination over real HTTP: following `*_links` next hrefs visits
// every row that existed when paging began exactly once, even when rows are
// inserted and deleted between pages; bad limits and markers are 400.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startTestApi,
  type HttpClient,
  type HttpResponse,
  type Json,
  type TestApi,
  type TestTenant,
} from '../helpers/api.js';
import { onboardVnfd, staticVim } from './fixtures.js';

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api?.close());

/** Follows next links from `path`, calling `between` after each page. */
async function walk(
  http: HttpClient,
  path: string,
  collection: string,
  between: (page: number) => Promise<void> = async () => {},
): Promise<string[]> {
  const seen: string[] = [];
  let next: string | undefined = path;
  for (let page = 0; next; page++) {
    const res: HttpResponse = await http.get(next);
    expect(res.status, res.text).toBe(200);
    seen.push(...res.body[collection].map((x: Json) => String(x.id)));
    const href: string | undefined = res.body[`${collection}_links`]?.find(
      (l: Json) => l.rel === 'next',
    )?.href;
    next = href ? href.slice(href.indexOf('/v1.0')) : undefined;
    if (next) expect(href!.startsWith(api.url)).toBe(true);
    await between(page);
  }
  return seen;
}

describe('pagination', () => {
  it('pages VNFDs stably while rows are inserted and deleted between pages', async () => {
    const t = await api.tenant();
    const initial: string[] = [];
    for (let i = 0; i < 23; i++) initial.push((await onboardVnfd(t, undefined, `d${i}`)).id);
    const added: string[] = [];
    const deleted = new Set<string>();
    const seen = await walk(t.http, '/v1.0/vnfds?limit=5', 'vnfds', async (page) => {
      added.push((await onboardVnfd(t, undefined, `late${page}`)).id);
      // Delete one already seen (the marker of the next page, even) and one not yet seen.
      for (const id of [initial[page * 5 + 4], initial[22 - page]]) {
        if (id && !deleted.has(id) && (await t.http.delete(`/v1.0/vnfds/${id}`)).status === 204)
          deleted.add(id);
      }
    });
    expect(new Set(seen).size).toBe(seen.length);
    // Every initial row still present when its page came was seen exactly once.
    const survivors = initial.filter((id) => !deleted.has(id) || seen.includes(id));
    for (const id of survivors) expect(seen).toContain(id);
    // Rows added while paging come after the ones that existed (created later).
    const firstAdded = seen.findIndex((id) => added.includes(id));
    if (firstAdded >= 0) expect(seen.slice(firstAdded).every((id) => added.includes(id))).toBe(true);
  });

  it('keeps filters in next links and answers exactly limit rows per page', async () => {
    const t = await api.tenant();
    await staticVim(t, { name: 'a' });
    for (let i = 0; i < 4; i++) await staticVim(t, { name: i % 2 ? 'odd' : 'even' });
    const first = await t.http.get('/v1.0/vims?name=even&limit=1');
    expect(first.body.vims).toHaveLength(1);
    expect(first.body.vims_links[0].href).toContain('name=even');
    const all = await walk(t.http, '/v1.0/vims?name=even&limit=1', 'vims');
    expect(all).toHaveLength(2);
    const last = await t.http.get('/v1.0/vims?limit=5');
    expect(last.body.vims).toHaveLength(5);
    expect(last.body.vims_links).toBeUndefined();
  });

  it('pages VNFs and events', async () => {
    const t: TestTenant = await api.tenant();
    await staticVim(t);
    const vnfd = await onboardVnfd(t);
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await t.http.post('/v1.0/vnfs', {
        vnf: {
          name: `v${i}`,
          vnfd_id: vnfd.id,
          attributes: { param_values: { mgmt_ips: { VDU1: '192.0.2.1' } } },
        },
      });
      ids.push(res.body.vnf.id);
    }
    expect(await walk(t.http, '/v1.0/vnfs?limit=3', 'vnfs')).toEqual(ids);
    const events = await walk(t.http, '/v1.0/events?limit=2&resource_type=vnf', 'events');
    expect(events).toHaveLength(7);
    expect(events.map(Number)).toEqual([...events.map(Number)].sort((a, b) => a - b));
  });

  it('refuses bad limits and markers with 400', async () => {
    const t = await api.tenant();
    const other = await api.tenant();
    const theirs = await onboardVnfd(other);
    for (const q of [
      'limit=0',
      'limit=1001',
      'limit=abc',
      'limit=1&limit=2',
      'marker=nope',
      `marker=${theirs.id}`,
    ]) {
      const res = await t.http.get(`/v1.0/vnfds?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body.TackerError.type).toBe('InvalidInput');
    }
    expect((await t.http.get('/v1.0/events?marker=-1')).status).toBe(400);
    expect((await t.http.get('/v1.0/events?marker=99999999999999999999')).status).toBe(400);
    expect((await t.http.get('/v1.0/vnfds?limit=1000')).status).toBe(200);
  });
});
