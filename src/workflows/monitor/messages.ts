// The monitor's signals and query, and the validation of what arrives on them.
// Anyone can send a signal (`temporal workflow signal`), so a message is data
// to check, never trusted: a malformed one is ignored with a reason instead of
// failing a workflow task (which Temporal would retry forever). Pure.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { isIpv4 } from '../../net/cidr.js';
import { normalizeMonitoringPolicy } from '../../monitoring/policy.js';
import {
  QUERY_STATUS,
  SIGNAL_ACTION_PHASE,
  SIGNAL_KILL,
  SIGNAL_PAUSE,
  SIGNAL_RESUME,
  SIGNAL_UPDATE,
  SIGNAL_WORKER_LOST,
  type ActionPhaseSignal,
  type KillSignal,
  type MonitoredVdu,
  type MonitorStatus,
  type PauseSignal,
  type UpdateSignal,
  type WorkerLostSignal,
} from '../../monitoring/contract.js';

export const killSignal = defineSignal<[KillSignal]>(SIGNAL_KILL);
export const updateSignal = defineSignal<[UpdateSignal]>(SIGNAL_UPDATE);
export const pauseSignal = defineSignal<[PauseSignal]>(SIGNAL_PAUSE);
export const resumeSignal = defineSignal<[PauseSignal]>(SIGNAL_RESUME);
export const statusQuery = defineQuery<MonitorStatus>(QUERY_STATUS);
export const actionPhaseSignal = defineSignal<[ActionPhaseSignal]>(SIGNAL_ACTION_PHASE);
export const workerLostSignal = defineSignal<[WorkerLostSignal]>(SIGNAL_WORKER_LOST);

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const bad = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

/** kill, pause and resume carry only the monitor's actionId. */
export function parseActionIdOnly(msg: unknown): Parsed<{ actionId: string }> {
  if (!isObject(msg)) return bad('message must be an object such as {"actionId": "…"}');
  if (typeof msg.actionId !== 'string' || msg.actionId === '')
    return bad('actionId must be a non-empty string');
  return { ok: true, value: { actionId: msg.actionId } };
}

/** actionPhase: where the conductor says an action stands. */
export function parseActionPhase(msg: unknown): Parsed<ActionPhaseSignal> {
  const head = parseActionIdOnly(msg);
  if (!head.ok) return head;
  const m = msg as Record<string, unknown>;
  if (typeof m.episode !== 'number' || !Number.isSafeInteger(m.episode))
    return bad('episode must be a whole number');
  if (typeof m.phase !== 'string' || m.phase.length > 500)
    return bad('phase must be a string of at most 500 characters');
  if (m.answered !== undefined && typeof m.answered !== 'boolean')
    return bad('answered must be true or false');
  return {
    ok: true,
    value: {
      actionId: head.value.actionId,
      episode: m.episode,
      phase: m.phase,
      ...(m.answered === true ? { answered: true } : {}),
    },
  };
}

/**
 * workerLost: the loop queue of a monitor worker that stopped answering. No actionId: the
 * presence workflow that sends it knows queues, not monitors; the message can only make a
 * monitor whose loop runs on exactly that queue start it elsewhere, which is always safe.
 */
export function parseWorkerLost(msg: unknown): Parsed<WorkerLostSignal> {
  if (!isObject(msg)) return bad('message must be an object such as {"taskQueue": "…"}');
  if (typeof msg.taskQueue !== 'string' || msg.taskQueue === '' || msg.taskQueue.length > 1000)
    return bad('taskQueue must be a non-empty string of at most 1000 characters');
  return { ok: true, value: { taskQueue: msg.taskQueue } };
}

/** update: a whole monitored set; every VDU, policy and target is checked. */
export function parseUpdate(msg: unknown): Parsed<UpdateSignal> {
  const head = parseActionIdOnly(msg);
  if (!head.ok) return head;
  const m = msg as Record<string, unknown>;
  if (typeof m.generation !== 'number' || !Number.isSafeInteger(m.generation) || m.generation < 0)
    return bad('generation must be a whole number');
  if (m.vnfStatus !== undefined && typeof m.vnfStatus !== 'string') return bad('vnfStatus must be a string');
  const vdus = parseVdus(m.vdus, 'vdus');
  if (!vdus.ok) return vdus;
  return {
    ok: true,
    value: {
      actionId: head.value.actionId,
      generation: m.generation,
      vdus: vdus.value,
      ...(typeof m.vnfStatus === 'string' ? { vnfStatus: m.vnfStatus } : {}),
    },
  };
}

/** A monitored set (in an update, an action's outcome or the workflow's input). */
export function parseVdus(raw: unknown, path: string): Parsed<MonitoredVdu[]> {
  if (!Array.isArray(raw)) return bad(`${path} must be a list`);
  const out: MonitoredVdu[] = [];
  const seen = new Set<string>();
  for (const [i, v] of raw.entries()) {
    const at = `${path}[${i}]`;
    if (!isObject(v)) return bad(`${at} must be an object`);
    if (typeof v.vduName !== 'string' || v.vduName === '')
      return bad(`${at}.vduName must be a non-empty string`);
    if (!isObject(v.policy)) return bad(`${at}.policy must be an object`);
    const p = v.policy;
    const norm = normalizeMonitoringPolicy(
      { name: p.driver, parameters: p.parameters, actions: p.actions },
      `${at}.policy`,
    );
    if (!norm.policy)
      return bad(norm.errors.map((e) => `${e.path.replace('.name', '.driver')} ${e.message}`)[0]!);
    if (!Array.isArray(v.targets)) return bad(`${at}.targets must be a list`);
    const targets = [];
    for (const [j, t] of v.targets.entries()) {
      const tat = `${at}.targets[${j}]`;
      if (!isObject(t)) return bad(`${tat} must be an object`);
      if (typeof t.instanceId !== 'string' || t.instanceId === '')
        return bad(`${tat}.instanceId must be a non-empty string`);
      if (seen.has(t.instanceId)) return bad(`${tat}.instanceId ${t.instanceId} appears twice`);
      seen.add(t.instanceId);
      if (typeof t.ip !== 'string' || !isIpv4(t.ip)) return bad(`${tat}.ip must be an IPv4 address`);
      if (typeof t.bootedAt !== 'string' || Number.isNaN(Date.parse(t.bootedAt)))
        return bad(`${tat}.bootedAt must be an ISO time`);
      targets.push({ instanceId: t.instanceId, ip: t.ip, bootedAt: t.bootedAt });
    }
    out.push({ vduName: v.vduName, policy: norm.policy, targets });
  }
  return { ok: true, value: out };
}
