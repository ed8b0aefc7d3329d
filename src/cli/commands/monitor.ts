// vnfm monitor status|kill|update|pause|resume <vnf-id>: straight to Temporal
// (TEMPORAL_ADDRESS), as real signals and queries to vnf-monitor-<id>.
import type { Client } from '@temporalio/client';
import { InvalidArgumentError, type Command } from 'commander';
import { temporalConfig } from '../../config.js';
import type { MonitorCommand, MonitorView } from '../../monitoring/status.js';
import { monitorWorkflowId, type MonitoredVdu } from '../../monitoring/contract.js';
import type { CliContext } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { readJsonFile } from '../files.js';
import { print, table } from '../output.js';

/** A query needs a monitor worker to answer it; without one it would wait forever. */
const DEADLINE_MS = 15_000;

/** Temporal's client takes a second or more to load: only the monitor commands pay for it. */
const temporal = async () => ({
  ...(await import('@temporalio/client')),
  ...(await import('../../monitoring/status.js')),
  ...(await import('../../temporal/connect.js')),
});

async function withTemporal<T>(
  fn: (client: Client, t: Awaited<ReturnType<typeof temporal>>) => Promise<T>,
): Promise<T> {
  const t = await temporal();
  const { WorkflowNotFoundError, isGrpcServiceError } = t;
  const client = await t.connectClient(temporalConfig()).catch((err: Error) => {
    throw new CliError(err.message);
  });
  try {
    return await client.withDeadline(Date.now() + DEADLINE_MS, () => fn(client, t));
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new CliError(err.message, EXIT.NOT_FOUND);
    if (isGrpcServiceError((err as { cause?: unknown }).cause ?? err)) {
      throw new CliError(
        `Temporal did not answer within ${DEADLINE_MS / 1000} s (${(err as Error).message}): is a monitor worker running?`,
      );
    }
    throw err;
  } finally {
    await client.connection.close();
  }
}

const noMonitor = (vnfId: string) =>
  new CliError(`VNF ${vnfId} has no monitor workflow (${monitorWorkflowId(vnfId)})`, EXIT.NOT_FOUND);

function humanStatus(s: MonitorView): string {
  const head = [
    `workflow:   ${s.workflowId} (${s.execution})`,
    `state:      ${s.state}${s.stoppedReason ? ` (${s.stoppedReason})` : ''}`,
    `generation: ${s.generation}`,
    `action id:  ${s.actionId}`,
    ...(s.countersAsOf ? [`counters:   as of ${s.countersAsOf}`] : []),
  ];
  const targets = table(s.targets as unknown as Record<string, unknown>[], [
    ['vdu', 'vduName'],
    ['instance', 'instanceId'],
    'ip',
    'state',
    ['failures', 'consecutiveFailures'],
    ['successes', 'consecutiveSuccesses'],
    ['last probe', 'lastProbeAt'],
    ['result', 'lastResult'],
  ]);
  const history = s.history.length
    ? `\n\nactions:\n${table(s.history as unknown as Record<string, unknown>[], ['at', 'action', ['vdu', 'vduName'], 'ip', 'outcome'])}`
    : '';
  return `${head.join('\n')}\n\n${targets}${history}`;
}

export function monitorCommands(program: Command, ctx: CliContext): void {
  const monitor = program
    .command('monitor')
    .description("A VNF's monitor workflow, through Temporal directly (needs TEMPORAL_ADDRESS)");

  monitor
    .command('status')
    .description("The monitor's status query: per target state, counters, last probe; respawn history")
    .argument('<vnf-id>', 'VNF id')
    .action(async (vnfId: string) => {
      const s = await withTemporal((c, t) => t.getMonitorStatus(c, vnfId));
      if (!s) throw noMonitor(vnfId);
      print(ctx.output(), s, () => humanStatus(s));
    });

  const signal = (command: MonitorCommand, description: string) =>
    monitor
      .command(command)
      .description(description)
      .argument('<vnf-id>', 'VNF id')
      .option('--action-id <uuid>', "the monitor's action id (default: asked from the monitor itself)")
      .action(async (vnfId: string, o: { actionId?: string }) => {
        await withTemporal((c, t) => t.signalMonitor(c, vnfId, command, o.actionId));
        print(
          ctx.output(),
          { vnfId, workflowId: monitorWorkflowId(vnfId), signal: command },
          () => `sent ${command} to ${monitorWorkflowId(vnfId)}`,
        );
      });
  signal('kill', 'Stop probing and end the monitor workflow');
  signal('pause', 'Stop probing (maintenance) until resume');
  signal('resume', 'Resume probing after pause');

  monitor
    .command('update')
    .description('Replace the monitored set (an update signal with a newer generation)')
    .argument('<vnf-id>', 'VNF id')
    .requiredOption(
      '--vdus-file <path>',
      'JSON list of {vduName, policy, targets: [{instanceId, ip, bootedAt}]}',
    )
    .option('--generation <n>', 'generation to send (default: the current one + 1)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number');
      return n;
    })
    .action(async (vnfId: string, o: { vdusFile: string; generation?: number }) => {
      const vdus = await readJsonFile(o.vdusFile, 'VDUs file');
      if (!Array.isArray(vdus)) throw new CliError(`VDUs file ${o.vdusFile} must hold a JSON list`);
      const sent = await withTemporal(async (c, t) => {
        const s = await t.getMonitorStatus(c, vnfId);
        if (!s) throw noMonitor(vnfId);
        const generation = o.generation ?? s.generation + 1;
        await t.updateMonitor(c, vnfId, { actionId: s.actionId, generation, vdus: vdus as MonitoredVdu[] });
        return generation;
      });
      print(
        ctx.output(),
        { vnfId, workflowId: monitorWorkflowId(vnfId), signal: 'update', generation: sent },
        () => `sent update (generation ${sent}) to ${monitorWorkflowId(vnfId)}`,
      );
    });
}
