// API tokens: random secrets shown once, stored as SHA-256 hashes with a
// short prefix so operators can tell them apart. A token belongs to a tenant;
// admin tokens see every tenant. The CLI creates them straight in the
// database (that is how the first token comes to exist).
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/client.js';

export const TOKEN_PREFIX = 'vnfm_';
/** `vnfm_` + 32 random bytes in base64url (43 characters). */
const TOKEN_SHAPE = /^vnfm_[A-Za-z0-9_-]{43}$/;
const DISPLAY_PREFIX_LENGTH = TOKEN_PREFIX.length + 6;
const TENANT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Who a request acts for. */
export interface Principal {
  tokenId: string;
  tenantId: string;
  tenantName: string;
  isAdmin: boolean;
}

export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Why `name` cannot be a tenant name, if it cannot. */
export function tenantNameProblem(name: string): string | undefined {
  return TENANT_NAME.test(name)
    ? undefined
    : `tenant name '${name}' must be 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit`;
}

export interface CreatedToken {
  id: string;
  token: string;
  prefix: string;
  tenantId: string;
  tenantName: string;
  isAdmin: boolean;
}

/** Creates a token for `tenant` (by name), creating the tenant if it is new. */
export async function createApiToken(
  db: Db,
  opts: { tenant: string; admin?: boolean; name?: string },
): Promise<CreatedToken> {
  const problem = tenantNameProblem(opts.tenant);
  if (problem) throw new Error(problem);
  const tenant = await db.tenant.upsert({
    where: { name: opts.tenant },
    create: { name: opts.tenant },
    update: {},
  });
  const token = generateToken();
  const row = await db.apiToken.create({
    data: {
      tenantId: tenant.id,
      name: opts.name ?? null,
      tokenHash: hashToken(token),
      prefix: token.slice(0, DISPLAY_PREFIX_LENGTH),
      isAdmin: opts.admin ?? false,
    },
  });
  return {
    id: row.id,
    token,
    prefix: row.prefix,
    tenantId: tenant.id,
    tenantName: tenant.name,
    isAdmin: row.isAdmin,
  };
}

export interface TokenInfo {
  id: string;
  name: string | null;
  prefix: string;
  tenantId: string;
  tenantName: string;
  isAdmin: boolean;
  createdAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

export async function listApiTokens(db: Db, opts: { tenant?: string } = {}): Promise<TokenInfo[]> {
  const rows = await db.apiToken.findMany({
    where: opts.tenant ? { tenant: { name: opts.tenant } } : {},
    include: { tenant: { select: { name: true } } },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    tenantId: r.tenantId,
    tenantName: r.tenant.name,
    isAdmin: r.isAdmin,
    createdAt: r.createdAt,
    revokedAt: r.revokedAt,
    lastUsedAt: r.lastUsedAt,
  }));
}

/** Revokes a token by id; false when there is no such token. Revoking twice keeps the first time. */
export async function revokeApiToken(db: Db, id: string): Promise<boolean> {
  if (!UUID.test(id)) return false;
  const found = await db.apiToken.findUnique({ where: { id }, select: { revokedAt: true } });
  if (!found) return false;
  if (!found.revokedAt) {
    await db.apiToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
  }
  return true;
}

interface CacheEntry {
  principal: Principal | undefined;
  expires: number;
}

/**
 * Checks tokens for the API. Lookups are cached for `cacheMs` (hits and
 * misses), so a revocation takes effect within that time; last_used_at is
 * written at most once a minute per token, off the request path.
 */
export class TokenVerifier {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly lastTouched = new Map<string, number>();
  private static readonly MAX_ENTRIES = 10_000;
  private static readonly TOUCH_EVERY_MS = 60_000;

  constructor(
    private readonly db: Db,
    private readonly cacheMs = 2000,
    private readonly onTouchError: (err: unknown) => void = () => {},
  ) {}

  async verify(token: string): Promise<Principal | undefined> {
    // A malformed token cannot exist: answer without a database round trip.
    if (!TOKEN_SHAPE.test(token)) return undefined;
    const hash = hashToken(token);
    const now = Date.now();
    const hit = this.cache.get(hash);
    if (hit && hit.expires > now) return hit.principal;

    const row = await this.db.apiToken.findUnique({
      where: { tokenHash: hash },
      include: { tenant: { select: { name: true } } },
    });
    const principal =
      row && !row.revokedAt
        ? { tokenId: row.id, tenantId: row.tenantId, tenantName: row.tenant.name, isAdmin: row.isAdmin }
        : undefined;
    if (this.cacheMs > 0) {
      if (this.cache.size >= TokenVerifier.MAX_ENTRIES) this.cache.clear();
      this.cache.set(hash, { principal, expires: now + this.cacheMs });
    }
    if (principal) this.touch(principal.tokenId, now);
    return principal;
  }

  private touch(tokenId: string, now: number): void {
    const last = this.lastTouched.get(tokenId) ?? 0;
    if (now - last < TokenVerifier.TOUCH_EVERY_MS) return;
    if (this.lastTouched.size >= TokenVerifier.MAX_ENTRIES) this.lastTouched.clear();
    this.lastTouched.set(tokenId, now);
    this.db.apiToken
      .update({ where: { id: tokenId }, data: { lastUsedAt: new Date(now) } })
      .catch((err: unknown) => this.onTouchError(err));
  }
}
