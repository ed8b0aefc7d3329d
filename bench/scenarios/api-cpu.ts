// API CPU per request, in isolation: N VNFs (two live instances each, like the
// sample with two VDUs) written straight into a fresh database, the API app
// in a process of its own (Prisma 7 with the pg adapter runs its queries in
// that process, so its CPU time is all of the API's), and sequential requests
// over real HTTP. It answers "what does a page cost" without the monitors,
// Temporal and PostgreSQL competing for the two cores (the `api` scenario
// measures latency under that load).
import { readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createApiToken } from '../../src/auth/tokens.js';
import { createDb } from '../../src/db/client.js';
import { scratchDatabase } from '../../src/db/migrate.js';
import { parseVnfd } from '../../src/vnfd/parse.js';
import { cpuSeconds, systemSeconds } from '../proc.js';
import { fmt, type Row } from '../results.js';
import { percentile as pct } from '../stats.js';

const percentile = (v: number[], p: number) => pct(v, p) ?? NaN;

export interface ApiCpuArgs {
  vnfs: number;
  requests: number;
  log: (msg: string) => void;
}

export interface ApiCpuOutput {
  rows: Row[];
  figures: Record<string, number>;
  notes: string[];
}

const PAGE_CPU_TARGET_MS = 2;

export async function seed(url: string, n: number, tenantId: string): Promise<string[]> {
  const template = readFileSync(
    new URL('../../test/fixtures/vnfd/vnfd-two-vdus.yaml', import.meta.url),
    'utf8',
  );
  const result = parseVnfd(template);
  if (!result.ok) throw new Error(`the bench VNFD does not parse: ${JSON.stringify(result.errors)}`);
  const parsed = result.parsed;
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const vim = await c.query<{ id: string }>(
      `INSERT INTO vims (id, tenant_id, name, type, is_default, config, updated_at)
       VALUES (gen_random_uuid(), $1, 'bench', 'netns', true, '{"bridge":"vnfmbr9","pool":"10.254.0.0/16"}', now())
       RETURNING id`,
      [tenantId],
    );
    const vnfd = await c.query<{ id: string }>(
      `INSERT INTO vnfds (id, tenant_id, name, template, parsed, updated_at)
       VALUES (gen_random_uuid(), $1, 'bench', $2, $3, now()) RETURNING id`,
      [tenantId, template, JSON.stringify(parsed)],
    );
    const vnfs = await c.query<{ id: string }>(
      `INSERT INTO vnfs (id, tenant_id, name, vnfd_id, vim_id, status, monitor_action_id, attributes, created_at, updated_at)
       SELECT gen_random_uuid(), $1, 'vnf-' || g, $2, $3, 'ACTIVE', gen_random_uuid(),
              '{"param_values": {}}', now() - (g || ' ms')::interval, now()
       FROM generate_series(1, $4) g RETURNING id`,
      [tenantId, vnfd.rows[0]!.id, vim.rows[0]!.id, n],
    );
    await c.query(
      `INSERT INTO vdu_instances (id, vnf_id, vdu_name, index, mgmt_ip, vim_resource_id, status, booted_at, updated_at)
       SELECT gen_random_uuid(), v.id, vdu, 0,
              '10.254.' || ((row_number() OVER ()) / 250) || '.' || ((row_number() OVER ()) % 250 + 1),
              'vnfm-' || left(v.id::text, 8) || '-' || vdu, 'ACTIVE', now(), now()
       FROM vnfs v CROSS JOIN (VALUES ('VDU1'), ('VDU2')) d(vdu)`,
    );
    return vnfs.rows.map((r) => r.id);
  } finally {
    await c.end();
  }
}

export async function apiCpuScenario(args: ApiCpuArgs): Promise<ApiCpuOutput> {
  const scratch = await scratchDatabase(
    process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
    'vnfm_bench_api',
  );
  const url = scratch.url;
  const db = createDb(url);
  const server = await (async () => {
    const token = await createApiToken(db, { tenant: 'bench' });
    args.log(`seeding ${args.vnfs} VNFs with two instances each`);
    const ids = await seed(url, args.vnfs, token.tenantId);
    const child = spawn(
      process.execPath,
      [
        ...(process.env.API_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.API_CPU_PROF}`] : []),
        '--import',
        'tsx',
        fileURLToPath(new URL('../api-cpu-server.ts', import.meta.url)),
      ],
      {
        env: { ...process.env, DATABASE_URL: url },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const port = await new Promise<number>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the API exited (${code}) before listening`)));
      child.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
    });
    return { child, port, token: token.token, ids };
  })();
  const origin = `http://127.0.0.1:${server.port}`;
  const get = async (path: string) => {
    const res = await fetch(origin + path, { headers: { 'X-Auth-Token': server.token } });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${text.slice(0, 200)}`);
    return text;
  };

  // `before` runs ahead of each request, outside its latency (its CPU is the bench's and PostgreSQL's).
  const measure = async (
    name: string,
    path: (i: number) => string,
    before?: (i: number) => Promise<void>,
  ) => {
    for (let i = 0; i < 30; i++) await get(path(i)); // warm-up: JIT, caches, pool
    const lat: number[] = [];
    let bytes = 0;
    const cpu0 = cpuSeconds(server.child.pid!)!;
    const sys0 = systemSeconds(server.child.pid!);
    const t0 = performance.now();
    let outside = 0;
    for (let i = 0; i < args.requests; i++) {
      if (before) {
        const b = performance.now();
        await before(i);
        outside += performance.now() - b;
      }
      const s = performance.now();
      bytes += (await get(path(i))).length;
      lat.push(performance.now() - s);
    }
    const wall = performance.now() - t0 - outside;
    const cpuMs = ((cpuSeconds(server.child.pid!)! - cpu0) * 1000) / args.requests;
    const sysMs = ((systemSeconds(server.child.pid!) - sys0) * 1000) / args.requests;
    args.log(
      `${name}: ${fmt(cpuMs, 2)} ms CPU/request (${fmt(sysMs, 2)} in the kernel), p50 ${fmt(percentile(lat, 50), 1)} ms, p99 ${fmt(percentile(lat, 99), 1)} ms, ${Math.round(bytes / args.requests)} B, ${fmt(args.requests / (wall / 1000), 0)} req/s`,
    );
    return { cpuMs, p50: percentile(lat, 50), p99: percentile(lat, 99), bytes: bytes / args.requests };
  };

  try {
    // Pages from different places of the list: the first, and pages after a marker.
    const markers = [undefined, ...server.ids.filter((_, i) => i % 97 === 0).slice(0, 20)];
    const pagePath = (i: number) => {
      const m = markers[i % markers.length];
      return `/v1.0/vnfs?limit=100${m ? `&marker=${m}` : ''}`;
    };
    const page = await measure('GET /v1.0/vnfs?limit=100', pagePath);
    // The API keeps each VNF's JSON until a row it is made of changes (src/api/vnf-json-cache.ts).
    // Worst case: every VNF of the page written since the page was last read.
    const writer = new pg.Client({ connectionString: url });
    await writer.connect();
    const changed = await measure(
      'GET /v1.0/vnfs?limit=100, every VNF changed since',
      pagePath,
      async (i) => {
        const m = markers[i % markers.length];
        await writer.query(
          `UPDATE vnfs SET updated_at = now() WHERE id IN (SELECT id FROM vnfs
           WHERE ($1::uuid IS NULL OR (created_at, id) > (SELECT created_at, id FROM vnfs WHERE id = $1::uuid))
           ORDER BY created_at, id LIMIT 100)`,
          [m ?? null],
        );
      },
    );
    await writer.end();
    const one = await measure(
      'GET /v1.0/vnfs/{id}',
      (i) => `/v1.0/vnfs/${server.ids[(i * 7919) % server.ids.length]}`,
    );
    return {
      rows: [
        {
          metric: 'GET /v1.0/vnfs?limit=100: API CPU per request',
          value: `${fmt(page.cpuMs, 2)} ms`,
          target: `≤ ${PAGE_CPU_TARGET_MS} ms`,
          met: page.cpuMs <= PAGE_CPU_TARGET_MS,
        },
        {
          metric: 'GET /v1.0/vnfs?limit=100: p50 / p99 (sequential, idle machine)',
          value: `${fmt(page.p50)} / ${fmt(page.p99)} ms`,
        },
        {
          metric: 'GET /v1.0/vnfs?limit=100, every VNF on it changed since it was last read: API CPU',
          value: `${fmt(changed.cpuMs, 2)} ms (p50 / p99 ${fmt(changed.p50)} / ${fmt(changed.p99)} ms)`,
        },
        { metric: 'GET /v1.0/vnfs/{id}: API CPU per request', value: `${fmt(one.cpuMs, 2)} ms` },
        {
          metric: 'GET /v1.0/vnfs/{id}: p50 / p99 (sequential, idle machine)',
          value: `${fmt(one.p50)} / ${fmt(one.p99)} ms`,
        },
      ],
      figures: {
        pageCpuMs: page.cpuMs,
        pageP50Ms: page.p50,
        pageP99Ms: page.p99,
        pageBytes: page.bytes,
        changedPageCpuMs: changed.cpuMs,
        changedPageP99Ms: changed.p99,
        showCpuMs: one.cpuMs,
        showP50Ms: one.p50,
        showP99Ms: one.p99,
      },
      notes: [
        `${args.requests} sequential requests per endpoint after 30 warm-up requests, the API alone in its own process (CPU from /proc)`,
      ],
    };
  } finally {
    server.child.kill('SIGTERM');
    await new Promise((r) => server.child.once('exit', r));
    await db.$disconnect();
    await scratch.drop();
  }
}
