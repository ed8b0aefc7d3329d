// vnfm monitor status|pause|resume|start|restart|stop|kill|update <vnf-id>:
// straight to Temporal (TEMPORAL_ADDRESS). status, pause and resume are real
// queries and signals to vnf-monitor-<id>; start, restart, stop (kill) and
// update ask the conductor (monitorCommandWorkflow), which alone writes the
// monitor's actionId and generation.
import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import { userInfo } from 'node:os';
import { temporalConfig } from '../../config.js';
import type { MonitorCommandName } from '../../conductor/contract.js';
import type { MonitorSignal, MonitorView } from '../../monitoring/status.js';
import { monitorWorkflowId } from '../../monitoring/contract.js';
import type { CliContext } from '../context.js';
import { CliError, EXIT } from '../errors.js';
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
  who = 'a monitor worker',
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
        `Temporal did not answer within ${DEADLINE_MS / 1000} s (${(err as Error).message}): is ${who} running?`,
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
    ...(s.hold ? [`held:       ${s.hold.reason} (since ${s.hold.since})`] : []),
    `generation: ${s.generation}`,
    `action id:  ${s.actionId}`,
    ...(s.countersAsOf ? [`counters:   as of ${s.countersAsOf}`] : []),
    ...(s.ignoredMessages ? [`ignored:    ${s.ignoredMessages} message(s); last: ${s.lastIgnored}`] : []),
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

  const signal = (command: MonitorSignal, description: string) =>
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
  signal('pause', 'Stop probing and acting (maintenance) until resume');
  signal('resume', 'Resume probing after pause');

  const viaConductor = (name: string, command: MonitorCommandName, description: string) =>
    monitor
      .command(name)
      .description(description)
      .argument('<vnf-id>', 'VNF id')
      .action(async (vnfId: string) => {
        const cfg = temporalConfig();
        const answer = await withTemporal(
          (c, t) =>
            t.requestMonitorCommand(
              c,
              cfg.conductorTaskQueue,
              vnfId,
              command,
              `vnfm cli (${userInfo().username})`,
            ),
          'a conductor',
        );
        if (answer.kind === 'busy')
          throw new CliError(
            `VNF ${vnfId} is in use: another operation is running on it; try again when it has finished`,
            EXIT.CONFLICT,
          );
        if (answer.kind === 'refused')
          throw new CliError(
            answer.answer.message,
            answer.answer.reason === 'not_found' ? EXIT.NOT_FOUND : EXIT.CONFLICT,
          );
        print(
          ctx.output(),
          { vnfId, workflowId: monitorWorkflowId(vnfId), command, detail: answer.result.detail },
          () => `${command}: ${answer.result.detail}`,
        );
      });
  viaConductor(
    'start',
    'start',
    "Start the VNF's monitor from the database if none runs (monitoring back on after stop)",
  );
  viaConductor(
    'restart',
    'restart',
    "Rebuild the VNF's monitor from the database, replacing the running one",
  );
  viaConductor(
    'stop',
    'stop',
    'Stop monitoring the VNF until `monitor start` (recorded: the conductor does not bring it back)',
  );
  viaConductor('kill', 'stop', 'The same as stop');
  viaConductor(
    'update',
    'resync',
    'Send the monitor the set the database has, under a new generation (repairs a monitor that drifted)',
  );
}
