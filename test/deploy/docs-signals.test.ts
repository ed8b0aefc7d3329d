// The monitor commands of docs/monitoring.md, run verbatim with bash and the
// installed Temporal CLI against a real monitor: a VNF on a static VIM whose
// management IP is 127.0.0.1, watched by ping through real monitor and
// conductor workers. The blocks are the ones marked `docs-test:
// monitor-queries` and `docs-test: monitor-signals`; the shell variables they
// use are the reader's (TEMPORAL_ADDRESS, VNF_ID), set here as a reader would.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monitorWorkflowId, QUERY_STATUS, type MonitorStatus } from '../../src/monitoring/contract.js';
import { findTemporalCli } from '../../src/temporal/cli.js';
import { createVnf, sampleTemplate } from '../helpers/fixtures.js';
import { eventually, startStack, type TestStack } from '../helpers/workers.js';
import { readText } from './compose-file.js';
import { commandTexts, shellBlocks } from './shell-commands.js';

const exec = promisify(execFile);
const temporal = findTemporalCli();

function block(marker: string): string[] {
  const b = shellBlocks('docs/monitoring.md', readText('docs/monitoring.md')).find(
    (x) => x.marker === marker,
  );
  if (!b) throw new Error(`docs/monitoring.md has no block marked docs-test: ${marker}`);
  return commandTexts(b.text);
}

describe.skipIf(!temporal)('docs/monitoring.md commands against a real monitor', () => {
  let stack: TestStack;
  let vnfId: string;
  let actionId: string;
  const dir = mkdtempSync(join(tmpdir(), 'vnfm-docs-'));
  let env: Record<string, string>;

  /** Runs one documented command as a reader's shell would; returns stdout and the shell's variables after it. */
  async function run(command: string): Promise<string> {
    const envFile = join(dir, 'env');
    const script = `set -euo pipefail\nset -a\n${command}\nenv -0 > "${envFile}"\n`;
    const { stdout } = await exec('bash', ['-c', script], { env, timeout: 60_000 });
    env = Object.fromEntries(
      readFileSync(envFile, 'utf8')
        .split('\0')
        .filter(Boolean)
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
    return stdout;
  }

  const status = () =>
    stack.client.workflow.getHandle(monitorWorkflowId(vnfId)).query<MonitorStatus>(QUERY_STATUS);

  beforeAll(async () => {
    stack = await startStack();
    const tenant = await stack.db.tenant.create({ data: { name: `docs-${Date.now()}` } });
    const vim = await stack.db.vim.create({
      data: {
        tenantId: tenant.id,
        name: 'loopback',
        type: 'static',
        isDefault: true,
        config: { allowedCidrs: ['127.0.0.0/8'] },
      },
    });
    vnfId = await createVnf(
      stack,
      { tenantId: tenant.id, vimId: vim.id },
      sampleTemplate('vnfd-ping-respawn', { monitoring_delay: 0, period: 1 }),
      'docs-web1',
      { param_values: { mgmt_ips: { VDU1: '127.0.0.1' } } },
    );
    await eventually('the monitor to probe', async () => (await status()).state === 'PROBING', 60_000);
    actionId = (await stack.db.vnf.findUniqueOrThrow({ where: { id: vnfId } })).monitorActionId!;
    env = {
      PATH: `${dirname(temporal!)}:${process.env.PATH}`,
      HOME: process.env.HOME ?? dir,
      TEMPORAL_ADDRESS: stack.temporal.address,
      TEMPORAL_NAMESPACE: stack.temporal.namespace,
      VNF_ID: vnfId,
    };
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the queries find the monitor by its search attributes', async () => {
    const commands = block('monitor-queries');
    expect(commands.length).toBe(4);
    const [acting, byId, count, describeCmd] = commands as [string, string, string, string];
    expect(await run(acting)).not.toContain(monitorWorkflowId(vnfId));
    // Visibility is eventually consistent: the list catches up within moments.
    await eventually('the VnfId filter to list the monitor', async () =>
      (await run(byId)).includes(monitorWorkflowId(vnfId)),
    );
    expect(await run(count)).toMatch(/Total: [1-9]/);
    const described = await run(describeCmd);
    expect(described).toContain(monitorWorkflowId(vnfId));
    expect(described).toContain('vnfMonitorWorkflow');
  });

  it('status, pause, resume and kill do what the document says', async () => {
    const commands = block('monitor-signals');
    const find = (what: RegExp) => {
      const c = commands.find((x) => what.test(x));
      if (!c) throw new Error(`no command matching ${what} in the monitor-signals block`);
      return c;
    };
    expect(commands.length).toBe(5);

    const shown = await run(find(/^temporal workflow query/));
    expect(shown).toContain(actionId);
    expect(shown).toContain('PROBING');

    await run(find(/^ACTION_ID=/));
    expect(env.ACTION_ID).toBe(actionId);

    await run(find(/--name pause/));
    await eventually('the monitor to pause', async () => (await status()).state === 'PAUSED');

    await run(find(/--name resume/));
    await eventually('the monitor to probe again', async () => (await status()).state !== 'PAUSED');

    await run(find(/--name kill/));
    const result = await stack.client.workflow.getHandle(monitorWorkflowId(vnfId)).result();
    expect(result).toEqual({ reason: 'killed' });
  });
});
