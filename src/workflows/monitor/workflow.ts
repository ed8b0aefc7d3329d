// vnfMonitorWorkflow: one per monitored VNF (id vnf-monitor-<vnfId>, task
// queue vnfm-monitor). This is the shell: how the monitor talks to Temporal.
// What it decides lives in machine.ts; here every command becomes an
// activity, a child workflow, a timer or a search-attribute upsert, and every
// signal, activity result and timer becomes an event for the machine. Nothing
// here waits on anything but the next event, so probing never waits for the
// database or the conductor, and a kill that arrives at any moment (even while
// the loop stops for continue-as-new) is seen.
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowFailure,
  condition,
  continueAsNew,
  isCancellation,
  log,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  startChild,
  TimeoutFailure,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { TimeoutType, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { MonitorStateKey } from '../../temporal/search-attributes.js';
import {
  EPISODE_TAKEN,
  POLICY_ACTION_WORKFLOW_TYPE,
  policyActionWorkflowId,
  type ConductorMonitorActivities,
  type MonitorActivities,
  type MonitorInput,
  type PolicyActionInput,
  type PolicyActionOutcome,
  type ProbeLoopControl,
  type ProbeLoopHeartbeat,
} from '../../monitoring/contract.js';
import { legacyMonitorV1, type MonitorResult } from './legacy-v1.js';
import {
  init,
  lateFailureReport,
  start,
  statusOf,
  step,
  type Command,
  type MachineEvent,
  type MachineState,
} from './machine.js';
import {
  actionPhaseSignal,
  killSignal,
  parseActionPhase,
  parseActionIdOnly,
  parseUpdate,
  parseVdus,
  pauseSignal,
  resumeSignal,
  statusQuery,
  updateSignal,
  parseWorkerLost,
  workerLostSignal,
} from './messages.js';

export type { MonitorResult };

/** Marks runs of the state machine; runs without it are the legacy implementation's (legacy-v1.ts). */
export const MONITOR_MACHINE = 'monitor-state-machine';
/**
 * 2026-12-04. Runs with it publish their loop's queue in the memo (`loopQueue`), take the
 * worker's long loop heartbeat timeout (a backstop) and abandon a loop on `workerLost`; a dead
 * worker is noticed by its presence workflow (worker-presence.ts), one heartbeat per worker.
 * Runs without it keep the short per-loop heartbeat timeout until they continue as new.
 */
export const MONITOR_PRESENCE = 'monitor-worker-presence';
/**
 * 2026-12-04. With presence, a loop task lost between the server and a live worker (recorded as
 * started, never run — seen under heavy load) would go unnoticed until the 3 h backstop. Runs with
 * this marker ask the loop's worker, one heartbeat timeout after the start, whether it runs the
 * loop; a worker that does not (or cannot answer) gets the loop replaced.
 */
export const LOOP_CHECK = 'monitor-loop-check';
/**
 * 2026-12-06. A loop check that gets no answer (the control call timed out: seen by the hundred
 * when the monitor worker was saturated at 10,000 VNFs) is asked again one heartbeat timeout later,
 * up to LOOP_CHECK_TRIES times, instead of replacing a loop that most likely runs: replacing it
 * adds load to the overload that delayed the answer. A worker that answers "no" still gets the
 * loop replaced at once, and a dead worker's loops move with its presence.
 */
export const LOOP_CHECK_UNANSWERED = 'monitor-loop-check-unanswered';
/** How many unanswered checks replace a loop anyway: a worker whose control queue stays silent. */
const LOOP_CHECK_TRIES = 3;

/**
 * 2026-12-05. A loop that ends with a report (failure, recovery) is followed by the next loop on
 * the same worker, without a new pick: the worker answered a moment ago. Saves an activity and a
 * workflow task per report — hundreds per 1,000 VNFs after a blip. A worker quarantined
 * meanwhile hands the loop straight back (stopped), and the next one is picked.
 */
export const LOOP_SAME_WORKER = 'monitor-loop-same-worker';
/**
 * 2026-12-05. A failure report that reaches the monitor late (its worker's backlog after a blip)
 * is probed once more before it is acted on (machine.ts recheckLate). Taken at the first such
 * report of a run, so monitors that never see one carry no marker.
 */
export const MONITOR_LATE_RECHECK = 'monitor-late-recheck';

/**
 * 2026-12-05. A monitor that completes first lets its control messages in flight settle (a stop
 * sent as the loop ended by itself), so none is left pending on the closed workflow. Taken only
 * when one is in flight.
 */
export const MONITOR_SETTLE_CONTROLS = 'monitor-settle-controls';

/**
 * How long after a report its worker is taken again without a pick. The next loop of a VDU
 * whose action runs starts after the answer; later than this, the worker may have gone, and a
 * loop sent to a queue nobody polls waits out its schedule-to-start timeout (30 s).
 */
const SAME_WORKER_WITHIN_MS = 30_000;

/** Loops renew this often even when healthy, so new workers get a share. */
const RENEW_AFTER_MS = 6 * 3600_000;
/** How long a stop waits for the loop to hand back its counters before cancelling it. */
const STOP_GRACE = '15 seconds';

const shared = proxyActivities<MonitorActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
  // pickProbeWorker places the loop on the worker that polls it (one with room): handed back
  // eagerly, every loop would land on whichever worker ran the workflow task.
  allowEagerDispatch: false,
});

function loopActivities(
  w: {
    taskQueue: string;
    controlTaskQueue: string;
    heartbeatTimeoutMs: number;
    loopHeartbeatTimeoutMs?: number;
  },
  presence: boolean,
) {
  return {
    loop: proxyActivities<MonitorActivities>({
      taskQueue: w.taskQueue,
      // A worker that dies takes its queue with it: fail fast and re-pick.
      scheduleToStartTimeout: '30 seconds',
      startToCloseTimeout: RENEW_AFTER_MS + 3600_000,
      // With presence the worker's own heartbeat notices its death; the loop's is a backstop.
      heartbeatTimeout: presence ? (w.loopHeartbeatTimeoutMs ?? w.heartbeatTimeoutMs) : w.heartbeatTimeoutMs,
      retry: { maximumAttempts: 1 },
    }).runProbeLoop,
    control: proxyActivities<MonitorActivities>({
      taskQueue: w.controlTaskQueue,
      scheduleToCloseTimeout: '10 seconds',
      retry: { maximumAttempts: 2, initialInterval: '200 milliseconds' },
    }).controlProbeLoop,
  };
}

/** A probe loop as the shell runs it. */
interface ShellLoop {
  scope: CancellationScope;
  done: boolean;
  control?: (msg: ProbeLoopControl) => Promise<boolean>;
  /** Control messages go one after another, so an older one never lands last. */
  chain: Promise<unknown>;
  /** The worker it was placed on. */
  worker?: PickedWorker;
}

type PickedWorker = Awaited<ReturnType<MonitorActivities['pickProbeWorker']>>;

export async function vnfMonitorWorkflow(input: MonitorInput): Promise<MonitorResult> {
  if (!patched(MONITOR_MACHINE)) return legacyMonitorV1(input);
  const presence = patched(MONITOR_PRESENCE);

  const conductor = proxyActivities<ConductorMonitorActivities>({
    taskQueue: input.conductorTaskQueue,
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
  });
  const inbox: MachineEvent[] = [];
  const loops = new Map<string, ShellLoop>();
  const info = workflowInfo();

  const vdus = parseVdus(input.vdus, 'input.vdus');
  if (!vdus.ok)
    log.error('monitor started with a malformed set; waiting for an update', { reason: vdus.reason });
  let state: MachineState = init(
    { ...input, vdus: vdus.ok ? vdus.value : [] },
    info.runId.slice(0, 8),
    Date.now(),
    { presence },
  );
  if (!vdus.ok) inbox.push({ type: 'ignored', reason: `input: ${vdus.reason}` });

  setHandler(killSignal, (msg) => {
    const p = parseActionIdOnly(msg);
    inbox.push(
      p.ok ? { type: 'kill', actionId: p.value.actionId } : { type: 'ignored', reason: `kill: ${p.reason}` },
    );
  });
  setHandler(pauseSignal, (msg) => {
    const p = parseActionIdOnly(msg);
    inbox.push(
      p.ok
        ? { type: 'pause', actionId: p.value.actionId }
        : { type: 'ignored', reason: `pause: ${p.reason}` },
    );
  });
  setHandler(resumeSignal, (msg) => {
    const p = parseActionIdOnly(msg);
    inbox.push(
      p.ok
        ? { type: 'resume', actionId: p.value.actionId }
        : { type: 'ignored', reason: `resume: ${p.reason}` },
    );
  });
  setHandler(updateSignal, (msg) => {
    const p = parseUpdate(msg);
    inbox.push(p.ok ? { type: 'update', ...p.value } : { type: 'ignored', reason: `update: ${p.reason}` });
  });
  setHandler(actionPhaseSignal, (msg) => {
    const p = parseActionPhase(msg);
    inbox.push(
      p.ok ? { type: 'actionPhase', ...p.value } : { type: 'ignored', reason: `actionPhase: ${p.reason}` },
    );
  });
  setHandler(workerLostSignal, (msg) => {
    const p = parseWorkerLost(msg);
    inbox.push(
      p.ok
        ? { type: 'workerLost', taskQueue: p.value.taskQueue }
        : { type: 'ignored', reason: `workerLost: ${p.reason}` },
    );
  });
  setHandler(statusQuery, () => statusOf(state, Date.now()));

  // What the search attribute and memo already say (set at start, kept across continue-as-new).
  let shownState = info.typedSearchAttributes.get(MonitorStateKey);
  let shownGeneration = (info.memo?.generation as number | undefined) ?? undefined;
  let shownLoopQueue = (info.memo?.loopQueue as string | undefined) ?? undefined;

  // ---- commands → Temporal ----
  /** The worker of the last loop that ended with a report, and when (LOOP_SAME_WORKER). */
  let reportedFrom: { worker: PickedWorker; at: number } | undefined;
  const startLoop = (c: Extract<Command, { type: 'startLoop' }>) => {
    const rec: ShellLoop = { scope: new CancellationScope(), done: false, chain: Promise.resolve() };
    loops.set(c.loopId, rec);
    const again =
      reportedFrom && Date.now() - reportedFrom.at <= SAME_WORKER_WITHIN_MS ? reportedFrom.worker : undefined;
    reportedFrom = undefined;
    rec.scope
      .run(async () => {
        const w = again && patched(LOOP_SAME_WORKER) ? again : await shared.pickProbeWorker();
        rec.worker = w;
        const acts = loopActivities(w, presence);
        rec.control = acts.control;
        inbox.push({ type: 'loopStarted', loopId: c.loopId, taskQueue: w.taskQueue });
        if (presence && patched(LOOP_CHECK))
          void checkLoop(c.loopId, rec, acts.control, w.heartbeatTimeoutMs);
        return acts.loop({
          loopId: c.loopId,
          vnfId: input.vnfId,
          generation: c.generation,
          targets: c.targets,
          counters: c.counters,
          allowedCidrs: input.allowedCidrs,
          renewAfterMs: RENEW_AFTER_MS,
        });
      })
      .then(
        (result) => {
          if (result.kind !== 'stopped' && rec.worker) reportedFrom = { worker: rec.worker, at: Date.now() };
          inbox.push({ type: 'loopEnded', loopId: c.loopId, result });
        },
        (err: unknown) => {
          const hb = heartbeatOf(err);
          inbox.push({
            type: 'loopEnded',
            loopId: c.loopId,
            error: { cancelled: isCancellation(err), lostWorker: isLostWorker(err), message: messageOf(err) },
            ...(hb?.loopId === c.loopId ? { counters: hb.counters } : {}),
          });
        },
      )
      .finally(() => {
        rec.done = true;
        loops.delete(c.loopId);
      });
  };

  /** Asks the loop's worker once whether it runs the loop; no → the machine replaces it. */
  const checkLoop = async (
    loopId: string,
    rec: ShellLoop,
    control: (msg: ProbeLoopControl) => Promise<boolean>,
    afterMs: number,
  ) => {
    try {
      await sleep(afterMs);
      for (let asked = 1; !rec.done; asked++) {
        const runs = await control({ loopId, command: 'ping' }).catch(() => undefined);
        if (runs === true || rec.done) return;
        if (runs === false || asked >= LOOP_CHECK_TRIES || !patched(LOOP_CHECK_UNANSWERED)) {
          inbox.push({ type: 'loopUpdateFailed', loopId });
          return;
        }
        await sleep(afterMs); // no answer: a busy worker, most likely; ask again
      }
    } catch {
      // The loop was stopped meanwhile (its scope cancelled): nothing to check.
    }
  };

  /** Control messages not yet answered (MONITOR_SETTLE_CONTROLS). */
  const controlsInFlight = new Set<Promise<void>>();
  const sendControl = (loopId: string, msg: ProbeLoopControl, onFailure?: () => void) => {
    const rec = loops.get(loopId);
    if (!rec) return onFailure?.();
    const sent = rec.chain.then(async () => {
      const ok = rec.control ? await rec.control(msg).catch(() => false) : false;
      if (!ok) onFailure?.();
    });
    rec.chain = sent;
    controlsInFlight.add(sent);
    void sent.finally(() => controlsInFlight.delete(sent));
  };

  const stopLoop = (loopId: string) => {
    const rec = loops.get(loopId);
    if (!rec) return;
    if (!rec.control) return rec.scope.cancel(); // still picking a worker
    sendControl(loopId, { loopId, command: 'stop' });
    void rec.chain.then(async () => {
      await condition(() => rec.done, STOP_GRACE);
      // Unreachable worker: cancellation reaches the loop at its next heartbeat.
      if (!rec.done) rec.scope.cancel();
    });
  };

  const runAction = async (request: PolicyActionInput) => {
    const episode = request.episode;
    try {
      const child = await startChild(POLICY_ACTION_WORKFLOW_TYPE, {
        workflowId: policyActionWorkflowId(request.vnfId, request.actionId, episode),
        taskQueue: input.conductorTaskQueue,
        args: [request],
        // The action finishes even if this monitor is killed or terminated meanwhile.
        parentClosePolicy: ParentClosePolicy.ABANDON,
        // An id used before (an earlier monitor of this VNF) is never a second run of its action.
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
      const outcome = (await child.result()) as PolicyActionOutcome;
      inbox.push({ type: 'actionEnded', episode, outcome });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError || causeType(err) === EPISODE_TAKEN)
        inbox.push({ type: 'actionEnded', episode, taken: true });
      else inbox.push({ type: 'actionEnded', episode, error: messageOf(err) });
    }
  };

  const run = (commands: Command[]): Command | undefined => {
    let terminal: Command | undefined;
    for (const c of commands) {
      switch (c.type) {
        case 'startLoop':
          startLoop(c);
          break;
        case 'updateLoop':
          sendControl(
            c.loopId,
            {
              loopId: c.loopId,
              command: 'update',
              generation: c.generation,
              targets: c.targets,
              counters: c.counters,
              reset: c.reset,
            },
            () => inbox.push({ type: 'loopUpdateFailed', loopId: c.loopId }),
          );
          break;
        case 'stopLoop':
          stopLoop(c.loopId);
          break;
        case 'abandonLoop':
          // Its worker is gone: nothing to wait for. Its late end, if any, is ignored by the machine.
          loops.get(c.loopId)?.scope.cancel();
          break;
        case 'runAction':
          void runAction(c.request);
          break;
        case 'writeEvent':
          void conductor.recordMonitorEvent(c.event).then(
            (result) => inbox.push({ type: 'eventWritten', key: c.key, result }),
            (err: unknown) => {
              log.error('monitor event not written', { event: c.event, error: messageOf(err) });
              inbox.push({ type: 'eventWritten', key: c.key, result: 'ok' });
            },
          );
          break;
        case 'wake':
          void sleep(Math.max(1, c.at - Date.now())).then(() => inbox.push({ type: 'tick' }));
          break;
        case 'publish':
          if (c.state !== shownState) {
            upsertSearchAttributes([{ key: MonitorStateKey, value: c.state }]);
            shownState = c.state;
          }
          {
            const memo: Record<string, unknown> = {};
            if (c.generation !== shownGeneration) memo.generation = c.generation;
            if (c.loopQueue !== undefined && c.loopQueue !== shownLoopQueue) memo.loopQueue = c.loopQueue;
            if (Object.keys(memo).length) {
              upsertMemo(memo);
              shownGeneration = c.generation;
              if (c.loopQueue !== undefined) shownLoopQueue = c.loopQueue;
            }
          }
          break;
        case 'log':
          log[c.level](c.message, c.fields);
          break;
        case 'continueAsNew':
        case 'complete':
          terminal = c;
          break;
      }
    }
    return terminal;
  };

  // ---- the event loop ----
  const first = start(state, Date.now());
  state = first.state;
  let terminal = run(first.commands);
  for (;;) {
    // A terminal command stands only if nothing else arrived meanwhile (e.g. a kill during continue-as-new).
    if (terminal && inbox.length === 0) break;
    await condition(() => inbox.length > 0 || (!state.canSuggested && workflowInfo().continueAsNewSuggested));
    if (inbox.length === 0) inbox.push({ type: 'canSuggested' });
    while (inbox.length > 0) {
      const ev = inbox.shift()!;
      if (!state.lateRecheck && lateFailureReport(state, ev, Date.now()) && patched(MONITOR_LATE_RECHECK))
        state = { ...state, lateRecheck: true };
      const r = step(state, ev, Date.now());
      state = r.state;
      const t = run(r.commands);
      // Completion is final; continue-as-new stands only while each later step asks for it again.
      if (t || terminal?.type !== 'complete') terminal = t;
    }
  }
  if (terminal.type === 'continueAsNew') {
    await condition(allHandlersFinished);
    return continueAsNew<typeof vnfMonitorWorkflow>({
      ...input,
      generation: terminal.generation,
      vdus: terminal.vdus,
      carried: terminal.carried,
    });
  }
  // A stop sent as the loop ended by itself is still in flight: completing now would leave it
  // pending on a closed workflow (shown in the Web UI, never run). Bounded by its 10 s timeout.
  if (controlsInFlight.size && patched(MONITOR_SETTLE_CONTROLS)) await Promise.all([...controlsInFlight]);
  return { reason: terminal.type === 'complete' ? terminal.reason : 'stopped' };
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

function causeType(err: unknown): string | undefined {
  let e: unknown = err;
  while (e instanceof ChildWorkflowFailure || e instanceof ActivityFailure) e = e.cause;
  return e instanceof ApplicationFailure ? (e.type ?? undefined) : undefined;
}

function messageOf(err: unknown): string {
  let e: unknown = err;
  while ((e instanceof ChildWorkflowFailure || e instanceof ActivityFailure) && e.cause) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}
