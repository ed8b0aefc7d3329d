// The real `vnfm` binary through a whole VNF life with the real conductor and
// monitor workers (a static VIM on loopback: no root needed): create, wait,
// scale, the monitor commands as real Temporal signals and queries, delete.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getMonitorStatus } from '../../src/monitoring/status.js';
import { parseVnfd } from '../../src/vnfd/parse.js';
import type { MonitoredVdu } from '../../src/monitoring/contract.js';
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

    // monitor update: replace the monitored set by hand (here: only the first instance).
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
    const sent = ok(
      await vnfm([
        '--json',
        'monitor',
        'update',
        vnf.id,
        '--vdus-file',
        file('vdus.json', JSON.stringify(vdus)),
      ]),
    ).json<Json>();
    expect(sent.generation).toBe(status.generation + 1);
    await eventually('one target', async () => {
      const s = await monitorStatus(vnf.id);
      return s.generation === sent.generation && s.targets.length === 1;
    });

    ok(await vnfm(['monitor', 'kill', vnf.id]));
    await eventually(
      'monitor completed',
      async () => (await monitorStatus(vnf.id)).execution === 'COMPLETED',
    );

    expect(ok(await vnfm(['vnf', 'delete', vnf.id])).stdout).toContain('accepted');
    ok(await vnfm(['vnf', 'wait', vnf.id, '--status', 'DELETED', '--timeout', '60', '--interval', '0.5']));
    const events = ok(await vnfm(['--json', 'events', '--resource-id', vnf.id])).json<Json[]>();
    expect(events.map((e) => e.event_type)).toEqual(expect.arrayContaining(['CREATE', 'SCALE', 'DELETE']));
  });
});
