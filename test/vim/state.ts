// What the VIM-state tests share: VNF rows on a netns VIM (no workflow: the
// tests call the conductor's steps themselves, as replicas do), another
// replica as a process of its own (test/vim/fixtures/replica.ts), and the
// invariants checked from outside — the host's namespaces and their
// addresses against the database's rows and IP allocations.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Db } from '../../src/db/client.js';
import { namespaceName, namespacePrefix } from '../../src/vim/netns-names.js';
import { parseVnfd } from '../../src/vnfd/parse.js';
import { freshNetnsConfig } from './helpers.js';

const exec = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const REPLICA = fileURLToPath(new URL('./fixtures/replica.ts', import.meta.url));

/** A netns VIM row with a bridge and pool of its own (`prefix` 29: five instance addresses). */
export async function netnsVimRow(db: Db, prefix?: number) {
  const fresh = await freshNetnsConfig();
  const pool = prefix ? `${fresh.pool.split('/')[0]}/${prefix}` : fresh.pool;
  const config = { bridge: fresh.bridge, pool, allowedCidrs: [pool] };
  const tenant = await db.tenant.create({ data: { name: `t-${randomUUID()}` } });
  const vim = await db.vim.create({
    data: { tenantId: tenant.id, name: `netns-${fresh.bridge}`, type: 'netns', isDefault: true, config },
  });
  return { id: vim.id, type: 'netns', config, tenantId: tenant.id };
}

/** An ACTIVE VNF row whose one VDU (VDU1) serves HTTP on 8000, so a boot takes a while (a responder starts). */
export async function vnfRow(db: Db, vim: { id: string; tenantId: string }): Promise<string> {
  const template = readFileSync(new URL('../fixtures/vnfd/vnfd-http-ping-log.yaml', import.meta.url), 'utf8');
  const parsed = parseVnfd(template);
  if (!parsed.ok) throw new Error('bad fixture');
  const vnfd = await db.vnfd.create({
    data: { tenantId: vim.tenantId, name: 'd', template: parsed.yaml, parsed: parsed.parsed as object },
  });
  const vnf = await db.vnf.create({
    data: { tenantId: vim.tenantId, name: 'f', vnfdId: vnfd.id, vimId: vim.id, status: 'ACTIVE' },
  });
  return vnf.id;
}

export interface Replica {
  child: ChildProcess;
  /** Its JSON lines so far. */
  lines(): unknown[];
  /** The final {ok} or {error, type} line. */
  result: Promise<{ ok?: unknown; error?: string; type?: string }>;
}

/** Another conductor replica running one step (see fixtures/replica.ts). */
export function replica(op: 'boot' | 'delete' | 'hold', arg: object, databaseUrl: string): Replica {
  const child = spawn(process.execPath, ['--import', 'tsx', REPLICA, op, JSON.stringify(arg)], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const lines = () =>
    out
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as unknown);
  const result = new Promise<{ ok?: unknown; error?: string; type?: string }>((resolve, reject) =>
    child.once('exit', () => {
      const last = lines().at(-1) as { ok?: unknown; error?: string } | undefined;
      if (last && typeof last === 'object') resolve(last);
      else reject(new Error(`replica ${op} printed no result: ${out}${err}`));
    }),
  );
  return { child, lines, result };
}

/** Polls until `cond` holds (every 2 ms: tests stop a replica at a precise step). */
export async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** This VIM's namespaces on the host (every namespace without a VIM), each with the IPv4 addresses on its eth0. */
export async function hostView(vimId?: string): Promise<Map<string, string[]>> {
  const view = new Map<string, string[]>();
  const { stdout } = await exec('ip', ['-j', 'netns', 'list']);
  const names = ((stdout.trim() ? JSON.parse(stdout) : []) as { name: string }[])
    .map((n) => n.name)
    .filter((n) => vimId === undefined || n.startsWith(namespacePrefix(vimId)));
  for (const ns of names) {
    const r = await exec('ip', ['-n', ns, '-j', '-4', 'addr', 'show', 'dev', 'eth0']).catch(() => ({
      stdout: '',
    }));
    const addrs = ((r.stdout.trim() ? JSON.parse(r.stdout) : []) as { addr_info: { local: string }[] }[])
      .flatMap((a) => a.addr_info)
      .map((i) => i.local);
    view.set(ns, addrs);
  }
  return view;
}

/**
 * What must hold whatever crashed or raced: no address on two namespaces, no
 * namespace without a live row, no live ACTIVE row without its namespace,
 * every namespace's address held by its own instance, every held address
 * matched by a live row. Returns the violations.
 */
export async function violations(db: Db, vimId: string): Promise<string[]> {
  const out: string[] = [];
  const host = await hostView(vimId);
  const rows = await db.vduInstance.findMany({
    where: { deletedAt: null, vnf: { deletedAt: null, vimId } },
  });
  const byNs = new Map(rows.map((r) => [namespaceName(vimId, r.id), r]));
  const allocations = await db.ipAllocation.findMany({ where: { vimId, instanceId: { not: null } } });
  const holder = new Map(allocations.map((a) => [a.ip, a.instanceId]));
  const seen = new Map<string, string>();
  for (const [ns, addrs] of host) {
    const row = byNs.get(ns);
    if (!row) out.push(`namespace ${ns} (${addrs.join(',')}) has no live row`);
    for (const a of addrs) {
      if (seen.has(a)) out.push(`address ${a} is on two namespaces: ${seen.get(a)} and ${ns}`);
      seen.set(a, ns);
      const h = holder.get(a);
      if (!h || namespaceName(vimId, h) !== ns)
        out.push(`namespace ${ns} answers on ${a}, held by ${h ?? 'nobody'}`);
    }
  }
  for (const r of rows) {
    if (r.status === 'ACTIVE' && !host.has(namespaceName(vimId, r.id)))
      out.push(`live row ${r.id} (${r.mgmtIp}) has no namespace`);
  }
  const live = new Set(rows.map((r) => r.id));
  for (const a of allocations)
    if (!live.has(a.instanceId!)) out.push(`address ${a.ip} held by ${a.instanceId}, which has no live row`);
  return out;
}
