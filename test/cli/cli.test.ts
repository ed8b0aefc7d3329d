// The real `vnfm` binary against an in-process API (no conductor): tokens in
// the database, VIMs, VNFDs, VNFs and events over HTTP, human and --json
// output, one-line errors and the documented exit codes.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type Json, type TestApi, type TestTenant } from '../helpers/api.js';
import { SCALING_VNFD } from '../api/fixtures.js';
import { cliRunner, type CliResult } from './helpers.js';

let api: TestApi;
let t: TestTenant;
let vnfm: ReturnType<typeof cliRunner>;
const dir = mkdtempSync(join(tmpdir(), 'vnfm-cli-'));
const file = (name: string, content: string) => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};

beforeAll(async () => {
  api = await startTestApi({ app: { lifecycleTimeoutMs: 1500 } });
  t = await api.tenant();
  vnfm = cliRunner({ apiUrl: api.url, token: t.token, temporal: api.temporalConfig });
});
afterAll(() => api?.close());

function ok(r: CliResult): CliResult {
  expect(r.code, `exit ${r.code}: ${r.stderr}`).toBe(0);
  return r;
}

/** A failure: its exit code and one line on stderr. */
function fails(r: CliResult, code: number, message: RegExp): void {
  expect(r.code, r.stdout + r.stderr).toBe(code);
  expect(r.stderr.trim().split('\n')).toHaveLength(r.stderr.includes('(run with --help') ? 2 : 1);
  expect(r.stderr).toMatch(message);
}

describe('vnfm', () => {
  it('documents exit codes and environment in --help', async () => {
    const r = ok(await vnfm(['--help']));
    expect(r.stdout).toMatch(/Exit codes:[\s\S]*2 {2}not found[\s\S]*3 {2}conflict/);
    expect(r.stdout).toContain('VNFM_TOKEN');
    fails(await vnfm(['vnf', 'scale', 'x', '--policy', 'SP1', '--type', 'sideways']), 1, /sideways/);
    fails(await vnfm(['vnf', 'list'], { VNFM_TOKEN: '' }), 1, /VNFM_TOKEN is not set/);
    fails(await vnfm(['vnf', 'list'], { VNFM_API_URL: 'http://127.0.0.1:9' }), 1, /cannot reach the API/);
  });

  it('creates, lists and revokes tokens in the database', async () => {
    const tenant = `cli-${Date.now()}`;
    const created = ok(
      await vnfm(['--json', 'token', 'create', '--tenant', tenant, '--name', 'ci'], { VNFM_TOKEN: '' }),
    );
    const token = created.json<Json>();
    expect(token).toMatchObject({ tenant, is_admin: false, token: expect.stringMatching(/^vnfm_/) });
    const human = ok(await vnfm(['token', 'create', '--tenant', tenant, '--admin']));
    expect(human.stdout).toMatch(/^token: +vnfm_\S+$/m);
    expect(human.stdout).toMatch(/^admin: +true$/m);

    // The new token works against the API.
    const asNew = cliRunner({ apiUrl: api.url, token: token.token, temporal: api.temporalConfig });
    expect(ok(await asNew(['--json', 'vim', 'list'])).json()).toEqual([]);

    const list = ok(await vnfm(['token', 'list', '--tenant', tenant]));
    expect(list.stdout).toContain(token.prefix);
    expect(list.stdout).not.toContain(token.token);
    const rows = ok(await vnfm(['--json', 'token', 'list', '--tenant', tenant])).json<Json[]>();
    expect(rows).toHaveLength(2);

    ok(await vnfm(['token', 'revoke', token.id]));
    await expect
      .poll(async () => (await asNew(['vim', 'list'])).code, { timeout: 8000, interval: 500 })
      .toBe(1);
    fails(await asNew(['vim', 'list']), 1, /token is unknown or revoked \(Unauthorized\)/);
    fails(await vnfm(['token', 'revoke', '00000000-0000-4000-8000-000000000000']), 2, /could not be found/);
    fails(await vnfm(['token', 'create', '--tenant', 'no spaces']), 1, /tenant name/);
  });

  it('registers, shows, updates and deletes VIMs', async () => {
    const vim = ok(
      await vnfm([
        '--json',
        'vim',
        'register',
        '--name',
        'lab',
        '--type',
        'static',
        '--allowed-cidr',
        '192.0.2.0/24',
        '--allowed-cidr',
        '198.51.100.0/24',
      ]),
    ).json<Json>();
    expect(vim).toMatchObject({
      name: 'lab',
      type: 'static',
      is_default: true,
      allowed_cidrs: ['192.0.2.0/24', '198.51.100.0/24'],
    });
    const table = ok(await vnfm(['vim', 'list'])).stdout;
    expect(table.split('\n')[0]).toMatch(/^ID +NAME +TYPE +DEFAULT +STATUS/);
    expect(table).toContain(vim.id);
    expect(ok(await vnfm(['vim', 'show', vim.id])).stdout).toMatch(/^name: +lab$/m);
    expect(ok(await vnfm(['--json', 'vim', 'update', vim.id, '--name', 'lab2'])).json<Json>().name).toBe(
      'lab2',
    );
    fails(
      await vnfm(['vim', 'register', '--name', 'x', '--type', 'static']),
      1,
      /^vnfm: vim\.allowed_cidrs: .*\(InvalidInput\)$/m,
    );
    const spare = ok(
      await vnfm([
        '--json',
        'vim',
        'register',
        '--name',
        'spare',
        '--type',
        'static',
        '--allowed-cidr',
        '203.0.113.0/24',
      ]),
    ).json<Json>();
    ok(await vnfm(['vim', 'delete', spare.id]));
    fails(await vnfm(['vim', 'show', spare.id]), 2, /could not be found \(VimNotFoundException\)/);
  });

  it('onboards VNFDs, creates VNFs and reads events; conflicts exit 3', async () => {
    const vnfd = ok(
      await vnfm([
        '--json',
        'vnfd',
        'create',
        '--name',
        'scaling',
        '--file',
        file('vnfd.yaml', SCALING_VNFD),
      ]),
    ).json<Json>();
    expect(vnfd.attributes.vnfd).toBe(SCALING_VNFD);
    expect(ok(await vnfm(['vnfd', 'show', vnfd.id])).stdout).toContain('tosca_definitions_version');
    expect(ok(await vnfm(['vnfd', 'list'])).stdout).toContain(vnfd.id);
    fails(
      await vnfm(['vnfd', 'create', '--name', 'bad', '--file', file('bad.yaml', 'a: [')]),
      1,
      /^vnfm: vnfd\.attributes\.vnfd/,
    );
    fails(
      await vnfm(['vnfd', 'create', '--name', 'x', '--file', join(dir, 'missing.yaml')]),
      1,
      /cannot read VNFD file/,
    );

    const params = file('params.json', JSON.stringify({ mgmt_ips: { VDU1: '192.0.2.10' } }));
    const vnf = ok(
      await vnfm(['--json', 'vnf', 'create', '--name', 'web', '--vnfd-id', vnfd.id, '--param-file', params]),
    ).json<Json>();
    expect(vnf).toMatchObject({ name: 'web', status: 'PENDING_CREATE', mgmt_ip_address: null });
    const inline = ok(
      await vnfm([
        '--json',
        'vnf',
        'create',
        '--name',
        'inline',
        '--vnfd-file',
        file('v.yaml', SCALING_VNFD),
        '--param-file',
        params,
      ]),
    ).json<Json>();
    expect(inline.vnfd_id).not.toBe(vnfd.id);
    fails(
      await vnfm([
        'vnf',
        'create',
        '--name',
        'x',
        '--vnfd-id',
        vnfd.id,
        '--param-file',
        file('bad.json', '{'),
      ]),
      1,
      /not valid JSON/,
    );
    fails(await vnfm(['vnf', 'create', '--name', 'x']), 1, /exactly one of --vnfd-id and --vnfd-file/);

    const list = ok(await vnfm(['vnf', 'list', '--status', 'PENDING_CREATE'])).stdout;
    expect(list).toContain(vnf.id);
    expect(
      ok(await vnfm(['--json', 'vnf', 'list', '--name', 'web']))
        .json<Json[]>()
        .map((v) => v.id),
    ).toEqual([vnf.id]);
    expect(ok(await vnfm(['--json', 'vnf', 'list', '--limit', '1'])).json<Json[]>()).toHaveLength(1);
    expect(ok(await vnfm(['vnf', 'show', vnf.id])).stdout).toMatch(/^status: +PENDING_CREATE$/m);

    fails(await vnfm(['vnf', 'delete', vnf.id]), 3, /PENDING_CREATE.*\(VNFInUse\)/);
    fails(await vnfm(['vnfd', 'delete', vnfd.id]), 3, /VNFDInUse/);
    fails(await vnfm(['vnf', 'scale', vnf.id, '--policy', 'SP1', '--type', 'out']), 3, /VNFInUse/);
    fails(await vnfm(['vnf', 'resources', vnf.id]), 1, /VNFInactive/);
    fails(await vnfm(['vnf', 'show', '00000000-0000-4000-8000-000000000000']), 2, /VNFNotFound/);
    fails(await vnfm(['vnf', 'delete', vnf.id, '--force']), 1, /admin token \(Forbidden\)/);
    fails(
      await vnfm(['vnf', 'wait', vnf.id, '--status', 'ACTIVE', '--timeout', '1', '--interval', '0.2']),
      4,
      /still PENDING_CREATE/,
    );
    fails(
      await vnfm(['vnf', 'wait', '00000000-0000-4000-8000-000000000000', '--status', 'ACTIVE']),
      2,
      /VNFNotFound/,
    );

    const events = ok(await vnfm(['--json', 'events', '--resource-id', vnf.id])).json<Json[]>();
    expect(events).toMatchObject([{ event_type: 'CREATE', resource_state: 'PENDING_CREATE' }]);
    expect(ok(await vnfm(['events', '--resource-id', vnf.id])).stdout).toContain('VNF UUID assigned.');
    expect(ok(await vnfm(['--json', 'events', String(events[0].id)])).json<Json>().id).toBe(events[0].id);
    expect(
      ok(await vnfm(['--json', 'events', '--event-type', 'CREATE', '--resource-type', 'vnfd'])).json<Json[]>()
        .length,
    ).toBeGreaterThan(0);
    fails(await vnfm(['events', '999999999']), 2, /EventNotFoundException/);
  });

  it('reports a missing monitor with exit 2', async () => {
    fails(
      await vnfm(['monitor', 'status', '00000000-0000-4000-8000-000000000000']),
      2,
      /no monitor workflow/,
    );
  });
});
