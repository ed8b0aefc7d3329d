// Records histories of real runs for the replay test (test/replay/replay.test.ts):
//
//   npm run histories:record -- --set <name>
//
// It starts a Temporal dev server of its own (one that suggests
// continue-as-new early), a fresh migrated PostgreSQL database, the real
// conductor and monitor workers in this process, and netns VIMs; drives real
// VNFs through every path (healthy, pause/resume, kill, continue-as-new,
// failure → respawn, log, vdu_autoheal, log_and_kill, the respawn limit,
// scale out/in, update, delete, monitor commands, a correlated-failure hold
// released by the operator); then writes the history of every workflow run
// the server knows — completed, continued as new or still running — to
// test/replay/histories/<set>/<workflowType>-<case>[-n].json, with
// index.json naming each file's case. Needs root (network namespaces),
// PostgreSQL and the Temporal CLI, like the tests. Takes 2–4 minutes.
//
// Cases that need code the recorded tree does not have (monitor commands,
// holds) are skipped with a line saying so, so the same file can record an
// older commit's histories (copy it there, run it, copy the JSON back).
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { Client, Connection, type WorkflowExecutionInfo } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { TemporalConfig } from '../../src/config.js';
import { createDb, type Db } from '../../src/db/client.js';
import { scratchDatabase } from '../../src/db/migrate.js';
import { CONDUCTOR_WORKFLOWS_PATH, createConductorWorker } from '../../src/conductor/worker.js';
import {
  DELETE_VNF_WORKFLOW,
  SCALE_VNF_WORKFLOW,
  UPDATE_VNF_WORKFLOW,
} from '../../src/conductor/contract.js';
import { monitorWorkflowId } from '../../src/monitoring/contract.js';
import { ensureTemporalCli } from '../../src/temporal/cli.js';
import { cachedWorkflowBundle } from '../../src/temporal/workflow-bundle.js';
import { createMonitorWorker, MONITOR_WORKFLOWS_PATH } from '../../src/worker/monitor-worker.js';
import { createVnf, liveInstances, sampleTemplate, vnfEvents, vnfStatus } from '../helpers/fixtures.js';
import {
  delay,
  netnsVimEnv,
  privateTemporal,
  requestOperation,
  template,
  type VimEnv,
} from '../helpers/lifecycle.js';
import { icmpInEchos, netnsUnavailable } from '../helpers/netns.js';
import { eventually } from '../helpers/workers.js';
import { historyFromJson } from './history-json.js';

const execFileAsync = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const { values: args } = parseArgs({
  options: {
    set: { type: 'string' },
    out: { type: 'string' },
    only: { type: 'string' },
  },
});
if (!args.set || !/^[a-z0-9][a-z0-9._-]*$/i.test(args.set)) {
  console.error('usage: npm run histories:record -- --set <name> [--only case,case] [--out dir]');
  process.exit(2);
}
const SET = args.set;
const OUT = args.out ?? join(ROOT, 'test/replay/histories', SET);
const ONLY = args.only ? new Set(args.only.split(',')) : undefined;

/** Each case's meaning, written to index.json. */
const CASES: Record<string, string> = {
  healthy: 'one VDU probed for a few healthy rounds; the monitor still running',
  pause: 'pause, then resume; the monitor still running',
  kill: 'kill signal: the monitor completes',
  'continue-as-new': 'ignored messages drive the monitor to continue-as-new; both runs',
  respawn: 'link down → respawn (policy action, respawn workflow), the monitor on the new instance',
  log: 'http_ping responder stopped → log, restarted → recovery',
  'autoheal-kill':
    'two VDUs: VDU1 link down → vdu_autoheal; VDU2 responder stopped → log_and_kill (VNF deleted)',
  'respawn-limit': 'a VDU that never answers: respawn, then the respawn limit puts the VNF in ERROR',
  scale: 'scale out, scale in (update signals to the monitor), update, delete (monitor killed)',
  'monitor-command': 'monitor commands through the conductor: restart, stop, start, resync',
  'heal-hold': 'three VNFs of one VIM fail at once → correlated-failure hold, released by the operator',
};

// The healing gate: failures within 10 s are correlated (the serial fault
// chain below keeps the single-failure cases apart), three make a hold.
process.env.VNFM_HEAL_HOLD_WINDOW ??= '10';
process.env.VNFM_HEAL_HOLD_MIN ??= '3';
process.env.VNFM_HEAL_CONFIRM_SLACK ??= '1';
process.env.VNFM_LOG_LEVEL ??= 'warn';

const log = (msg: string) => console.log(`[record ${new Date().toISOString().slice(11, 19)}] ${msg}`);

interface Ctx {
  db: Db;
  client: Client;
  temporal: TemporalConfig;
  vim: VimEnv;
}

/** vnfId → case, to name the histories afterwards. */
const caseOf = new Map<string, string>();
const skipped: string[] = [];

const fast = { period: 1, monitoring_delay: 1 };

async function activeVnf(ctx: Ctx, name: string, tpl: string, vim = ctx.vim): Promise<string> {
  const vnfId = await createVnf(ctx, vim, tpl, `${name}-${randomBytes(2).toString('hex')}`);
  caseOf.set(vnfId, name);
  await eventually(`${name}: VNF ACTIVE`, async () => (await vnfStatus(ctx.db, vnfId)) === 'ACTIVE', 90_000);
  return vnfId;
}

/** Waits until `n` echo requests more reach the namespace (a few probe rounds). */
async function probed(ns: string, n = 2): Promise<void> {
  const start = (await icmpInEchos(ns)) ?? 0;
  await eventually(`probes reaching ${ns}`, async () => ((await icmpInEchos(ns)) ?? 0) >= start + n, 30_000);
}

async function firstInstance(ctx: Ctx, vnfId: string) {
  return (await liveInstances(ctx.db, vnfId))[0]!;
}

async function actionIdOf(ctx: Ctx, vnfId: string): Promise<string> {
  return (await ctx.db.vnf.findUniqueOrThrow({ where: { id: vnfId } })).monitorActionId!;
}

const monitorHandle = (ctx: Ctx, vnfId: string) => ctx.client.workflow.getHandle(monitorWorkflowId(vnfId));

async function monitorClosed(ctx: Ctx, vnfId: string, what: string): Promise<void> {
  await eventually(
    what,
    async () => (await monitorHandle(ctx, vnfId).describe()).status.name === 'COMPLETED',
    60_000,
  );
}

/** A new live instance of `vduName` (not `oldId`), ACTIVE, and the VNF ACTIVE again. */
async function recreated(ctx: Ctx, vnfId: string, oldId: string, vduName = 'VDU1', timeoutMs = 90_000) {
  return eventually(
    `a new ${vduName} instance of ${vnfId}`,
    async () => {
      const v = (await liveInstances(ctx.db, vnfId)).find((i) => i.vduName === vduName);
      return v && v.id !== oldId && v.status === 'ACTIVE' && (await vnfStatus(ctx.db, vnfId)) === 'ACTIVE'
        ? v
        : undefined;
    },
    timeoutMs,
  );
}

// Destructive failures one after another, a few seconds apart, so the healing
// gate never sees them as correlated (that is the heal-hold case's job).
let chain: Promise<unknown> = Promise.resolve();
function serialFault<T>(fn: () => Promise<T>): Promise<T> {
  const run = chain.then(fn).finally(() => delay(4000));
  chain = run.catch(() => undefined);
  return run;
}

const cases: Record<string, (ctx: Ctx) => Promise<void>> = {
  async healthy(ctx) {
    const vnfId = await activeVnf(ctx, 'healthy', sampleTemplate('vnfd-ping-respawn', fast));
    await probed((await firstInstance(ctx, vnfId)).vimResourceId!, 3);
  },

  async pause(ctx) {
    const vnfId = await activeVnf(ctx, 'pause', sampleTemplate('vnfd-ping-respawn', fast));
    const ns = (await firstInstance(ctx, vnfId)).vimResourceId!;
    await probed(ns);
    const actionId = await actionIdOf(ctx, vnfId);
    await monitorHandle(ctx, vnfId).signal('pause', { actionId });
    await delay(3000);
    await monitorHandle(ctx, vnfId).signal('resume', { actionId });
    await probed(ns);
  },

  async kill(ctx) {
    const vnfId = await activeVnf(ctx, 'kill', sampleTemplate('vnfd-ping-respawn', fast));
    await probed((await firstInstance(ctx, vnfId)).vimResourceId!);
    await monitorHandle(ctx, vnfId).signal('kill', { actionId: await actionIdOf(ctx, vnfId) });
    await monitorClosed(ctx, vnfId, 'kill: monitor completed');
  },

  async 'continue-as-new'(ctx) {
    const vnfId = await activeVnf(ctx, 'continue-as-new', sampleTemplate('vnfd-ping-respawn', fast));
    const ns = (await firstInstance(ctx, vnfId)).vimResourceId!;
    await probed(ns);
    // Messages with another actionId are ignored, yet each is a history event.
    const h = monitorHandle(ctx, vnfId);
    const first = (await h.describe()).runId;
    const wrong = { actionId: '00000000-0000-4000-8000-000000000000' };
    let sent = 0;
    while ((await h.describe()).runId === first) {
      if (sent >= 400) throw new Error(`continue-as-new: no rollover after ${sent} signals`);
      if (sent % 3 === 0) await h.signal('kill', wrong);
      else if (sent % 3 === 1) await h.signal('pause', wrong);
      else await h.signal('update', { ...wrong, generation: 1_000 + sent, vdus: [] });
      sent++;
    }
    await probed(ns);
  },

  async respawn(ctx) {
    const vnfId = await activeVnf(ctx, 'respawn', sampleTemplate('vnfd-ping-respawn', fast));
    const inst = await firstInstance(ctx, vnfId);
    await probed(inst.vimResourceId!);
    const healed = await serialFault(async () => {
      await ctx.vim.inject(inst.id, 'link-down');
      return recreated(ctx, vnfId, inst.id);
    });
    await probed(healed.vimResourceId!);
  },

  async log(ctx) {
    const tpl = template('vnfd-http-ping-log', { params: { ...fast, retry: 2, timeout: 1 } });
    const vnfId = await activeVnf(ctx, 'log', tpl);
    const inst = await firstInstance(ctx, vnfId);
    await delay(3000); // healthy rounds
    const logged = async () =>
      (await vnfEvents(ctx.db, vnfId)).filter((e) =>
        (e.eventDetails as { message?: string }).message?.startsWith('ActionLogOnly'),
      ).length;
    await serialFault(async () => {
      await ctx.vim.inject(inst.id, 'responder-stop');
      await eventually('log: the log event', async () => (await logged()) >= 1, 60_000);
    });
    const events = (await vnfEvents(ctx.db, vnfId)).length;
    await ctx.vim.inject(inst.id, 'responder-start');
    // The recovery writes an event (or, on older code, at least a few healthy rounds pass).
    await eventually(
      'log: recovered',
      async () => (await vnfEvents(ctx.db, vnfId)).length > events,
      15_000,
    ).catch(() => undefined);
    await delay(2000);
  },

  async 'autoheal-kill'(ctx) {
    const vnfId = await activeVnf(ctx, 'autoheal-kill', sampleTemplate('vnfd-two-vdus', fast));
    const [vdu1, vdu2] = await liveInstances(ctx.db, vnfId);
    await probed(vdu1!.vimResourceId!);
    await serialFault(async () => {
      await ctx.vim.inject(vdu1!.id, 'link-down');
      await recreated(ctx, vnfId, vdu1!.id, 'VDU1');
    });
    await delay(3000); // the monitor on the new set
    await serialFault(async () => {
      await ctx.vim.inject(vdu2!.id, 'responder-stop');
      await eventually(
        'autoheal-kill: VNF deleted',
        async () => (await ctx.db.vnf.findUniqueOrThrow({ where: { id: vnfId } })).deletedAt !== null,
        90_000,
      );
    });
    await monitorClosed(ctx, vnfId, 'autoheal-kill: monitor completed');
  },

  async 'respawn-limit'(ctx) {
    const tpl = template('vnfd-ping-respawn', {
      image: 'broken-image',
      params: {
        ...fast,
        count: 1,
        timeout: 0.5,
        respawn_backoff: 1,
        respawn_limit: 1,
        respawn_limit_window: 300,
      },
    });
    await serialFault(async () => {
      const vnfId = await createVnf(ctx, ctx.vim, tpl, 'respawn-limit');
      caseOf.set(vnfId, 'respawn-limit');
      await eventually(
        'respawn-limit: VNF in ERROR',
        async () => (await vnfStatus(ctx.db, vnfId)) === 'ERROR',
        120_000,
      );
      await delay(3000); // the monitor holds (or, on older code, completes)
    });
  },

  async scale(ctx) {
    const vnfId = await activeVnf(ctx, 'scale', sampleTemplate('vnfd-ping-scaling', fast));
    await probed((await firstInstance(ctx, vnfId)).vimResourceId!);
    const op = async (workflow: string, input: Record<string, unknown>) => {
      const req = await requestOperation(ctx, workflow, { vnfId, ...input });
      if (!req.answer.accepted) throw new Error(`scale: ${workflow} refused: ${JSON.stringify(req.answer)}`);
      const r = await req.result();
      await delay(2000); // the monitor takes the new set
      return r;
    };
    await op(SCALE_VNF_WORKFLOW, { policy: 'SP1', type: 'out' });
    await op(SCALE_VNF_WORKFLOW, { policy: 'SP1', type: 'in' });
    await op(UPDATE_VNF_WORKFLOW, { attributes: { config: { recorded: true } } });
    await op(DELETE_VNF_WORKFLOW, { force: false });
    await monitorClosed(ctx, vnfId, 'scale: monitor completed after the delete');
  },

  async 'monitor-command'(ctx) {
    const status = (await import('../../src/monitoring/status.js')) as Record<string, unknown>;
    const request = status.requestMonitorCommand as
      | ((
          c: Client,
          q: string,
          vnfId: string,
          command: string,
          by: string,
          busyMs?: number,
        ) => Promise<unknown>)
      | undefined;
    if (!request) {
      skipped.push('monitor-command: this tree has no requestMonitorCommand');
      return;
    }
    const vnfId = await activeVnf(ctx, 'monitor-command', sampleTemplate('vnfd-ping-respawn', fast));
    const ns = (await firstInstance(ctx, vnfId)).vimResourceId!;
    await probed(ns);
    for (const command of ['restart', 'stop', 'start', 'resync']) {
      const answer = (await request(
        ctx.client,
        ctx.temporal.conductorTaskQueue,
        vnfId,
        command,
        'recorder',
        30_000,
      )) as {
        kind: string;
      };
      if (answer.kind !== 'done') throw new Error(`monitor-command: ${command} → ${JSON.stringify(answer)}`);
      await delay(1500);
    }
    await probed(ns);
  },
};

/** Three VNFs of a VIM of their own fail at once; a hold (on code that has holds) is released. */
async function healHold(ctx: Ctx, vim: VimEnv): Promise<void> {
  const ids = await Promise.all(
    [0, 1, 2].map(() => activeVnf(ctx, 'heal-hold', sampleTemplate('vnfd-ping-respawn', fast), vim)),
  );
  const insts = await Promise.all(ids.map((id) => firstInstance(ctx, id)));
  await Promise.all(insts.map((i) => probed(i.vimResourceId!)));
  await Promise.all(insts.map((i) => vim.inject(i.id, 'link-down')));
  const released = new Set<string>();
  const holds = async () => {
    const found: WorkflowExecutionInfo[] = [];
    for await (const w of ctx.client.workflow.list({ query: `WorkflowType = "healHoldWorkflow"` }))
      found.push(w);
    return found;
  };
  await eventually(
    'heal-hold: every VNF recreated',
    async () => {
      for (const h of await holds()) {
        if (h.status.name !== 'RUNNING' || released.has(h.workflowId)) continue;
        // Let the coordinator run a round or two before the operator decides.
        if (Date.now() - h.startTime.getTime() < 6000) continue;
        released.add(h.workflowId);
        log(`heal-hold: releasing ${h.workflowId}`);
        await ctx.client.workflow
          .getHandle(h.workflowId)
          .signal('decide', { decision: 'release', by: 'recorder' });
      }
      for (let k = 0; k < ids.length; k++) {
        const v = (await liveInstances(ctx.db, ids[k]!))[0];
        if (!v || v.id === insts[k]!.id || v.status !== 'ACTIVE') return false;
        if ((await vnfStatus(ctx.db, ids[k]!)) !== 'ACTIVE') return false;
      }
      return true;
    },
    150_000,
    1000,
  );
  if (released.size === 0) {
    const execs = await ctx.db.policyActionExecution.findMany({ where: { vnfId: { in: ids } } });
    const at = execs.map((e) => e.startedAt.toISOString().slice(11, 23)).sort();
    skipped.push(`heal-hold: no hold was made (respawned directly); actions started at ${at.join(', ')}`);
  }
  await delay(6000); // the coordinator sees the recovery and ends
}

// ---- the stack ----------------------------------------------------------------

const freshDatabase = () =>
  scratchDatabase(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres', 'vnfm_record');

/** `<workflowType>-<case>[-n]` for every run, numbered by start time within type and case. */
function fileNames(runs: { info: WorkflowExecutionInfo; case: string }[]): string[] {
  const sorted = runs
    .map((r, i) => ({ ...r, i }))
    .sort((a, b) => a.info.startTime.getTime() - b.info.startTime.getTime());
  const total = new Map<string, number>();
  for (const r of runs) {
    const k = `${r.info.type}-${r.case}`;
    total.set(k, (total.get(k) ?? 0) + 1);
  }
  const seen = new Map<string, number>();
  const names: string[] = [];
  for (const r of sorted) {
    const k = `${r.info.type}-${r.case}`;
    const n = (seen.get(k) ?? 0) + 1;
    seen.set(k, n);
    names[r.i] = total.get(k)! > 1 ? `${k}-${n}` : k;
  }
  return names;
}

function caseOfWorkflow(workflowId: string): string {
  for (const [vnfId, c] of caseOf) if (workflowId.includes(vnfId)) return c;
  if (workflowId.startsWith('heal-')) return 'heal-hold';
  return 'other';
}

async function main(): Promise<void> {
  const skip = await netnsUnavailable();
  if (skip) throw new Error(`recording needs network namespaces: ${skip}`);
  const started = Date.now();
  log(`set ${SET} → ${OUT}`);
  const temporalServer = await privateTemporal({ 'limit.historyCount.suggestContinueAsNew': 100 });
  const database = await freshDatabase();
  const suffix = randomBytes(4).toString('hex');
  const temporal: TemporalConfig = {
    address: temporalServer.address,
    namespace: 'default',
    monitorTaskQueue: `vnfm-monitor-record-${suffix}`,
    conductorTaskQueue: `vnfm-conductor-record-${suffix}`,
  };
  const connection = await NativeConnection.connect({ address: temporal.address });
  const client = new Client({ connection: await Connection.connect({ address: temporal.address }) });
  const db = createDb(database.url, { max: 8 });
  const vims: VimEnv[] = [];
  let stopWorkers: () => Promise<void> = async () => undefined;
  try {
    const [conductorBundle, monitorBundle] = await Promise.all([
      cachedWorkflowBundle(CONDUCTOR_WORKFLOWS_PATH),
      cachedWorkflowBundle(MONITOR_WORKFLOWS_PATH),
    ]);
    const conductor = await createConductorWorker({
      db,
      client,
      temporal,
      connection,
      workflowBundle: conductorBundle,
    });
    const monitor = await createMonitorWorker({
      connection,
      client,
      temporal,
      maxLoops: 1000,
      heartbeatTimeoutMs: 5000,
      pingEngine: 'batch',
      workflowBundle: monitorBundle,
    });
    const running = [conductor.run(), monitor.run()];
    stopWorkers = async () => {
      await monitor.shutdown();
      conductor.shutdown();
      await Promise.allSettled(running);
    };
    log(`workers running (${Math.round((Date.now() - started) / 1000)} s)`);

    const vim = await netnsVimEnv(db);
    vims.push(vim);
    const ctx: Ctx = { db, client, temporal, vim };
    const wanted = Object.keys(cases).filter((c) => !ONLY || ONLY.has(c));
    const results = await Promise.allSettled(
      wanted.map(async (name) => {
        const t0 = Date.now();
        await cases[name]!(ctx);
        log(`case ${name} done (${Math.round((Date.now() - t0) / 1000)} s)`);
      }),
    );
    const failed = results.flatMap((r, i) =>
      r.status === 'rejected' ? [`${wanted[i]}: ${String(r.reason)}`] : [],
    );
    if (!ONLY || ONLY.has('heal-hold')) {
      const holdVim = await netnsVimEnv(db);
      vims.push(holdVim);
      const t0 = Date.now();
      await healHold(ctx, holdVim).then(
        () => log(`case heal-hold done (${Math.round((Date.now() - t0) / 1000)} s)`),
        (err: unknown) => failed.push(`heal-hold: ${String(err)}`),
      );
    }
    if (failed.length) throw new Error(`cases failed:\n  ${failed.join('\n  ')}`);

    // Every run the server knows, completed, continued as new or running.
    const runs: { info: WorkflowExecutionInfo; case: string }[] = [];
    for await (const info of client.workflow.list())
      runs.push({ info, case: caseOfWorkflow(info.workflowId) });
    const names = fileNames(runs);
    const cli = await ensureTemporalCli();
    await rm(OUT, { recursive: true, force: true });
    await mkdir(OUT, { recursive: true });
    const index: Record<string, unknown>[] = [];
    let bytes = 0;
    for (let i = 0; i < runs.length; i++) {
      const { info } = runs[i]!;
      // The CLI writes the standard JSON history format (the SDK's historyToJSON
      // trips over the two protobufjs copies npm installs, see history-json.ts).
      const { stdout } = await execFileAsync(
        cli,
        ['workflow', 'show', '--address', temporal.address, '--namespace', temporal.namespace].concat([
          '--workflow-id',
          info.workflowId,
          '--run-id',
          info.runId,
          '--output',
          'json',
        ]),
        { maxBuffer: 64 * 1024 * 1024 },
      );
      const history = JSON.parse(stdout) as { events?: unknown[] };
      historyFromJson(history); // fails here, not in the replay test, if the format is not the standard one
      const json = `${JSON.stringify(history)}\n`;
      bytes += json.length;
      await writeFile(join(OUT, `${names[i]}.json`), json);
      index.push({
        file: `${names[i]}.json`,
        workflowType: info.type,
        case: runs[i]!.case,
        workflowId: info.workflowId,
        runId: info.runId,
        status: info.status.name,
        events: history.events?.length ?? 0,
      });
    }
    index.sort((a, b) => String(a.file).localeCompare(String(b.file)));
    // The code recorded: the last commit that changed src/ (stable across rebases of other work).
    const commit = execFileSync('git', ['log', '-1', '--format=%h', '--', 'src'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).trim();
    const usedCases = Object.fromEntries(
      Object.entries(CASES).filter(([c]) => index.some((h) => h.case === c)),
    );
    await writeFile(
      join(OUT, 'index.json'),
      `${JSON.stringify({ set: SET, commit, recordedAt: new Date().toISOString(), cases: usedCases, skipped, histories: index }, null, 2)}\n`,
    );
    log(
      `${runs.length} histories, ${(bytes / 1024).toFixed(0)} kB, in ${(await readdir(OUT)).length - 1} files; ` +
        `${Math.round((Date.now() - started) / 1000)} s in all`,
    );
    for (const s of skipped) log(`skipped: ${s}`);
  } finally {
    await stopWorkers().catch(() => undefined);
    for (const v of vims) await v.cleanup();
    await connection.close().catch(() => undefined);
    await client.connection.close().catch(() => undefined);
    await db.$disconnect().catch(() => undefined);
    await database.drop().catch(() => undefined);
    await temporalServer.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
