// The chaos test's actors: a seeded random driver of lifecycle operations over
// the HTTP API (create, scale out/in, delete, force delete, and respawns
// caused by faults injected on a VDU from the host), and a killer that sends
// kill -9 to a random vnfm process at random moments and starts it again.
// Both draw from one seeded generator each, so a seed replays the same
// choices (the timing of a loaded machine still varies).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { hostNamespaces, sleep, type NetnsVim } from '../acceptance/operator.js';
import type { Stack } from '../acceptance/stack.js';
import { namespacePrefix } from '../../src/vim/netns-names.js';
import { mulberry32 as rng } from '../helpers/prng.js';

const exec = promisify(execFile);

export type OpKind = 'create' | 'scale_out' | 'scale_in' | 'delete' | 'force_delete' | 'fault';

const WEIGHTS: [OpKind, number][] = [
  ['create', 4],
  ['scale_out', 3],
  ['scale_in', 3],
  ['delete', 2],
  ['force_delete', 2],
  ['fault', 2],
];

export interface DriverStats {
  ops: Record<string, number>;
  /** "<op> <status>" → count, e.g. "scale_out 409". */
  answers: Record<string, number>;
  /** Answers no operation may give: 5xx other than 503. */
  unexpected: string[];
  /** The first message of each kind of refusal, e.g. "scale_out 409" → "VNF … is PENDING_CREATE…". */
  samples: Record<string, string>;
}

export interface DriverOptions {
  stack: Stack;
  vim: NetnsVim;
  vnfdId: string;
  seed: number;
  ops: number;
  /** Operations in flight at once. */
  lanes: number;
  /** Most VNFs alive at once. */
  maxVnfs: number;
  log: (line: string) => void;
}

/** Runs `ops` random operations over `lanes` lanes; answers what it did. */
export async function drive(o: DriverOptions): Promise<DriverStats> {
  const rand = rng(o.seed);
  const pick = <T>(xs: T[]): T | undefined => (xs.length ? xs[Math.floor(rand() * xs.length)] : undefined);
  const stats: DriverStats = { ops: {}, answers: {}, unexpected: [], samples: {} };
  const known = new Set<string>();
  let created = 0;
  let left = o.ops;
  const total = WEIGHTS.reduce((s, [, w]) => s + w, 0);
  const choose = (): OpKind => {
    let r = rand() * total;
    for (const [k, w] of WEIGHTS) if ((r -= w) < 0) return k;
    return 'create';
  };
  const note = (op: string, status: number | string, text = '') => {
    const key = `${op} ${status}`;
    stats.answers[key] = (stats.answers[key] ?? 0) + 1;
    if (text && typeof status === 'number' && status >= 400 && !stats.samples[key])
      stats.samples[key] = text.slice(0, 200);
    if (typeof status === 'number' && status >= 500 && status !== 503)
      stats.unexpected.push(`${op} → ${status} ${text.slice(0, 300)}`);
  };
  // Any API that runs now (the killer never stops both).
  const http = () => {
    const apis = [...o.stack.services.values()].filter((x) => x.kind === 'api').map((x) => x.name);
    return o.stack.http(pick(apis) ?? 'api');
  };

  const one = async (op: OpKind, target: string | undefined, n: number) => {
    stats.ops[op] = (stats.ops[op] ?? 0) + 1;
    try {
      switch (op) {
        case 'create': {
          if (known.size >= o.maxVnfs) return note(op, 'skipped');
          const r = await http().post('/v1.0/vnfs', { vnf: { name: `chaos-${n}`, vnfd_id: o.vnfdId } });
          note(op, r.status, r.text);
          if (r.status === 201) {
            known.add(r.body.vnf.id as string);
            created++;
          }
          return;
        }
        case 'scale_out':
        case 'scale_in': {
          if (!target) return note(op, 'no target');
          const type = op === 'scale_out' ? 'out' : 'in';
          const r = await http().post(`/v1.0/vnfs/${target}/actions`, { scale: { type, policy: 'SP1' } });
          return note(op, r.status, r.text);
        }
        case 'delete':
        case 'force_delete': {
          if (!target) return note(op, 'no target');
          const body = op === 'force_delete' ? { vnf: { attributes: { force: true } } } : undefined;
          const r = await http().delete(`/v1.0/vnfs/${target}`, body);
          note(op, r.status, r.text);
          if (r.status === 204 || r.status === 404) known.delete(target);
          return;
        }
        case 'fault': {
          // A VDU stops answering: its monitor respawns the VNF.
          const namespaces = await hostNamespaces(namespacePrefix(o.vim.id));
          const ns = pick(namespaces);
          if (!ns) return note(op, 'no target');
          await exec('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'eth0', 'down']).then(
            () => note(op, 'link down'),
            () => note(op, 'gone'),
          );
          return;
        }
      }
    } catch (err) {
      // The API was killed under the request, or is restarting.
      note(op, `error ${(err as Error).message.slice(0, 60)}`);
    }
  };

  /** A target that can take the operation now, when there is one (a refusal teaches less). */
  const targetFor = async (op: OpKind): Promise<string | undefined> => {
    const wanted: Partial<Record<OpKind, string[]>> = {
      scale_out: ['ACTIVE'],
      scale_in: ['ACTIVE'],
      delete: ['ACTIVE', 'ERROR', 'DEAD'],
    };
    const statuses = wanted[op];
    if (!statuses || rand() < 0.2) return pick([...known]);
    const r = await http()
      .get('/v1.0/vnfs?limit=500')
      .catch(() => undefined);
    if (r?.status !== 200) return pick([...known]);
    const ready = (r.body.vnfs as { id: string; status: string }[])
      .filter((v) => known.has(v.id) && statuses.includes(v.status))
      .map((v) => v.id);
    return pick(ready) ?? pick([...known]);
  };

  const lane = async () => {
    while (left > 0) {
      const n = o.ops - left--;
      const op = choose();
      const target = await targetFor(op);
      await one(op, target, n);
      if (n % 10 === 0)
        o.log(`chaos: ${n}/${o.ops} operations, ${known.size} VNFs known, ${created} created`);
      await sleep(500 + rand() * 2000);
    }
  };
  await Promise.all(Array.from({ length: o.lanes }, lane));
  return stats;
}

export interface KillerStats {
  kills: string[];
}

/**
 * Until `stop()`: every few seconds, kill -9 one random running vnfm process
 * and start it again (in the background: the next kill may come while it
 * starts, but never leaves no process of a kind).
 */
export function killer(stack: Stack, seed: number, names: string[], log: (line: string) => void) {
  const rand = rng(seed ^ 0x5eed);
  const stats: KillerStats = { kills: [] };
  const restarting = new Map<string, Promise<void>>();
  let stopped = false;
  const kindOf = (n: string) => n.replace(/\d+$/, '');
  const done = (async () => {
    while (!stopped) {
      await sleep(1_500 + rand() * 3_500);
      if (stopped) break;
      const name = names[Math.floor(rand() * names.length)]!;
      // One replica of each kind stays up; the API (one) comes back on the same port.
      const sibling = names.find((n) => n !== name && kindOf(n) === kindOf(name));
      if (restarting.has(name) || (sibling && restarting.has(sibling))) continue;
      stats.kills.push(name);
      log(`chaos: kill -9 ${name}`);
      await stack.kill(name).catch(() => undefined);
      const back = (async () => {
        await sleep(rand() * 3_000);
        for (let attempt = 0; attempt < 3 && !stack.services.has(name); attempt++) {
          await stack
            .start(name)
            .catch((err: Error) => log(`chaos: restarting ${name} failed: ${err.message.slice(0, 300)}`));
        }
      })().finally(() => restarting.delete(name));
      restarting.set(name, back);
    }
  })();
  return {
    stats,
    async stop() {
      stopped = true;
      await done;
      await Promise.all(restarting.values());
    },
  };
}
