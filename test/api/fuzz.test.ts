// Property test: random and malformed requests — mutated bodies (each
// mutation invalid by construction), invalid VNFDs (checked invalid with
// parseVnfd first), junk JSON, odd ids, paths, query strings and headers —
// get only 4xx answers, always in the TackerError shape, and write nothing:
// every table's rows for the fuzzed tenant are the same before and after, and
// no lifecycle workflow is started. Seeded and reproducible:
// API_FUZZ_SEED=<seed> API_FUZZ_RUNS=<n>.
import { parse as parseYaml, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lifecycleWorkflowId } from '../../src/conductor/contract.js';
import { parseVnfd } from '../../src/vnfd/parse.js';
import { startTestApi, type Json, type TestApi, type TestTenant } from '../helpers/api.js';
import { onboardVnfd, SCALING_VNFD, staticVim, TWO_VDUS_VNFD } from './fixtures.js';
import { mulberry32 as prng } from '../helpers/prng.js';

const SEED = Number(process.env.API_FUZZ_SEED ?? 20261122);
const RUNS = Number(process.env.API_FUZZ_RUNS ?? 600);

type Path = (string | number)[];
interface Fuzzed {
  method: string;
  path: string;
  body?: string;
  headers: Record<string, string>;
}

class Gen {
  constructor(readonly rand: () => number) {}
  int = (n: number) => Math.floor(this.rand() * n);
  pick = <T>(xs: readonly T[]): T => xs[this.int(xs.length)]!;
  chance = (p: number) => this.rand() < p;

  text(max = 12): string {
    const alphabet = 'azAZ09_-. :/\\"\'\n{}[]%&é\u0000\ud800😀\u2028';
    return Array.from({ length: this.int(max) }, () => this.pick([...alphabet])).join('');
  }

  /** Any JSON value, of any type. */
  json(depth = 0): unknown {
    const makers: (() => unknown)[] = [
      () => null,
      () => this.chance(0.5),
      () => this.pick([0, -1, 1.5, 1e308, -1e-308, 2 ** 53 + 1]),
      () => this.text(),
      () => this.pick(['', 'x'.repeat(300), '\u0000', '\udc00x', 'out', 'in', 'static', 'netns', 'vnfd']),
      () => (depth > 3 ? [] : Array.from({ length: this.int(4) }, () => this.json(depth + 1))),
      () =>
        depth > 3
          ? {}
          : Object.fromEntries(
              Array.from({ length: this.int(4) }, () => [this.text(6), this.json(depth + 1)]),
            ),
    ];
    return this.pick(makers)();
  }

  /** A JSON value whose type is none of `accepted`. */
  wrongType(accepted: readonly string[]): unknown {
    for (;;) {
      const v = this.json(2);
      const type = v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
      if (!accepted.includes(type)) return v;
    }
  }

  badString(): string {
    return this.pick(['', 'x'.repeat(5000), 'a\u0000b', 'lone \ud800 surrogate', '\udfff']);
  }

  uuid(): string {
    const h = () => this.int(16).toString(16);
    const s = Array.from({ length: 32 }, h).join('');
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-4${s.slice(13, 16)}-8${s.slice(17, 20)}-${s.slice(20)}`;
  }

  /** An id for a path segment: malformed, unknown, or hostile. */
  id(): string {
    return this.pick([
      () => this.uuid(),
      () => pct(`~${this.text(40)}`),
      () => '%',
      () => '%E0%A4%A',
      () => '..%2F..%2F',
      () => '9'.repeat(this.int(40) + 1),
      () => '00000000-0000-0000-0000-000000000000',
      () => 'null',
      () => "1' OR '1'='1",
    ])();
  }
}

/** Percent-encodes every UTF-8 byte (encodeURIComponent throws on unpaired surrogates). */
const pct = (s: string) =>
  [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

function get(root: Json, path: Path): Json {
  return path.reduce((v, k) => v?.[k], root);
}
function set(root: Json, path: Path, value: unknown): void {
  get(root, path.slice(0, -1))[path.at(-1)!] = value;
}
function remove(root: Json, path: Path): void {
  delete get(root, path.slice(0, -1))[path.at(-1)!];
}

/** A body the API would accept, and how to make it certainly invalid. */
interface BodySpec {
  method: string;
  path: (ids: Seeded) => string;
  valid: (ids: Seeded) => Json;
  /** Keys whose removal makes the body invalid. */
  required: Path[];
  /** Fields with the JSON types they accept (anything else is invalid). */
  typed: [Path, readonly string[]][];
  /** Strict objects: an unknown key makes them invalid. */
  strict: Path[];
  /** Strings checked for content: NUL, unpaired surrogates, length or format. */
  strings: Path[];
}

interface Seeded {
  vimId: string;
  vnfdId: string;
  vnfId: string;
}

const MGMT = { param_values: { mgmt_ips: { VDU1: '192.0.2.10' } } };

const SPECS: BodySpec[] = [
  {
    method: 'POST',
    path: () => '/v1.0/vims',
    valid: () => ({
      vim: {
        name: 'v',
        description: 'd',
        type: 'static',
        allowed_cidrs: ['198.51.100.0/24'],
        is_default: false,
      },
    }),
    required: [['vim'], ['vim', 'name'], ['vim', 'type'], ['vim', 'allowed_cidrs']],
    typed: [
      [['vim'], ['object']],
      [['vim', 'name'], ['string']],
      [['vim', 'description'], ['string']],
      [['vim', 'type'], []],
      [['vim', 'allowed_cidrs'], ['array']],
      [['vim', 'allowed_cidrs', 0], []],
      [['vim', 'is_default'], ['boolean']],
    ],
    strict: [[], ['vim']],
    strings: [
      ['vim', 'type'],
      ['vim', 'allowed_cidrs', 0],
    ],
  },
  {
    method: 'PUT',
    path: (s) => `/v1.0/vims/${s.vimId}`,
    valid: () => ({ vim: { name: 'renamed', description: 'd', is_default: true } }),
    required: [['vim']],
    typed: [
      [['vim'], ['object']],
      [['vim', 'name'], ['string']],
      [['vim', 'description'], ['string']],
      [['vim', 'is_default'], ['boolean']],
    ],
    strict: [[], ['vim']],
    strings: [['vim', 'name']],
  },
  {
    method: 'POST',
    path: () => '/v1.0/vnfds',
    valid: () => ({ vnfd: { name: 'd', description: 'x', attributes: { vnfd: SCALING_VNFD } } }),
    required: [['vnfd'], ['vnfd', 'name'], ['vnfd', 'attributes'], ['vnfd', 'attributes', 'vnfd']],
    typed: [
      [['vnfd'], ['object']],
      [['vnfd', 'name'], ['string']],
      [['vnfd', 'description'], ['string']],
      [['vnfd', 'attributes'], ['object']],
    ],
    strict: [[], ['vnfd'], ['vnfd', 'attributes']],
    strings: [['vnfd', 'name']],
  },
  {
    method: 'POST',
    path: () => '/v1.0/vnfs',
    valid: (s) => ({
      vnf: {
        name: 'f',
        description: 'x',
        vnfd_id: s.vnfdId,
        vim_id: s.vimId,
        attributes: structuredClone(MGMT),
      },
    }),
    required: [['vnf'], ['vnf', 'name'], ['vnf', 'vnfd_id'], ['vnf', 'attributes']],
    typed: [
      [['vnf'], ['object']],
      [['vnf', 'name'], ['string']],
      [['vnf', 'description'], ['string']],
      [['vnf', 'vnfd_id'], []],
      [['vnf', 'vim_id'], []],
      [['vnf', 'attributes'], ['object']],
      [['vnf', 'attributes', 'param_values'], ['object']],
      [['vnf', 'attributes', 'param_values', 'mgmt_ips'], ['object']],
      [['vnf', 'attributes', 'param_values', 'mgmt_ips', 'VDU1'], []],
    ],
    strict: [[], ['vnf'], ['vnf', 'attributes']],
    strings: [
      ['vnf', 'name'],
      ['vnf', 'vnfd_id'],
      ['vnf', 'vim_id'],
      ['vnf', 'attributes', 'param_values', 'mgmt_ips', 'VDU1'],
    ],
  },
  {
    method: 'PUT',
    path: (s) => `/v1.0/vnfs/${s.vnfId}`,
    valid: () => ({ vnf: { attributes: structuredClone(MGMT) } }),
    required: [['vnf'], ['vnf', 'attributes']],
    typed: [
      [['vnf'], ['object']],
      [['vnf', 'attributes'], ['object']],
      [['vnf', 'attributes', 'param_values'], ['object']],
    ],
    strict: [[], ['vnf'], ['vnf', 'attributes']],
    strings: [],
  },
  {
    method: 'POST',
    path: (s) => `/v1.0/vnfs/${s.vnfId}/actions`,
    valid: () => ({ scale: { policy: 'SP1', type: 'out' } }),
    required: [['scale'], ['scale', 'policy'], ['scale', 'type']],
    typed: [
      [['scale'], ['object']],
      [['scale', 'policy'], ['string']],
      [['scale', 'type'], []],
    ],
    strict: [[], ['scale']],
    strings: [['scale', 'type']],
  },
  {
    method: 'DELETE',
    path: (s) => `/v1.0/vnfs/${s.vnfId}`,
    valid: () => ({ vnf: { attributes: { force: false } } }),
    required: [
      ['vnf', 'attributes'],
      ['vnf', 'attributes', 'force'],
    ],
    typed: [
      [['vnf'], ['object']],
      [['vnf', 'attributes'], ['object']],
      [['vnf', 'attributes', 'force'], ['boolean']],
    ],
    strict: [[], ['vnf'], ['vnf', 'attributes']],
    strings: [],
  },
];

/** Applies 1-3 mutations, each of which alone makes the body invalid. */
function mutate(g: Gen, spec: BodySpec, seeded: Seeded): Json {
  const body = spec.valid(seeded);
  const n = 1 + g.int(3);
  for (let i = 0; i < n; i++) {
    // A path can be mutated while its parent is still an object (earlier mutations may have replaced it).
    const live = (p: Path) => {
      const parent = p.length ? get(body, p.slice(0, -1)) : body;
      return parent !== null && typeof parent === 'object';
    };
    const kind = g.int(4);
    if (kind === 0) {
      const p = g.pick(spec.required.filter(live));
      if (p) remove(body, p);
    } else if (kind === 1) {
      const slot = g.pick(spec.typed.filter(([q]) => live(q)));
      if (slot) set(body, slot[0], g.wrongType(slot[1]));
    } else if (kind === 2) {
      const p = g.pick(spec.strict);
      const target = get(body, p);
      if (target && typeof target === 'object' && !Array.isArray(target))
        target[`zz_${g.text(5)}`] = g.json(1);
      else body.zz_unknown = 1;
    } else {
      const p = g.pick(spec.strings.filter(live));
      if (p) set(body, p, g.badString());
      else body.zz_unknown = 1;
    }
  }
  return body;
}

/** A VNFD that parseVnfd refuses, as text or object. */
function invalidVnfd(g: Gen): string | object {
  for (;;) {
    const base = g.pick([SCALING_VNFD, TWO_VDUS_VNFD]);
    let candidate: string | object;
    const kind = g.int(6);
    if (kind === 0) {
      const lines = base.split('\n');
      lines.splice(g.int(lines.length), 1 + g.int(3));
      candidate = lines.join('\n');
    } else if (kind === 1) {
      const i = g.int(base.length);
      candidate =
        base.slice(0, i) +
        g.pick(['\t', ': ', '- ', '{', '[', '&a ', '*a ', '!!python/object ', '\u0000', "'"]) +
        base.slice(i);
    } else if (kind === 2) {
      const doc = parseYaml(base) as Json;
      const vdu = doc.topology_template.node_templates.VDU1;
      vdu.properties.monitoring_policy[g.pick(['name', 'actions', 'parameters'])] = g.json(1);
      candidate = g.chance(0.5) ? doc : stringify(doc);
    } else if (kind === 3) {
      candidate = g.pick([
        'a: &a [*a]',
        'x: &x ["lol","lol"]\ny: &y [*x,*x,*x,*x,*x,*x,*x,*x]\nz: [*y,*y,*y,*y,*y,*y,*y,*y]',
        '['.repeat(5000),
        'tosca_definitions_version: tosca_simple_profile_for_nfv_1_0_0\n' + 'k: v\n'.repeat(20000),
        '!!js/function "function(){}"',
      ]);
    } else if (kind === 4) {
      candidate = g.json(0) as object;
    } else {
      const doc = parseYaml(base) as Json;
      delete doc[g.pick(['tosca_definitions_version', 'topology_template'])];
      candidate = doc;
    }
    if (!parseVnfd(candidate).ok) return candidate;
  }
}

function request(g: Gen, seeded: Seeded, token: string): Fuzzed {
  const auth = { 'X-Auth-Token': token };
  const json = { 'Content-Type': 'application/json' };
  const kind = g.int(10);
  if (kind <= 2) {
    const spec = g.pick(SPECS);
    return {
      method: spec.method,
      path: spec.path(seeded),
      body: JSON.stringify(mutate(g, spec, seeded)),
      headers: { ...auth, ...json },
    };
  }
  if (kind === 3) {
    const template = invalidVnfd(g);
    const body = g.chance(0.5)
      ? { vnfd: { name: 'fuzz', attributes: { vnfd: template } } }
      : { vnf: { name: 'fuzz', vnfd_template: template, attributes: MGMT } };
    return {
      method: 'POST',
      path: 'vnfd' in body ? '/v1.0/vnfds' : '/v1.0/vnfs',
      body: JSON.stringify(body),
      headers: { ...auth, ...json },
    };
  }
  if (kind === 4) {
    // Junk that is not JSON, or JSON of the wrong shape, under a JSON content type.
    const body = g.pick([
      () => g.text(60),
      () => JSON.stringify(g.json()),
      () => JSON.stringify({ vnfd: { name: 'big', attributes: { vnfd: 'x'.repeat(1100 * 1024) } } }),
    ])();
    const path = g.pick(['/v1.0/vims', '/v1.0/vnfds', '/v1.0/vnfs', `/v1.0/vnfs/${seeded.vnfId}/actions`]);
    return { method: 'POST', path, body, headers: { ...auth, ...json } };
  }
  if (kind === 5) {
    const path = g.pick([
      `/v1.0/vims/${g.id()}`,
      `/v1.0/vnfds/${g.id()}`,
      `/v1.0/vnfs/${g.id()}`,
      `/v1.0/vnfs/${g.id()}/resources`,
      `/v1.0/vnfs/${g.id()}/monitor`,
      `/v1.0/events/${g.id()}`,
      `/v1.0/${pct(g.text(20))}`,
    ]);
    return { method: g.pick(['GET', 'DELETE', 'PUT', 'PATCH']), path, headers: auth };
  }
  if (kind === 6) {
    const list = g.pick(['/v1.0/vims', '/v1.0/vnfds', '/v1.0/vnfs', '/v1.0/events']);
    const q = g.pick([
      `limit=${pct(g.pick(['0', '-1', '1001', 'x', '1e3', '', ' 5']))}`,
      `marker=${pct(g.id())}`,
      `limit=1&limit=2`,
      `status=${pct(g.text(8) + 'X')}&limit=0`,
    ]);
    return { method: 'GET', path: `${list}?${q}`, headers: auth };
  }
  if (kind === 8) {
    // Well-formed requests the seeded resources' state refuses (in use, still PENDING_CREATE).
    return g.pick<Fuzzed>([
      { method: 'DELETE', path: `/v1.0/vims/${seeded.vimId}`, headers: auth },
      { method: 'DELETE', path: `/v1.0/vnfds/${seeded.vnfdId}`, headers: auth },
      { method: 'DELETE', path: `/v1.0/vnfs/${seeded.vnfId}`, headers: auth },
      { method: 'GET', path: `/v1.0/vnfs/${seeded.vnfId}/resources`, headers: auth },
      {
        method: 'POST',
        path: `/v1.0/vnfs/${seeded.vnfId}/actions`,
        body: JSON.stringify({ scale: { policy: 'SP1', type: g.pick(['out', 'in']) } }),
        headers: { ...auth, ...json },
      },
      {
        method: 'PUT',
        path: `/v1.0/vnfs/${seeded.vnfId}`,
        body: JSON.stringify({ vnf: { attributes: { config: { k: g.text(5) } } } }),
        headers: { ...auth, ...json },
      },
    ]);
  }
  if (kind === 7) {
    // Bad credentials on any route.
    const bad = g.pick([
      () => g.text(30).replace(/[^\x21-\x7e]/g, 'x'),
      () => 'vnfm_' + 'A'.repeat(43),
      () => token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'),
      () => '',
    ])();
    const headers: Record<string, string> = g.chance(0.5)
      ? { 'X-Auth-Token': bad }
      : { Authorization: `Bearer ${bad}` };
    const spec = g.pick(SPECS);
    return {
      method: spec.method,
      path: spec.path(seeded),
      body: JSON.stringify(spec.valid(seeded)),
      headers: { ...headers, ...json },
    };
  }
  // Valid-looking JSON under another content type or encoding.
  const spec = g.pick(SPECS);
  const ct = g.pick([
    'text/plain',
    'application/x-www-form-urlencoded',
    'application/json; charset=utf-16',
    'application/xml',
  ]);
  return {
    method: spec.method,
    path: spec.path(seeded),
    body: JSON.stringify(spec.valid(seeded)),
    headers: { ...auth, 'Content-Type': ct },
  };
}

let api: TestApi;
let t: TestTenant;
let seeded: Seeded;

async function snapshot(tenantId: string) {
  const byTenant = { where: { tenantId } };
  const byVnf = { where: { vnf: { tenantId } } };
  return {
    api_tokens: await api.db.apiToken.count(byTenant),
    vims: await api.db.vim.findMany({ ...byTenant, orderBy: { id: 'asc' } }),
    vnfds: await api.db.vnfd.findMany({ ...byTenant, orderBy: { id: 'asc' } }),
    vnfs: await api.db.vnf.findMany({ ...byTenant, orderBy: { id: 'asc' } }),
    vdu_instances: await api.db.vduInstance.count(byVnf),
    events: await api.db.event.count(byTenant),
    policy_action_executions: await api.db.policyActionExecution.count(byVnf),
    ip_allocations: await api.db.ipAllocation.count({ where: { vim: { tenantId } } }),
    tenants_without_owner: await api.db.event.count({
      where: { tenantId: null, resourceId: { in: [seeded.vnfId, seeded.vimId, seeded.vnfdId] } },
    }),
  };
}

beforeAll(async () => {
  api = await startTestApi({ app: { lifecycleTimeoutMs: 2000 } });
  t = await api.tenant();
  const vim = await staticVim(t);
  const vnfd = await onboardVnfd(t);
  const vnf = await t.http.post('/v1.0/vnfs', { vnf: { name: 'seed', vnfd_id: vnfd.id, attributes: MGMT } });
  expect(vnf.status).toBe(201);
  seeded = { vimId: vim.id, vnfdId: vnfd.id, vnfId: vnf.body.vnf.id };
});
afterAll(() => api?.close());

describe('API fuzz', () => {
  it(`answers ${RUNS} random malformed requests with 4xx only and writes nothing (seed ${SEED})`, async () => {
    const before = await snapshot(t.tenantId);
    const lifecycle = await api.temporal.workflow.getHandle(lifecycleWorkflowId(seeded.vnfId)).describe();
    const g = new Gen(prng(SEED));
    const requests = Array.from({ length: RUNS }, () => request(g, seeded, t.token));
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    const CONCURRENCY = 8;
    for (let i = 0; i < requests.length; i += CONCURRENCY) {
      await Promise.all(
        requests.slice(i, i + CONCURRENCY).map(async (r, j) => {
          const what = `#${i + j} ${r.method} ${r.path.slice(0, 80)} ${(r.body ?? '').slice(0, 160)}`;
          let res: Response;
          let text: string;
          try {
            res = await fetch(api.url + r.path, { method: r.method, headers: r.headers, body: r.body });
            text = await res.text();
          } catch (err) {
            failures.push(`${what} → ${String(err)} ${String((err as Error).cause)}`);
            return;
          }
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          const answer = `${what} → ${res.status} ${text.slice(0, 200)}`;
          if (res.status < 400 || res.status >= 500) failures.push(answer);
          else if (r.method !== 'HEAD') {
            try {
              const body = JSON.parse(text);
              if (typeof body?.TackerError?.type !== 'string' || typeof body.TackerError.message !== 'string')
                failures.push(`shape: ${answer}`);
            } catch {
              failures.push(`not JSON: ${answer}`);
            }
          }
        }),
      );
    }
    expect(failures, `seed ${SEED}`).toEqual([]);
    // Every class of answer came up (the generators are not all stuck on one).
    for (const status of [400, 401, 404, 405, 409, 413, 415]) {
      expect(
        statuses.get(status) ?? 0,
        `answers ${status} (all: ${JSON.stringify([...statuses])})`,
      ).toBeGreaterThan(0);
    }

    expect(await snapshot(t.tenantId)).toEqual(before);
    const after = await api.temporal.workflow.getHandle(lifecycleWorkflowId(seeded.vnfId)).describe();
    expect(after.runId).toBe(lifecycle.runId);
  });
});
