// What a newcomer needs to try vnfm at once: a tenant `dev`, an admin token
// for it, and a default VIM. Tokens are stored hashed like every token, so
// the plaintext of the dev token is kept in <data dir>/dev-token (0600, dev
// only) and reused while the database still knows it.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createApiToken, hashToken } from '../auth/tokens.js';
import { createDb } from '../db/client.js';
import { StartupError } from '../fatal.js';

const exec = promisify(execFile);

export const DEV_TENANT = 'dev';

export interface DevToken {
  token: string;
  tenantId: string;
  /** True when made on this start (first start, or the old one was revoked or the database is new). */
  created: boolean;
  file: string;
}

/** The dev token from <dataDir>/dev-token while it is a live admin token, else a new one. */
export async function ensureDevToken(databaseUrl: string, dataDir: string): Promise<DevToken> {
  const file = join(dataDir, 'dev-token');
  const db = createDb(databaseUrl, { max: 2 });
  try {
    const saved = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
    if (saved) {
      const row = await db.apiToken.findUnique({ where: { tokenHash: hashToken(saved) } });
      if (row && !row.revokedAt && row.isAdmin) {
        return { token: saved, tenantId: row.tenantId, created: false, file };
      }
    }
    const made = await createApiToken(db, { tenant: DEV_TENANT, admin: true, name: 'npm run dev' });
    writeFileSync(file, `${made.token}\n`, { mode: 0o600 });
    chmodSync(file, 0o600); // an existing file keeps its old mode otherwise
    return { token: made.token, tenantId: made.tenantId, created: true, file };
  } catch (err) {
    throw new StartupError(`could not set up the dev token: ${(err as Error).message.split('\n', 1)[0]}`);
  } finally {
    await db.$disconnect();
  }
}

/** Why netns VDUs cannot run here, or undefined when they can (root and a working `ip netns`). */
export async function netnsUnavailable(): Promise<string | undefined> {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'not running as root (netns VDUs need CAP_NET_ADMIN)';
  const probe = `vnfm-probe-${randomBytes(4).toString('hex')}`;
  try {
    await exec('ip', ['netns', 'add', probe]);
    await exec('ip', ['netns', 'del', probe]);
    return undefined;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    return e.code === 'ENOENT'
      ? 'the `ip` command is missing (install iproute2)'
      : `\`ip netns\` does not work here (${(e.stderr || e.message).trim().split('\n', 1)[0]})`;
  }
}

export interface DevVim {
  id: string;
  name: string;
  type: string;
  /** One line for the banner. */
  summary: string;
  /** Set when it was registered now. */
  created: boolean;
  /** Why a static VIM instead of a netns one. */
  fallbackReason?: string;
}

interface VimView {
  id: string;
  tenant_id: string;
  name: string;
  type: string;
  is_default: boolean;
  bridge?: string;
  pool?: string;
  allowed_cidrs: string[];
}

const summarize = (v: VimView) =>
  v.type === 'netns'
    ? `netns VIM '${v.name}' (bridge ${v.bridge}, pool ${v.pool})`
    : `${v.type} VIM '${v.name}' (hosts in ${v.allowed_cidrs.join(', ')})`;

async function api<T>(apiUrl: string, token: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${apiUrl}${path}`, {
    method: body ? 'POST' : 'GET',
    headers: { 'X-Auth-Token': token, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

/**
 * The dev tenant's default VIM, registered through the API when the tenant
 * has none: netns (bridge, pool) where namespaces work, else a static VIM for
 * hosts in 127.0.0.0/8.
 */
export async function ensureDevVim(opts: {
  apiUrl: string;
  token: DevToken;
  bridge: string;
  pool: string;
}): Promise<DevVim> {
  const { vims } = await api<{ vims: VimView[] }>(opts.apiUrl, opts.token.token, '/v1.0/vims');
  const own = vims.filter((v) => v.tenant_id === opts.token.tenantId);
  const existing = own.find((v) => v.is_default) ?? own[0];
  if (existing) {
    return {
      id: existing.id,
      name: existing.name,
      type: existing.type,
      summary: summarize(existing),
      created: false,
    };
  }
  const why = await netnsUnavailable();
  const body = why
    ? {
        vim: {
          name: 'dev-static',
          type: 'static',
          description: 'Registered by npm run dev: hosts on this machine',
          allowed_cidrs: ['127.0.0.0/8'],
          is_default: true,
        },
      }
    : {
        vim: {
          name: 'dev-netns',
          type: 'netns',
          description: 'Registered by npm run dev: VDUs are network namespaces on this host',
          bridge: opts.bridge,
          pool: opts.pool,
          is_default: true,
        },
      };
  const { vim } = await api<{ vim: VimView }>(opts.apiUrl, opts.token.token, '/v1.0/vims', body);
  return {
    id: vim.id,
    name: vim.name,
    type: vim.type,
    summary: summarize(vim),
    created: true,
    fallbackReason: why,
  };
}
