// What must hold once the chaos has quiesced, checked from outside: the API,
// the host (`ip netns`, `ip addr` in each namespace, the bridge's ports), the
// database, and Temporal's list of running monitors with their status query.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { monitorWorkflowId, type MonitorStatus } from '../../src/monitoring/contract.js';
import { namespaceName, vethHostName } from '../../src/vim/netns-names.js';
import { hostNamespaces, type NetnsVim } from '../acceptance/operator.js';
import type { Stack } from '../acceptance/stack.js';
import { namespacePrefix } from '../../src/vim/netns-names.js';

const exec = promisify(execFile);

interface ApiVnf {
  id: string;
  status: string;
}

/** Every VNF the admin sees (all pages). */
export async function listVnfs(stack: Stack): Promise<ApiVnf[]> {
  const out: ApiVnf[] = [];
  let marker = '';
  for (;;) {
    const r = await stack.http().get(`/v1.0/vnfs?limit=500${marker ? `&marker=${marker}` : ''}`);
    if (r.status !== 200) throw new Error(`GET /v1.0/vnfs: ${r.status} ${r.text.slice(0, 200)}`);
    const page = r.body.vnfs as ApiVnf[];
    out.push(...page);
    if (page.length < 500) return out;
    marker = page.at(-1)!.id;
  }
}

async function addressesIn(ns: string): Promise<string[]> {
  const { stdout } = await exec('ip', ['-n', ns, '-j', '-4', 'addr', 'show']).catch(() => ({ stdout: '[]' }));
  const links = JSON.parse(stdout || '[]') as { ifname: string; addr_info?: { local: string }[] }[];
  return links.filter((l) => l.ifname !== 'lo').flatMap((l) => (l.addr_info ?? []).map((a) => a.local));
}

async function bridgePorts(bridge: string): Promise<string[]> {
  const { stdout } = await exec('ip', ['-j', 'link', 'show', 'master', bridge]).catch(() => ({
    stdout: '[]',
  }));
  return (JSON.parse(stdout || '[]') as { ifname: string }[]).map((l) => l.ifname);
}

/** Every violated invariant, one line each (empty: all hold). */
export async function violations(stack: Stack, vim: NetnsVim): Promise<string[]> {
  const out: string[] = [];
  const vnfs = await listVnfs(stack);
  for (const v of vnfs) if (v.status.startsWith('PENDING_')) out.push(`VNF ${v.id} is ${v.status}`);

  const live = await stack.sql<{ id: string; vnf_id: string; mgmt_ip: string | null; status: string }>(
    `SELECT i.id::text, i.vnf_id::text, i.mgmt_ip, i.status FROM vdu_instances i JOIN vnfs v ON v.id = i.vnf_id
     WHERE i.deleted_at IS NULL AND v.deleted_at IS NULL AND v.vim_id = $1::uuid`,
    [vim.id],
  );
  const liveNs = new Map(live.map((i) => [namespaceName(vim.id, i.id), i]));
  const namespaces = await hostNamespaces(namespacePrefix(vim.id));
  const owners = new Map<string, string[]>();
  for (const ns of namespaces) {
    if (!liveNs.has(ns)) out.push(`namespace ${ns} has no live instance row`);
    for (const a of await addressesIn(ns)) owners.set(a, [...(owners.get(a) ?? []), ns]);
  }
  for (const [a, nss] of owners) if (nss.length > 1) out.push(`address ${a} is on ${nss.join(' and ')}`);
  for (const [ns, i] of liveNs)
    if (!namespaces.includes(ns)) out.push(`live instance ${i.id} (${i.status}) has no namespace`);

  const liveVeths = new Set(live.map((i) => vethHostName(vim.id, i.id)));
  for (const port of await bridgePorts(vim.bridge))
    if (!liveVeths.has(port)) out.push(`bridge port ${port} has no live instance row`);

  const held = await stack.sql<{ instance_id: string; ip: string }>(
    `SELECT instance_id::text, ip FROM ip_allocations WHERE vim_id = $1::uuid AND instance_id IS NOT NULL`,
    [vim.id],
  );
  const byId = new Map(live.map((i) => [i.id, i]));
  for (const a of held) {
    const i = byId.get(a.instance_id);
    if (!i) out.push(`address ${a.ip} is held by ${a.instance_id}, which is not a live instance`);
    else if (i.mgmt_ip !== a.ip)
      out.push(`address ${a.ip} is held by ${i.id}, whose address is ${i.mgmt_ip}`);
  }

  // Every ACTIVE VNF (all have a policy here) has exactly one running monitor at the database's generation.
  const rows = await stack.sql<{ id: string; generation: number }>(
    `SELECT id::text, monitor_generation AS generation FROM vnfs WHERE deleted_at IS NULL AND status = 'ACTIVE'`,
  );
  const running = new Map<string, number>();
  for await (const w of stack.client.workflow.list({
    query: `WorkflowType = 'vnfMonitorWorkflow' AND ExecutionStatus = 'Running'`,
  })) {
    running.set(w.workflowId, (running.get(w.workflowId) ?? 0) + 1);
  }
  for (const v of rows) {
    const n = running.get(monitorWorkflowId(v.id)) ?? 0;
    if (n !== 1) {
      out.push(`ACTIVE VNF ${v.id} has ${n} running monitors`);
      continue;
    }
    const status = await stack.client.workflow
      .getHandle(monitorWorkflowId(v.id))
      .query<MonitorStatus>('status')
      .catch(() => undefined);
    if (!status) out.push(`the monitor of VNF ${v.id} does not answer its status query`);
    else if (status.generation !== v.generation)
      out.push(
        `the monitor of VNF ${v.id} is at generation ${status.generation}, the database at ${v.generation}`,
      );
  }
  return out;
}
