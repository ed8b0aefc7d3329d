// Replay safety: every recorded history (test/replay/histories/<set>/, written
// by `npm run histories:record -- --set <name>` from real runs of every path)
// replays on the current workflow code without a nondeterminism error, with
// the bundles the real workers run (the monitor's from src/workflows, the
// conductor's from src/conductor/workflows). A change to workflow code that
// would break running workflows after an upgrade fails here; see "How to
// change workflow code" in docs/development.md. The last test shows the check
// can fail: a history replayed on a workflow that issues another first command
// throws DeterminismViolationError.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker, type ReplayResult, type WorkflowBundle } from '@temporalio/worker';
import { CONDUCTOR_WORKFLOWS_PATH } from '../../src/conductor/worker.js';
import { MONITOR_WORKFLOW_TYPE, WORKER_PRESENCE_WORKFLOW_TYPE } from '../../src/monitoring/contract.js';
import { cachedWorkflowBundle } from '../../src/temporal/workflow-bundle.js';
import { MONITOR_WORKFLOWS_PATH } from '../../src/worker/monitor-worker.js';
import { historyFromJson } from './history-json.js';

const HISTORIES = fileURLToPath(new URL('./histories', import.meta.url));

interface Recorded {
  file: string;
  workflowType: string;
  workflowId?: string;
  case: string;
  status: string;
}
interface Entry extends Recorded {
  set: string;
  path: string;
}

function recorded(): Entry[] {
  const entries: Entry[] = [];
  for (const set of readdirSync(HISTORIES).sort()) {
    const index = JSON.parse(readFileSync(join(HISTORIES, set, 'index.json'), 'utf8')) as {
      histories: Recorded[];
    };
    for (const h of index.histories) entries.push({ ...h, set, path: join(HISTORIES, set, h.file) });
  }
  return entries;
}

const entries = recorded();
/** Workflows of the monitor worker's bundle (src/workflows): monitors and worker presences. */
const isMonitor = (e: Entry) =>
  e.workflowType === MONITOR_WORKFLOW_TYPE || e.workflowType === WORKER_PRESENCE_WORKFLOW_TYPE;
const load = (path: string) => historyFromJson(JSON.parse(readFileSync(path, 'utf8')));

/** Replays `list` on `bundle` with one replay worker; results by file. */
async function replayAll(bundle: WorkflowBundle, list: Entry[]): Promise<Map<string, ReplayResult>> {
  const results = new Map<string, ReplayResult>();
  const histories = list.map((e) => ({ workflowId: e.workflowId ?? e.file, history: load(e.path) }));
  let i = 0;
  for await (const r of Worker.runReplayHistories(
    { workflowBundle: bundle, replayName: 'replay-test' },
    histories,
  ))
    results.set(list[i++]!.path, r);
  return results;
}

describe('replay: recorded histories on the current workflow code', () => {
  let results: Map<string, ReplayResult>;
  beforeAll(async () => {
    const [monitor, conductor] = await Promise.all([
      cachedWorkflowBundle(MONITOR_WORKFLOWS_PATH),
      cachedWorkflowBundle(CONDUCTOR_WORKFLOWS_PATH),
    ]);
    results = new Map([
      ...(await replayAll(monitor, entries.filter(isMonitor))),
      ...(await replayAll(
        conductor,
        entries.filter((e) => !isMonitor(e)),
      )),
    ]);
  });

  it('there are recorded sets, each with monitor, policy-action and lifecycle histories', () => {
    const sets = [...new Set(entries.map((e) => e.set))];
    expect(sets).toContain('v2');
    for (const set of sets) {
      // No file left out of the index (it would never be replayed).
      const files = readdirSync(join(HISTORIES, set)).filter(
        (f) => f.endsWith('.json') && f !== 'index.json',
      );
      expect(
        entries
          .filter((e) => e.set === set)
          .map((e) => e.file)
          .sort(),
        `set ${set}'s index`,
      ).toEqual(files.sort());
      const types = new Set(entries.filter((e) => e.set === set).map((e) => e.workflowType));
      for (const t of [
        MONITOR_WORKFLOW_TYPE,
        'executePolicyAction',
        'createVnfWorkflow',
        'respawnVnfWorkflow',
      ])
        expect(types, `set ${set} has a ${t} history`).toContain(t);
    }
  });

  it.each(entries.map((e) => [`${e.set}/${e.file}`, e] as const))('%s replays', (_, e) => {
    const r = results.get(e.path);
    expect(r, `no replay result for ${e.path}`).toBeDefined();
    if (r!.error) {
      const kind = r!.error instanceof DeterminismViolationError ? 'nondeterminism' : r!.error.name;
      throw new Error(
        `${e.set}/${e.file} (${e.workflowType}, case ${e.case}, ${e.status}) fails replay on the current code (${kind}): ${r!.error.message}`,
        { cause: r!.error },
      );
    }
  });
});

describe('replay: the check can fail', () => {
  it('a monitor history replayed on a workflow with another first command throws DeterminismViolationError', async () => {
    const e = entries.find((x) => x.set === 'v2' && isMonitor(x) && x.case === 'kill');
    expect(e, 'the v2 set has the kill case').toBeDefined();
    const bundle = await cachedWorkflowBundle(
      fileURLToPath(new URL('./fixtures/different-monitor.ts', import.meta.url)),
    );
    const run = Worker.runReplayHistory({ workflowBundle: bundle }, load(e!.path), e!.workflowId);
    await expect(run).rejects.toBeInstanceOf(DeterminismViolationError);
  });
});
