// The real `vnfm` binary through a whole VNF life with the real conductor and
// monitor workers (a static VIM on loopback: no root needed): create, wait,
// scale, the monitor commands as real Temporal signals and queries, delete.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getMonitorStatus } from '../../src/monitoring/status.js';
import { parseVnfd } from '../../src/vnfd/parse.js';
import { monitorWorkflowId, type MonitoredVdu } from '../../src/monitoring/contract.js';
import { startTestApi, type Json, type TestApi } from '../helpers/api.js';
import { sampleTemplate } from '../helpers/fixtures.js';
import { eventually, startStack, type TestStack } from '../helpers/workers.js';
import { cliRunner, type CliResult } from './helpers.js';

let stack: TestStack;
let api: TestApi;
let vnfm: ReturnType<typeof cliRunner>;
const dir = mkdtempSync(join(tmpdir(), 'vnfm-cli-'));
const file = (name: string, content: string) => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};
const TEMPLATE = sampleTemplate('vnfd-ping-scaling', { period: 1, monitoring_delay: 0, count: 1 });

beforeAll(async () => {
  stack = await startStack({ pingEngine: 'ping' });
  api = await startTestApi({ temporalConfig: stack.temporal });
  const t = await api.tenant();
  vnfm = cliRunner({ apiUrl: api.url, token: t.token, temporal: stack.temporal });
});
afterAll(async () => {
  await api?.close();
  await stack?.stop();
});

function ok(r: CliResult): CliResult {
  expect(r.code, `exit ${r.code}: ${r.stderr}`).toBe(0);
  return r;
}

// Polling goes through Temporal in-process (a CLI run costs a process start);
// each CLI command is still run and checked at least once.
const monitorStatus = async (id: string): Promise<Json> => getMonitorStatus(stack.client, id);

describe('vnfm through a VNF’s life', () => {
  it('creates, waits, scales, steers the monitor and deletes', { timeout: 300_000 }, async () => {
    ok(
      await vnfm([
        'vim',
        'register',
        '--name',
        'loopback',
        '--type',
        'static',
        '--allowed-cidr',
        '127.0.0.0/8',
      ]),
    );
    const vnfd = ok(
      await vnfm(['--json', 'vnfd', 'create', '--name', 'ping', '--file', file('vnfd.yaml', TEMPLATE)]),
    ).json<Json>();
    const params = file(
      'params.json',
      JSON.stringify({ mgmt_ips: { VDU1: ['127.0.0.21', '127.0.0.22', '127.0.0.23'] } }),
    );
    const vnf = ok(
      await vnfm(['--json', 'vnf', 'create', '--name', 'web', '--vnfd-id', vnfd.id, '--param-file', params]),
    ).json<Json>();

    const active = ok(
      await vnfm([
        '--json',
        'vnf',
        'wait',
        vnf.id,
        '--status',
        'ACTIVE',
        '--timeout',
        '60',
        '--interval',
        '0.5',
      ]),
    );
    expect(active.json<Json>().mgmt_ip_address).toBe('{"VDU1": ["127.0.0.21"]}');
    expect(ok(await vnfm(['vnf', 'resources', vnf.id])).stdout).toMatch(
      /^VDU1 +vnfm::static::Host +127\.0\.0\.21$/m,
    );

    // The monitor, straight from Temporal.
    await eventually(
      'a healthy probe',
      async () => (await monitorStatus(vnf.id)).targets[0]?.lastResult === 'ok',
    );
    const asJson = ok(await vnfm(['--json', 'monitor', 'status', vnf.id])).json<Json>();
    expect(asJson).toMatchObject({ vnfId: vnf.id, execution: 'RUNNING', targets: [{ ip: '127.0.0.21' }] });
    const human = ok(await vnfm(['monitor', 'status', vnf.id])).stdout;
    expect(human).toMatch(/^workflow: +vnf-monitor-\S+ \(RUNNING\)$/m);
    expect(human).toMatch(/^VDU1 +\S+ +127\.0\.0\.21 /m);
    ok(await vnfm(['monitor', 'pause', vnf.id]));
    await eventually('paused', async () => (await monitorStatus(vnf.id)).state === 'PAUSED');
    ok(await vnfm(['monitor', 'resume', vnf.id]));
    await eventually('probing again', async () => (await monitorStatus(vnf.id)).state !== 'PAUSED');

    // Scale out through the API, wait for it, see the new target monitored.
    expect(ok(await vnfm(['vnf', 'scale', vnf.id, '--policy', 'SP1', '--type', 'out'])).stdout).toContain(
      'accepted',
    );
    ok(await vnfm(['vnf', 'wait', vnf.id, '--status', 'ACTIVE', '--timeout', '60', '--interval', '0.5']));
    await eventually('two instances', async () => {
      const v = ok(await vnfm(['--json', 'vnf', 'show', vnf.id])).json<Json>();
      return v.status === 'ACTIVE' && v.mgmt_ip_address === '{"VDU1": ["127.0.0.21", "127.0.0.22"]}';
    });
    await eventually(
      'both targets monitored',
      async () => (await monitorStatus(vnf.id)).targets.length === 2,
    );

    // A script replaces the monitored set by hand (a raw update signal, one instance, a generation
    // ahead of the database); `vnfm monitor update` has the conductor put it back on the database's
    // set, under a generation above both, which the database then holds too.
    const status = await monitorStatus(vnf.id);
    const parsed = parseVnfd(TEMPLATE);
    if (!parsed.ok) throw new Error('sample template invalid');
    const first = status.targets.find((x: Json) => x.ip === '127.0.0.21');
    const vdus: MonitoredVdu[] = [
      {
        vduName: 'VDU1',
        policy: parsed.parsed.vdus[0]!.monitoringPolicy!,
        targets: [{ instanceId: first.instanceId, ip: first.ip, bootedAt: first.bootedAt }],
      },
    ];
    await stack.client.workflow
      .getHandle(monitorWorkflowId(vnf.id))
      .signal('update', { actionId: status.actionId, generation: status.generation + 5, vdus });
    await eventually('one target', async () => (await monitorStatus(vnf.id)).targets.length === 1);
    const resynced = ok(await vnfm(['--json', 'monitor', 'update', vnf.id])).json<Json>();
    expect(resynced.detail).toBe(`monitor updated to generation ${status.generation + 6}`);
    await eventually('both targets again', async () => {
      const s = await monitorStatus(vnf.id);
      return s.generation === status.generation + 6 && s.targets.length === 2;
    });
    const row = await stack.db.vnf.findUniqueOrThrow({ where: { id: vnf.id } });
    expect(row.monitorGeneration).toBe(status.generation + 6);

    // stop (kill): recorded, so nothing brings the monitor back; start: a new one, a new actionId;
    // restart: rebuilt from the database, same actionId.
    expect(ok(await vnfm(['monitor', 'kill', vnf.id])).stdout).toContain('monitoring stopped');
    await eventually('monitor ended', async () => (await monitorStatus(vnf.id)).execution === 'TERMINATED');
    expect((await stack.db.vnf.findUniqueOrThrow({ where: { id: vnf.id } })).monitorActionId).toBeNull();
    ok(await vnfm(['monitor', 'start', vnf.id]));
    const started = await eventually('a new monitor', async () => {
      const s = await monitorStatus(vnf.id);
      return s.execution === 'RUNNING' && s.targets.length === 2 ? s : undefined;
    });
    expect(started.actionId).not.toBe(status.actionId);
    expect(ok(await vnfm(['monitor', 'start', vnf.id])).stdout).toContain(
      'a monitor of the current actionId is running',
    );
    ok(await vnfm(['monitor', 'restart', vnf.id]));
    const restarted = await eventually('a rebuilt monitor', async () => {
      const s = await monitorStatus(vnf.id);
      return s.execution === 'RUNNING' && s.runId !== started.runId ? s : undefined;
    });
    expect(restarted.actionId).toBe(started.actionId);
    const missing = await vnfm(['monitor', 'kill', '00000000-0000-4000-8000-000000000000']);
    expect(missing.code, missing.stderr).toBe(2);
    expect(missing.stderr).toMatch(/could not be found/);

    expect(ok(await vnfm(['vnf', 'delete', vnf.id])).stdout).toContain('accepted');
    ok(await vnfm(['vnf', 'wait', vnf.id, '--status', 'DELETED', '--timeout', '60', '--interval', '0.5']));
    const events = ok(await vnfm(['--json', 'events', '--resource-id', vnf.id])).json<Json[]>();
    expect(events.map((e) => e.event_type)).toEqual(expect.arrayContaining(['CREATE', 'SCALE', 'DELETE']));
  });
});
