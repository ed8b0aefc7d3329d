// The monitor as it was before the state machine (machine.ts), kept unchanged
// so that runs started by it replay: vnfMonitorWorkflow takes this path only
// for histories without the MONITOR_MACHINE patch marker. At its next workflow
// task after the upgrade such a run stops its loop and continues as new into
// the state machine (MIGRATE_TO_MACHINE). Deprecate and then delete this file
// as docs/development.md says, once no run older than the upgrade can exist.
import {
  patched,
  ActivityFailure,
  CancellationScope,
  ChildWorkflowFailure,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  isCancellation,
  log,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  sleep,
  startChild,
  TimeoutFailure,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import { TimeoutType } from '@temporalio/common';
import { allowedBy } from '../../net/cidr.js';
import type { MonitoringPolicy } from '../../monitoring/policy.js';
import { MonitorStateKey } from '../../temporal/search-attributes.js';
import { parseUpdate } from './messages.js';
import {
  POLICY_ACTION_WORKFLOW_TYPE,
  policyActionWorkflowId,
  QUERY_STATUS,
  SIGNAL_KILL,
  SIGNAL_PAUSE,
  SIGNAL_RESUME,
  SIGNAL_UPDATE,
  type CarriedStateV1,
  type ConductorMonitorActivities,
  type KillSignal,
  type LoopTarget,
  type MonitorActivities,
  type MonitoredVdu,
  type MonitorInput,
  type MonitorState,
  type MonitorStatus,
  type PauseSignal,
  type PolicyActionInput,
  type PolicyActionOutcome,
  type ProbeLoopHeartbeat,
  type ProbeLoopResult,
  type TargetCounters,
  type TargetStatus,
  type UpdateSignal,
} from '../../monitoring/contract.js';

const killSignal = defineSignal<[KillSignal]>(SIGNAL_KILL);
const updateSignal = defineSignal<[UpdateSignal]>(SIGNAL_UPDATE);
const pauseSignal = defineSignal<[PauseSignal]>(SIGNAL_PAUSE);
const resumeSignal = defineSignal<[PauseSignal]>(SIGNAL_RESUME);
const statusQuery = defineQuery<MonitorStatus>(QUERY_STATUS);

/** Set at the first workflow task a legacy run executes live after the upgrade. */
export const MIGRATE_TO_MACHINE = 'monitor-legacy-v1-continues-as-machine';

/** Loops renew this often even when healthy, so new workers get a share. */
const RENEW_AFTER_MS = 6 * 3600_000;
/** Kept in the status query and carried across continue-as-new. */
const HISTORY_KEEP = 20;

const shared = proxyActivities<MonitorActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
  allowEagerDispatch: false, // placement by polling, as in workflow.ts
});

function loopActivities(w: { taskQueue: string; controlTaskQueue: string; heartbeatTimeoutMs: number }) {
  return {
    loop: proxyActivities<MonitorActivities>({
      taskQueue: w.taskQueue,
      // A worker that dies takes its queue with it: fail fast and re-pick.
      scheduleToStartTimeout: '30 seconds',
      startToCloseTimeout: RENEW_AFTER_MS + 3600_000,
      heartbeatTimeout: w.heartbeatTimeoutMs,
      retry: { maximumAttempts: 1 },
    }).runProbeLoop,
    control: proxyActivities<MonitorActivities>({
      taskQueue: w.controlTaskQueue,
      scheduleToCloseTimeout: '10 seconds',
      retry: { maximumAttempts: 2, initialInterval: '200 milliseconds' },
    }).controlProbeLoop,
  };
}

interface RunningLoop {
  loopId: string;
  taskQueue?: string;
  startedAt: string;
  scope: CancellationScope;
  result?: ProbeLoopResult;
  error?: unknown;
  done: boolean;
  control?: ReturnType<typeof loopActivities>['control'];
}

export interface MonitorResult {
  reason: string;
}

export async function legacyMonitorV1(input: MonitorInput): Promise<MonitorResult> {
  const { vnfId, actionId } = input;
  const conductor = proxyActivities<ConductorMonitorActivities>({
    taskQueue: input.conductorTaskQueue,
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
  });

  let generation = input.generation;
  let vdus: MonitoredVdu[] = input.vdus;
  const carried: CarriedStateV1 = (input.carried as CarriedStateV1 | undefined) ?? {
    counters: {},
    nextEpisode: 1,
    history: [],
    paused: false,
  };
  let counters: Record<string, TargetCounters> = carried.counters;
  let paused = carried.paused;
  let killed = false;
  let stoppedReason: string | undefined;
  let pendingUpdate = false;
  let state: MonitorState | undefined;
  let loop: RunningLoop | undefined;
  const refusedReported = new Set<string>();
  const actingOn = new Set<string>();

  const setState = (s: MonitorState) => {
    if (s === state) return;
    state = s;
    upsertSearchAttributes([{ key: MonitorStateKey, value: s }]);
  };

  const targetsOf = (): LoopTarget[] =>
    vdus.flatMap((v) => v.targets.map((t) => ({ ...t, vduName: v.vduName, policy: v.policy })));
  const allowed = (t: LoopTarget) => allowedBy(input.allowedCidrs, t.ip);
  const delayEnd = (t: LoopTarget) => Date.parse(t.bootedAt) + t.policy.parameters.monitoring_delay * 1000;

  setHandler(killSignal, (msg) => {
    if (msg?.actionId !== actionId) return;
    killed = true;
    stoppedReason = 'killed';
  });
  setHandler(updateSignal, (msg) => {
    if (msg?.actionId !== actionId || typeof msg.generation !== 'number' || msg.generation <= generation)
      return;
    // A malformed set used to fail every later workflow task: ignore it instead.
    if (!parseUpdate(msg).ok) return;
    generation = msg.generation;
    vdus = msg.vdus;
    pendingUpdate = true;
  });
  setHandler(pauseSignal, (msg) => {
    if (msg?.actionId === actionId) paused = true;
  });
  setHandler(resumeSignal, (msg) => {
    if (msg?.actionId === actionId) paused = false;
  });
  setHandler(statusQuery, (): MonitorStatus => {
    const now = Date.now();
    const targets: TargetStatus[] = targetsOf().map((t) => {
      const c = counters[t.instanceId] ?? { consecutiveFailures: 0, consecutiveSuccesses: 0 };
      let ts: TargetStatus['state'] = 'probing';
      if (state === 'STOPPED') ts = 'stopped';
      else if (!allowed(t)) ts = 'refused';
      else if (paused) ts = 'paused';
      else if (actingOn.has(t.instanceId)) ts = 'acting';
      else if (c.episode !== undefined) ts = 'failed';
      else if (now < delayEnd(t)) ts = 'waiting_delay';
      return {
        ...c,
        vduName: t.vduName,
        instanceId: t.instanceId,
        ip: t.ip,
        bootedAt: t.bootedAt,
        driver: t.policy.driver,
        action: t.policy.actions.failure,
        state: ts,
      };
    });
    return {
      vnfId,
      actionId,
      generation,
      state: state ?? 'PROBING',
      targets,
      lastAction: carried.lastAction,
      history: carried.history,
      loop: loop?.taskQueue ? { taskQueue: loop.taskQueue, startedAt: loop.startedAt } : undefined,
      stoppedReason,
    };
  });

  /** Drops counters of targets that are gone, so the set cannot grow without bound. */
  const pruneCounters = () => {
    const live = new Set(targetsOf().map((t) => t.instanceId));
    counters = Object.fromEntries(Object.entries(counters).filter(([id]) => live.has(id)));
  };

  const reportRefused = async () => {
    for (const t of targetsOf()) {
      const key = `${generation}/${t.instanceId}`;
      if (allowed(t) || refusedReported.has(key)) continue;
      refusedReported.add(key);
      log.warn('probe target outside the allowed CIDRs', { vnfId, ip: t.ip });
      const r = await conductor.recordMonitorEvent({
        vnfId,
        actionId,
        kind: 'refused',
        vduName: t.vduName,
        instanceId: t.instanceId,
        ip: t.ip,
        detail: `refused to probe ${t.ip}: outside the VIM's allowed CIDRs (${input.allowedCidrs.join(', ')})`,
      });
      if (r === 'bad_action') {
        killed = true;
        stoppedReason = 'bad_action: the VNF is gone or this monitor is obsolete';
      }
    }
  };

  /** Starts a probe loop over every probeable target but `except` (one being acted on). */
  const startLoop = (except?: string) => {
    const probeable = targetsOf().filter((t) => allowed(t) && t.instanceId !== except);
    const running: RunningLoop = {
      loopId: `${vnfId}/${uuid4()}`,
      startedAt: new Date().toISOString(),
      scope: new CancellationScope({ cancellable: true }),
      done: false,
    };
    running.scope
      .run(async () => {
        const worker = await shared.pickProbeWorker();
        const acts = loopActivities(worker);
        running.taskQueue = worker.taskQueue;
        running.control = acts.control;
        return acts.loop({
          loopId: running.loopId,
          vnfId,
          generation,
          targets: probeable,
          counters,
          allowedCidrs: input.allowedCidrs,
          renewAfterMs: RENEW_AFTER_MS,
        });
      })
      .then(
        (r) => {
          running.result = r;
        },
        (err: unknown) => {
          running.error = err;
        },
      )
      .finally(() => {
        running.done = true;
      });
    loop = running;
  };

  /** Stops the running loop and takes its counters; never waits long on a dead worker. */
  const stopLoop = async () => {
    const running = loop;
    if (!running) return;
    loop = undefined;
    if (!running.done && running.control) {
      try {
        await running.control({ loopId: running.loopId, command: 'stop' });
      } catch {
        // Unreachable worker: cancellation below reaches the loop at its next heartbeat.
      }
      await condition(() => running.done, '15 seconds');
    }
    if (!running.done) running.scope.cancel();
    takeCounters(running);
  };

  const takeCounters = (running: RunningLoop) => {
    // Merged: a loop started during an action does not know the acted-on target.
    if (running.result) counters = { ...counters, ...running.result.counters };
    else if (running.error) {
      const details = heartbeatOf(running.error);
      if (details?.loopId === running.loopId) counters = { ...counters, ...details.counters };
    }
  };

  /** Sends the new target set to the running loop; restarts the loop when that fails. */
  const applyUpdate = async () => {
    pendingUpdate = false;
    pruneCounters();
    await reportRefused();
    const running = loop;
    if (!running || running.done) return;
    const ok = running.control
      ? await running
          .control({
            loopId: running.loopId,
            command: 'update',
            generation,
            targets: targetsOf().filter(allowed),
            counters,
          })
          .catch(() => false)
      : false;
    if (!ok) await stopLoop();
  };

  const act = async (instanceId: string): Promise<'continue' | 'stop'> => {
    const target = targetsOf().find((t) => t.instanceId === instanceId);
    if (!target) return 'continue'; // removed by an update meanwhile
    const c = counters[instanceId] ?? { consecutiveFailures: 0, consecutiveSuccesses: 0 };
    const episode = carried.nextEpisode++;
    counters[instanceId] = { ...c, episode };
    setState('ACTING');
    actingOn.add(instanceId);
    // Actions that touch only this target (a heal waiting out its back-off, a
    // log event) must not leave the VNF's other targets unwatched meanwhile.
    const action = target.policy.actions.failure;
    if (!loop && (action === 'vdu_autoheal' || action === 'log')) startLoop(instanceId);
    const req: PolicyActionInput = {
      vnfId,
      actionId,
      generation,
      episode,
      vduName: target.vduName,
      instanceId,
      ip: target.ip,
      action: target.policy.actions.failure,
      policy: target.policy as MonitoringPolicy,
      monitorResult: {
        target: target.ip,
        instanceId,
        consecutiveFailures: c.consecutiveFailures,
        lastError: c.lastError,
        lastProbeAt: c.lastProbeAt,
        driver: target.policy.driver,
      },
    };
    let outcome: PolicyActionOutcome;
    try {
      const child = await startChild(POLICY_ACTION_WORKFLOW_TYPE, {
        workflowId: policyActionWorkflowId(vnfId, actionId, episode),
        taskQueue: input.conductorTaskQueue,
        args: [req],
        // The action finishes even if this monitor is killed or terminated meanwhile.
        parentClosePolicy: ParentClosePolicy.ABANDON,
      });
      // A kill (e.g. the VNF is being deleted) does not wait for a long action
      // such as a respawn in back-off: the action finds the VNF gone by itself.
      const result = child.result() as Promise<PolicyActionOutcome>;
      const watch = new CancellationScope();
      const killedMeanwhile = watch
        .run(() => condition(() => killed))
        .then(
          () => undefined,
          () => undefined,
        );
      const first = await Promise.race([result, killedMeanwhile]).finally(() => watch.cancel());
      outcome = first ?? { result: 'stop', detail: 'killed while the action ran' };
    } catch (err) {
      // The conductor failed for good (a bug, or the action's own limits): say so, keep watching.
      const why = err instanceof ChildWorkflowFailure ? (err.cause?.message ?? err.message) : String(err);
      log.error('policy action failed', { vnfId, episode, error: why });
      outcome = { result: 'ok', generation, vdus, detail: `action failed: ${why}` };
    } finally {
      actingOn.delete(instanceId);
    }
    const record = {
      at: new Date().toISOString(),
      episode,
      action: target.policy.actions.failure,
      vduName: target.vduName,
      instanceId,
      ip: target.ip,
      outcome: `${outcome.result}: ${outcome.detail}`,
    };
    carried.lastAction = record;
    carried.history = [...carried.history, record].slice(-HISTORY_KEEP);
    if (outcome.result !== 'ok') {
      stoppedReason = `${outcome.result}: ${outcome.detail}`;
      return 'stop';
    }
    // A loop kept running during the action gets the whole set back.
    if (loop && !loop.done) pendingUpdate = true;
    if (outcome.generation > generation) {
      generation = outcome.generation;
      vdus = outcome.vdus;
      pruneCounters();
      // A new set ends the episode; a target that stays is judged afresh.
      const stayed = counters[instanceId];
      if (stayed) counters[instanceId] = { ...stayed, episode: undefined };
      await reportRefused();
    }
    return 'continue';
  };

  const handleLoopEnd = async (running: RunningLoop): Promise<'continue' | 'stop'> => {
    loop = undefined;
    takeCounters(running);
    if (running.error) {
      if (isCancellation(running.error)) return 'continue';
      const hb = heartbeatOf(running.error);
      log.warn('probe loop ended abnormally; restarting it', {
        vnfId,
        error: String((running.error as Error).message),
        resumedFromHeartbeat: hb !== undefined,
      });
      // A lost worker is expected (its loops time out); anything else gets a pause.
      if (!isLostWorker(running.error)) await sleep('5 seconds');
      return 'continue';
    }
    const r = running.result!;
    if (r.kind === 'failure') return act(r.instanceId);
    if (r.kind === 'recovered') {
      const t = targetsOf().find((x) => x.instanceId === r.instanceId);
      const c = counters[r.instanceId];
      if (t && c?.episode !== undefined) {
        const episode = c.episode;
        counters[r.instanceId] = { ...c, episode: undefined };
        const res = await conductor.recordMonitorEvent({
          vnfId,
          actionId,
          kind: 'recovered',
          vduName: t.vduName,
          instanceId: t.instanceId,
          ip: t.ip,
          episode,
          detail: `${t.ip} answers again (${c.consecutiveSuccesses} healthy round(s)); failure episode ${episode} ended`,
        });
        if (res === 'bad_action') {
          stoppedReason = 'bad_action: the VNF is gone or this monitor is obsolete';
          return 'stop';
        }
      }
    }
    return 'continue';
  };

  upsertSearchAttributes([{ key: MonitorStateKey, value: paused ? 'PAUSED' : 'WAITING_DELAY' }]);
  state = paused ? 'PAUSED' : 'WAITING_DELAY';
  pruneCounters();
  await reportRefused();

  for (;;) {
    if (killed) break;
    if (patched(MIGRATE_TO_MACHINE)) {
      await stopLoop();
      return continueAsNew<typeof legacyMonitorV1>({
        ...input,
        generation,
        vdus,
        carried: { ...carried, counters, paused },
      });
    }
    if (pendingUpdate) await applyUpdate();
    if (paused) {
      await stopLoop();
      setState('PAUSED');
      await condition(() => !paused || killed || workflowInfo().continueAsNewSuggested);
      if (!paused || killed) continue;
    }
    if (workflowInfo().continueAsNewSuggested) {
      await stopLoop();
      await condition(() => true);
      return continueAsNew<typeof legacyMonitorV1>({
        ...input,
        generation,
        vdus,
        carried: { ...carried, counters, paused },
      });
    }
    if (!loop) {
      const probeable = targetsOf().filter(allowed);
      const interrupted = () => killed || pendingUpdate || paused || workflowInfo().continueAsNewSuggested;
      if (probeable.length === 0) {
        setState('PROBING');
        await condition(interrupted);
        continue;
      }
      const wait = Math.min(...probeable.map(delayEnd)) - Date.now();
      if (wait > 0) {
        setState('WAITING_DELAY');
        await condition(interrupted, wait);
        continue;
      }
      startLoop();
    }
    setState('PROBING');
    const running = loop!;
    await condition(
      () => running.done || killed || pendingUpdate || paused || workflowInfo().continueAsNewSuggested,
    );
    if (running.done && (await handleLoopEnd(running)) === 'stop') break;
  }

  await stopLoop();
  setState('STOPPED');
  stoppedReason ??= 'stopped';
  return { reason: stoppedReason };
}

function heartbeatOf(err: unknown): ProbeLoopHeartbeat | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : undefined;
  if (cause instanceof TimeoutFailure) {
    const d = cause.lastHeartbeatDetails as ProbeLoopHeartbeat | undefined;
    if (d && typeof d === 'object' && 'counters' in d) return d;
  }
  return undefined;
}

function isLostWorker(err: unknown): boolean {
  const cause = err instanceof ActivityFailure ? err.cause : undefined;
  return (
    cause instanceof TimeoutFailure &&
    (cause.timeoutType === TimeoutType.HEARTBEAT || cause.timeoutType === TimeoutType.SCHEDULE_TO_START)
  );
}
