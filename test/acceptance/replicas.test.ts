// Two API processes and two conductors side by side, on a PostgreSQL server
// of this file's own (so it can be stopped: the machine's shared server is
// used by every other test):
// - concurrent scale/update/delete of one VNF through both APIs are
//   serialised: every accepted request took effect exactly once (no double
//   scale, no lost update), every refused one answered 409;
// - bad input sent to the real API process (HTTP protocol abuse, hostile
//   JSON, mutated bodies against an ACTIVE VNF, foreign and missing tokens)
//   gets only 4xx and changes nothing — the rows, the workflows, the host;
//   test/api/fuzz.test.ts covers the schema-level fuzzing in-process, this
//   adds what only the real process and an ACTIVE VNF can show;
// - PostgreSQL stopped for 20 s while a VDU fails: the monitor (no database)
//   sees the failure, the policy action waits, and completes once after
//   PostgreSQL is back.
import { connect } from 'node:net';
import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Json } from '../helpers/api.js';
import { httpClient } from '../helpers/api.js';
import { netnsUnavailable } from '../helpers/netns.js';
import {
  createVnf,
  describeEvents,
  eventsText,
  getVnf,
  hostNamespaces,
  linkDown,
  listWorkflows,
  mgmtIps,
  onboard,
  probesReach,
  registerNetnsVim,
  removeRegisteredVims,
  resources,
  sample,
  sleep,
  until,
  vimNamespaces,
  vnfEvents,
  waitStatus,
  type NetnsVim,
} from './operator.js';
import { ownPostgresUnavailable, Stack } from './stack.js';

const skip = (await netnsUnavailable()) ?? (await ownPostgresUnavailable());
if (skip) console.warn(`SKIPPED acceptance replica/outage tests: ${skip}`);

const FAST = { monitoring_delay: 1, period: 1 };

describe.skipIf(skip)(
  `acceptance: two APIs, two conductors, PostgreSQL of its own${skip ? ` (skipped: ${skip})` : ''}`,
  // Generous: a loaded 2-core CI machine; each wait inside has its own, shorter deadline.
  { timeout: 240_000 },
  () => {
    let stack: Stack;
    let vim: NetnsVim;

    beforeAll(async () => {
      stack = await Stack.start({
        name: 'replicas',
        postgres: 'own',
        services: ['conductor', 'conductor2', 'monitor', 'api', 'api2'],
      });
      vim = await registerNetnsVim(stack);
    }, 300_000);
    afterEach((ctx) => {
      if (ctx.task.result?.state === 'fail' && stack) stack.failed = true;
    });
    afterAll(async () => {
      await stack?.close();
      await removeRegisteredVims();
    });

    const count = (list: string[], re: RegExp) => list.filter((e) => re.test(e)).length;
    const events = async (id: string) => describeEvents(await vnfEvents(stack, id));

    /** Waits until no lifecycle workflow of the VNF runs (its last steps come after its final status). */
    async function settled(id: string) {
      await until(
        `the lifecycle workflow of VNF ${id} to finish`,
        () => listWorkflows(stack, `WorkflowId = 'vnf-lifecycle-${id}' AND ExecutionStatus = 'Running'`),
        (r) => r.length === 0,
      );
      return waitStatus(stack, id, 'ACTIVE');
    }

    /** Every lifecycle workflow run of the VNF: type, input, result status and close time. */
    async function lifecycleRuns(id: string) {
      const out: { type: string; input: Json; result: string; closedAt: number }[] = [];
      for await (const w of stack.client.workflow.list({ query: `WorkflowId = 'vnf-lifecycle-${id}'` })) {
        const handle = stack.client.workflow.getHandle(w.workflowId, w.runId, { followRuns: false });
        const history = await handle.fetchHistory();
        const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
        const result =
          w.status.name === 'COMPLETED'
            ? ((await handle.result()) as { status: string }).status
            : w.status.name;
        out.push({
          type: w.type,
          input: payload ? defaultPayloadConverter.fromPayload(payload) : undefined,
          result,
          closedAt: w.closeTime?.getTime() ?? Infinity,
        });
      }
      return out;
    }

    it('concurrent scale, update and delete of one VNF through two APIs are serialised: each accepted once, each refused 409', async () => {
      // Both conductors poll the queue.
      const pollers = await stack.client.workflowService.describeTaskQueue({
        namespace: 'default',
        taskQueue: { name: stack.conductorQueue, kind: 1 },
        taskQueueType: 1,
      });
      expect(
        new Set((pollers.pollers ?? []).map((p) => p.identity)).size,
        'two conductors polling',
      ).toBeGreaterThanOrEqual(2);

      const vnfdId = await onboard(stack, sample('vnfd-ping-scaling', { '*': FAST }), 'scaling');
      const id = await createVnf(stack, vnfdId, 'contended');
      await waitStatus(stack, id, 'ACTIVE');
      const apis = { api: stack.http('api'), api2: stack.http('api2') };

      interface Outcome {
        api: string;
        op: string;
        status: number;
        config?: Json;
        text: string;
      }
      const outcomes: Outcome[] = [];
      const send = async (api: 'api' | 'api2', op: 'out' | 'in' | 'update', round: number) => {
        const config = { round, from: api, nonce: Math.random() };
        const r =
          op === 'update'
            ? await apis[api].put(`/v1.0/vnfs/${id}`, { vnf: { attributes: { config } } })
            : await apis[api].post(`/v1.0/vnfs/${id}/actions`, { scale: { policy: 'SP1', type: op } });
        outcomes.push({
          api,
          op,
          status: r.status,
          config: op === 'update' ? config : undefined,
          text: r.text.slice(0, 200),
        });
      };
      // Rounds of simultaneous requests from both APIs.
      const ROUNDS: ['api' | 'api2', 'out' | 'in' | 'update'][][] = [
        [
          ['api', 'out'],
          ['api2', 'out'],
          ['api', 'update'],
          ['api2', 'update'],
        ],
        [
          ['api', 'out'],
          ['api2', 'out'],
          ['api2', 'out'],
          ['api', 'in'],
        ],
        [
          ['api', 'in'],
          ['api2', 'in'],
          ['api', 'update'],
          ['api2', 'update'],
          ['api2', 'in'],
        ],
        [
          ['api2', 'out'],
          ['api', 'update'],
          ['api2', 'update'],
          ['api', 'out'],
          ['api2', 'in'],
        ],
      ];
      for (const [round, reqs] of ROUNDS.entries()) {
        await Promise.all(reqs.map(([api, op]) => send(api, op, round)));
        await settled(id);
      }

      const refused = outcomes.filter((o) => o.status >= 300);
      expect(
        refused.filter((o) => o.status !== 409),
        `refusals other than 409: ${JSON.stringify(refused)}`,
      ).toEqual([]);
      const accepted = outcomes.filter((o) => o.status < 300);
      const outs = accepted.filter((o) => o.op === 'out').length;
      const ins = accepted.filter((o) => o.op === 'in').length;
      const updates = accepted.filter((o) => o.op === 'update');
      const summary = `accepted: ${outs} out, ${ins} in, ${updates.length} update; refused: ${refused.length}\n${outcomes.map((o) => `${o.api} ${o.op} → ${o.status}`).join('\n')}`;
      expect(refused.length, `some requests must have collided\n${summary}`).toBeGreaterThan(0);
      console.log(`[replicas] ${summary.split('\n')[0]}`);

      const vnf = (await getVnf(stack, id))!;
      const list = await events(id);
      // No double scale: the instances are exactly what the accepted scales made.
      expect(mgmtIps(vnf).VDU1!.length, `${summary}\n${list.join('\n')}`).toBe(1 + outs - ins);
      expect((await resources(stack, id)).length).toBe(1 + outs - ins);
      expect(count(list, /^SCALE:ACTIVE scaled out/), summary).toBe(outs);
      expect(count(list, /^SCALE:ACTIVE scaled in/), summary).toBe(ins);
      // Exactly once, as Temporal recorded it: every lifecycle run of the VNF
      // with its input and result (the Web UI's list of vnf-lifecycle-<id> runs).
      const runs = await lifecycleRuns(id);
      const done = runs.filter((r) => r.result === 'ACTIVE');
      const ranUpdates = done.filter((r) => r.type === 'updateVnfWorkflow');
      const nonce = (c: Json) => String(c?.nonce);
      expect(
        ranUpdates.map((r) => nonce(r.input.attributes.config)).sort(),
        `${summary}\nruns: ${JSON.stringify(runs)}`,
      ).toEqual(updates.map((u) => nonce(u.config)).sort());
      for (const t of ['out', 'in'] as const) {
        expect(
          done.filter((r) => r.type === 'scaleVnfWorkflow' && r.input.type === t).length,
          `${summary}\nruns: ${JSON.stringify(runs)}`,
        ).toBe(t === 'out' ? outs : ins);
      }
      // No lost update: each accepted update completed once, and the VNF holds the one that ran last.
      expect(count(list, /^UPDATE:ACTIVE VNF updated/), summary).toBe(updates.length);
      const lastRun = ranUpdates.sort((a, b) => a.closedAt - b.closedAt).at(-1);
      if (lastRun) expect(vnf.attributes.config, summary).toEqual(lastRun.input.attributes.config);
      // Serialised: every operation finished before the next began.
      const ops = list.filter((e) => /^(SCALE|UPDATE):/.test(e));
      for (let i = 0; i < ops.length; i += 2) {
        expect(ops[i], ops.join('\n')).toMatch(/^(SCALE|UPDATE):PENDING_/);
        expect(ops[i + 1], ops.join('\n')).toMatch(/^(SCALE|UPDATE):ACTIVE/);
      }
      expect(count(list, /^MONITOR:/), 'no failure taken for an operation').toBe(0);

      // Two deletes at once: one is accepted, the other refused.
      const nss = (await resources(stack, id)).map((r) => r.id);
      const dels = await Promise.all([
        apis.api.delete(`/v1.0/vnfs/${id}`),
        apis.api2.delete(`/v1.0/vnfs/${id}`),
      ]);
      const codes = dels.map((d) => d.status).sort();
      expect(codes[0], dels.map((d) => `${d.status} ${d.text}`).join('\n')).toBe(204);
      expect(
        [409, 404],
        `the second delete: ${dels.map((d) => `${d.status} ${d.text}`).join('\n')}`,
      ).toContain(codes[1]);
      await until(
        `VNF ${id} gone`,
        () => getVnf(stack, id),
        (v) => v === undefined,
        { context: () => eventsText(stack, id) },
      );
      expect(count(await events(id), /^DELETE:DELETED/)).toBe(1);
      for (const ns of nss) expect(await hostNamespaces(ns)).toEqual([]);
    });

    it('bad input to the real API processes: only 4xx, and nothing changes (rows, workflows, namespaces)', async () => {
      const vnfdId = await onboard(stack, sample('vnfd-ping-scaling', { '*': FAST }), 'fuzz-target');
      const id = await createVnf(stack, vnfdId, 'fuzz-target');
      await settled(id);
      const member = JSON.parse(
        (await stack.cli(['--json', 'token', 'create', '--tenant', 'acceptance-replicas'])).stdout,
      ).token as string;
      const other = JSON.parse(
        (await stack.cli(['--json', 'token', 'create', '--tenant', 'acceptance-other'])).stdout,
      ).token as string;

      const snapshot = async () => ({
        rows: await stack.sql(`
        SELECT 'vnfs' t, count(*)::int n, md5(coalesce(string_agg(id || status || attributes::text || updated_at::text, ',' ORDER BY id), '')) h FROM vnfs
        UNION ALL SELECT 'vnfds', count(*)::int, md5(coalesce(string_agg(id::text || updated_at::text, ',' ORDER BY id), '')) FROM vnfds
        UNION ALL SELECT 'vims', count(*)::int, md5(coalesce(string_agg(id || config::text || updated_at::text, ',' ORDER BY id), '')) FROM vims
        UNION ALL SELECT 'vdu_instances', count(*)::int, md5(coalesce(string_agg(id || status || updated_at::text, ',' ORDER BY id), '')) FROM vdu_instances
        UNION ALL SELECT 'events', count(*)::int, '' FROM events
        UNION ALL SELECT 'tenants', count(*)::int, '' FROM tenants
        UNION ALL SELECT 'api_tokens', count(*)::int, '' FROM api_tokens
        UNION ALL SELECT 'ip_allocations', count(*)::int, md5(coalesce(string_agg(id || coalesce(released_at::text, ''), ',' ORDER BY id), '')) FROM ip_allocations
        UNION ALL SELECT 'policy_action_executions', count(*)::int, '' FROM policy_action_executions`),
        workflows: (await listWorkflows(stack, `WorkflowType != 'vnfMonitorWorkflow'`)).length,
        monitor: (await listWorkflows(stack, `WorkflowId = 'vnf-monitor-${id}'`)).map(
          (w) => `${w.runId}:${w.status}`,
        ),
        namespaces: await vimNamespaces(vim),
      });
      const before = await snapshot();
      const failures: string[] = [];
      const statuses = new Map<number, number>();
      const tally = (s: number) => statuses.set(s, (statuses.get(s) ?? 0) + 1);

      // 1. The HTTP protocol itself, on raw sockets: each answered 4xx by Node or the app, or the connection dropped.
      for (const api of ['api', 'api2']) {
        const port = Number(new URL(stack.apiUrl(api)).port);
        for (const [name, data, half] of rawCases(stack.token)) {
          const answer = await rawRequest(port, data, half);
          const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1] ?? 0);
          tally(status);
          if (status === 100) continue; // 100 Continue, then the final answer on the same socket (checked below)
          if (status === 0 ? !ALLOWED_SILENT.has(name) : status < 400 || status >= 500)
            failures.push(`${api} raw ${name} → ${answer.slice(0, 160) || '(no answer)'}`);
        }
      }

      // 2. Hostile JSON and mutated bodies against the ACTIVE VNF, with every kind of credential.
      const tokens = { admin: stack.token, member, other, none: '', forged: `${member.slice(0, -2)}zz` };
      for (const r of jsonCases(id, vim.id, vnfdId)) {
        for (const [who, token] of Object.entries(tokens)) {
          if (r.adminOnly && who === 'admin') continue; // the admin may do it: not bad input
          const client = httpClient(stack.apiUrl(Math.random() < 0.5 ? 'api' : 'api2'), token || undefined);
          const res = await client.request(r.method, r.path, { body: r.body, headers: r.headers });
          tally(res.status);
          if (res.status < 400 || res.status >= 500)
            failures.push(
              `${who} ${r.method} ${r.path} ${String(r.body).slice(0, 120)} → ${res.status} ${res.text.slice(0, 160)}`,
            );
          else if (typeof res.body?.TackerError?.type !== 'string')
            failures.push(
              `${who} ${r.method} ${r.path}: ${res.status} without a TackerError body: ${res.text.slice(0, 120)}`,
            );
        }
      }
      expect(failures, `answers outside 4xx (all: ${JSON.stringify([...statuses])})`).toEqual([]);
      for (const api of ['api', 'api2'])
        expect((await fetch(`${stack.apiUrl(api)}/readyz`)).status, `${api} still serves`).toBe(200);
      await sleep(1500); // anything a request set off would have started by now
      expect(await snapshot(), 'bad input wrote nothing').toEqual(before);
      expect((await getVnf(stack, id))!.status).toBe('ACTIVE');
      await stack.http().delete(`/v1.0/vnfs/${id}`);
    });

    it('PostgreSQL stopped for 20 s while a VDU fails: the policy action waits and completes once when it is back', async () => {
      const vnfdId = await onboard(stack, sample('vnfd-ping-respawn', { '*': FAST }), 'pg-outage');
      const id = await createVnf(stack, vnfdId, 'pg-outage');
      const vnf = await waitStatus(stack, id, 'ACTIVE');
      const [oldIp] = mgmtIps(vnf).VDU1!;
      const [res] = await resources(stack, id);
      const oldNs = res!.id;
      await probesReach(oldNs);

      const stoppedAt = Date.now();
      await stack.stopPostgres();
      await linkDown(oldNs);
      try {
        // The operator's view while the database is down: the API says it is not ready…
        const ready = await fetch(`${stack.apiUrl()}/readyz`).then(async (r) => ({
          status: r.status,
          body: (await r.json()) as Json,
        }));
        expect(ready.status).toBe(503);
        expect(ready.body.checks.temporal).toBe('ok');
        expect(ready.body.checks.database).not.toBe('ok');
        // …requests that need the database are refused as unavailable (503, retry later), on both APIs…
        for (const api of ['api', 'api2']) {
          const answers = await Promise.all([
            stack.http(api).get(`/v1.0/vnfs/${id}`),
            stack.http(api).get('/v1.0/events?limit=5'),
            stack.http(api).post('/v1.0/vnfs', { vnf: { name: 'while-db-down', vnfd_id: vnfdId } }),
            stack.http(api).post(`/v1.0/vnfs/${id}/actions`, { scale: { policy: 'SP1', type: 'out' } }),
          ]);
          for (const a of answers) {
            expect(`${a.status} ${a.body?.TackerError?.type}`, `${api}: ${a.text.slice(0, 200)}`).toBe(
              '503 ServiceUnavailable',
            );
            expect(a.headers.get('retry-after'), `${api}: Retry-After`).toBeTruthy();
          }
        }
        // …and the monitor, which needs no database, has seen the failure and is acting (Temporal, via the CLI).
        await until(
          'the monitor ACTING on the failure while PostgreSQL is down (vnfm monitor status)',
          async () => (await stack.cliJson<{ state: string }>(['monitor', 'status', id])).state,
          (s) => s === 'ACTING',
          { timeoutMs: 15_000 },
        );
        await sleep(Math.max(0, 20_000 - (Date.now() - stoppedAt)));
      } finally {
        await stack.startPostgres();
      }
      const backAt = Date.now();
      console.log(`[replicas] PostgreSQL was down ${((backAt - stoppedAt) / 1000).toFixed(1)} s`);

      const after = await until(
        `VNF ${id} ACTIVE on a new IP after PostgreSQL is back`,
        () => getVnf(stack, id),
        (v) => v?.status === 'ACTIVE' && mgmtIps(v).VDU1?.[0] !== oldIp,
        {
          timeoutMs: 90_000,
          context: async () => `${await eventsText(stack, id)}\n${stack.logTails(6)}`,
        },
      );
      const [newRes] = await resources(stack, id);
      await probesReach(newRes!.id);
      expect(await hostNamespaces(oldNs)).toEqual([]);
      const ev = await vnfEvents(stack, id);
      const list = describeEvents(ev);
      expect(count(list, /VNF respawned/), list.join('\n')).toBe(1);
      const dead = ev.find((e) => e.event_type === 'MONITOR' && e.resource_state === 'DEAD')!;
      expect(Date.parse(dead.timestamp), 'the action ran after PostgreSQL was back').toBeGreaterThanOrEqual(
        backAt - 1000,
      );
      const rows = await stack.sql<{ status: string }>(
        `SELECT status FROM policy_action_executions WHERE vnf_id = $1`,
        [id],
      );
      expect(
        rows.map((r) => r.status),
        'one policy action, done',
      ).toEqual(['DONE']);
      // Every process rode it out.
      for (const name of ['api', 'api2', 'conductor', 'conductor2', 'monitor']) {
        expect(stack.service(name).child.exitCode, `${name} still running`).toBeNull();
      }
      expect(mgmtIps(after!).VDU1).toHaveLength(1);
      const live = await stack.sql<{ ns: string }>(
        `SELECT vim_resource_id AS ns FROM vdu_instances WHERE deleted_at IS NULL`,
      );
      expect(await vimNamespaces(vim), 'no leaked namespace').toEqual(live.map((r) => r.ns).sort());
    });
  },
);

// ---- bad input -----------------------------------------------------------------------

/** Raw cases whose connection the server may simply close (no HTTP answer exists for them). */
const ALLOWED_SILENT = new Set(['connect']);

/** Requests that break HTTP or JSON itself, as bytes on the wire. */
function rawCases(token: string): [string, string | Buffer, boolean?][] {
  const H = `Host: x\r\nX-Auth-Token: ${token}\r\nConnection: close\r\n`;
  const post = (body: string | Buffer, extra = '') =>
    Buffer.concat([
      Buffer.from(
        `POST /v1.0/vnfds HTTP/1.1\r\n${H}Content-Type: application/json\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`,
      ),
      Buffer.isBuffer(body) ? body : Buffer.from(body),
    ]);
  return [
    ['garbage request line', 'GARBAGE\r\n\r\n'],
    ['unknown HTTP version', `GET /v1.0/vnfs HTTP/3.1\r\n${H}\r\n`],
    ['no Host', `GET /v1.0/vnfs HTTP/1.1\r\nX-Auth-Token: ${token}\r\n\r\n`],
    [
      'two Content-Lengths',
      `POST /v1.0/vnfds HTTP/1.1\r\n${H}Content-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}`,
    ],
    [
      'Content-Length and chunked',
      `POST /v1.0/vnfds HTTP/1.1\r\n${H}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n`,
    ],
    [
      'bad chunk size',
      `POST /v1.0/vnfds HTTP/1.1\r\n${H}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
    ],
    ['20 kB header', `GET /v1.0/vnfs HTTP/1.1\r\n${H}X-Big: ${'a'.repeat(20_000)}\r\n\r\n`],
    ['100 kB URL', `GET /v1.0/vnfs/${'a'.repeat(100_000)} HTTP/1.1\r\n${H}\r\n`],
    ['bad percent-encoding', `GET /v1.0/vnfs/%ZZ HTTP/1.1\r\n${H}\r\n`],
    ['NUL in URL', `GET /v1.0/vnfs/a\x00b HTTP/1.1\r\n${H}\r\n`],
    [
      'control character in token',
      `GET /v1.0/vnfs HTTP/1.1\r\nHost: x\r\nX-Auth-Token: \x01${token}\r\n\r\n`,
    ],
    ['gzip body that is not gzip', post('abcd', 'Content-Encoding: gzip\r\n')],
    ['unsupported encoding', post('{}', 'Content-Encoding: br\r\n')],
    ['BOM before JSON', post(Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]))],
    [
      'invalid UTF-8',
      post(Buffer.concat([Buffer.from('{"vnfd":{"name":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}}')])),
    ],
    ['200k-deep array', post(`${'['.repeat(200_000)}${']'.repeat(200_000)}`)],
    ['100k-deep object', post(`${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`)],
    [
      '__proto__ key',
      post('{"__proto__":{"isAdmin":true},"vnfd":{"name":"x","attributes":{"vnfd":"a: b"}}}'),
    ],
    [
      'constructor.prototype key',
      post('{"vnfd":{"name":"x","constructor":{"prototype":{"isAdmin":true}},"attributes":{"vnfd":"a: b"}}}'),
    ],
    ['number out of range', post('{"vnfd":{"name":"x","attributes":{"vnfd":1e999}}}')],
    ['duplicate keys', post('{"vnfd":{"name":"x","name":{"$gt":""},"attributes":{"vnfd":"a: b"}}}')],
    ['TRACE', `TRACE /v1.0/vnfs HTTP/1.1\r\n${H}\r\n`],
    ['connect', `CONNECT example.com:443 HTTP/1.1\r\n${H}\r\n`],
    ['OPTIONS *', `OPTIONS * HTTP/1.1\r\n${H}\r\n`],
    ['HTTP/1.0 without token', `GET /v1.0/vnfs HTTP/1.0\r\n\r\n`],
    [
      'truncated body',
      `POST /v1.0/vnfds HTTP/1.1\r\n${H}Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"vnfd":`,
      true,
    ],
    [
      'odd Expect',
      `POST /v1.0/vnfds HTTP/1.1\r\n${H}Content-Type: application/json\r\nExpect: 200-ok\r\nContent-Length: 2\r\n\r\n{}`,
    ],
  ];
}

/** One raw request on its own connection; everything the server sent back until it closed. */
function rawRequest(port: number, data: string | Buffer, halfClose = false): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let out = '';
    const done = () => resolve(out.replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, ''));
    s.on('data', (b) => (out += b.toString('latin1')));
    s.on('close', done);
    s.on('error', () => undefined);
    s.setTimeout(10_000, () => s.destroy());
    s.write(data);
    if (halfClose) s.end();
  });
}

interface JsonCase {
  method: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Refused for non-admins only (an admin may do it). */
  adminOnly?: boolean;
}

/** Invalid requests aimed at an ACTIVE VNF and its VIM/VNFD, by construction (each is refused whatever the token). */
function jsonCases(vnfId: string, vimId: string, vnfdId: string): JsonCase[] {
  const vnf = `/v1.0/vnfs/${vnfId}`;
  return [
    { method: 'POST', path: `${vnf}/actions`, body: { scale: { policy: 'SP1', type: 'sideways' } } },
    { method: 'POST', path: `${vnf}/actions`, body: { scale: { policy: 'SP1', type: 'out', count: 5 } } },
    { method: 'POST', path: `${vnf}/actions`, body: { scale: { policy: 'NOPE', type: 'out' } } },
    { method: 'POST', path: `${vnf}/actions`, body: { scale: { policy: ['SP1'], type: 'out' } } },
    { method: 'POST', path: `${vnf}/actions`, body: { scale: { policy: 'SP1' } } },
    { method: 'POST', path: `${vnf}/actions`, body: { heal: { vdu: 'VDU1' } } },
    { method: 'POST', path: `${vnf}/actions`, body: '{"scale": {"policy": "SP1", "type": "out"' },
    {
      method: 'POST',
      path: `${vnf}/actions`,
      body: { scale: { policy: 'SP1', type: 'out' } },
      headers: { 'Content-Type': 'text/plain' },
    },
    { method: 'PUT', path: vnf, body: { vnf: { attributes: { force: true } } } },
    { method: 'PUT', path: vnf, body: { vnf: { name: 'renamed', attributes: { config: {} } } } },
    { method: 'PUT', path: vnf, body: { vnf: { attributes: { config: {} }, status: 'ERROR' } } },
    {
      method: 'PUT',
      path: vnf,
      body: { vnf: { attributes: {}, tenant_id: '00000000-0000-4000-8000-000000000000' } },
    },
    { method: 'PUT', path: vnf, body: { vnf: { attributes: 'config' } } },
    { method: 'PUT', path: vnf, body: [{ vnf: { attributes: { config: {} } } }] },
    { method: 'DELETE', path: vnf, body: { vnf: { attributes: { force: 'yes' } } } },
    { method: 'DELETE', path: vnf, body: { vnf: { attributes: { force: true, extra: 1 } } } },
    { method: 'DELETE', path: vnf, body: { vnf: { attributes: { force: true } } }, adminOnly: true },
    { method: 'DELETE', path: `${vnf}%00` },
    { method: 'DELETE', path: `/v1.0/vnfs/${vnfId.toUpperCase()}x` },
    { method: 'DELETE', path: `/v1.0/vims/${vimId}` },
    { method: 'DELETE', path: `/v1.0/vnfds/${vnfdId}` },
    { method: 'PUT', path: `/v1.0/vims/${vimId}`, body: { vim: { pool: '10.0.0.0/8' } } },
    { method: 'PUT', path: `/v1.0/vims/${vimId}`, body: { vim: { type: 'static' } } },
    { method: 'PATCH', path: vnf, body: { vnf: { attributes: { config: {} } } } },
    {
      method: 'POST',
      path: '/v1.0/vnfs',
      body: {
        vnf: {
          name: 'x',
          vnfd_id: vnfdId,
          vim_id: vimId,
          attributes: { param_values: { mgmt_ips: { VDU1: '8.8.8.8' } } },
          extra: 1,
        },
      },
    },
    {
      method: 'POST',
      path: '/v1.0/vnfs',
      body: {
        vnf: {
          name: 'inline',
          vnfd_template:
            'tosca_definitions_version: tosca_simple_profile_for_nfv_1_0_0\ntopology_template: {node_templates: {VDU1: {type: tosca.nodes.nfv.VDU.Tacker, properties: {monitoring_policy: {name: http_ping, parameters: {port: 0}}}}}}',
        },
      },
    },
    {
      method: 'POST',
      path: '/v1.0/vims',
      body: { vim: { name: 'dup', type: 'netns', bridge: 'lo', pool: '127.0.0.0/24' } },
    },
    {
      method: 'POST',
      path: '/v1.0/vnfds',
      body: {
        vnfd: {
          name: 'bomb',
          attributes: {
            vnfd: 'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ntosca_definitions_version: tosca_simple_profile_for_nfv_1_0_0',
          },
        },
      },
    },
  ];
}
