// Management IPs from a VIM's pool, recorded in ip_allocations so that no
// restart, replica or race ever hands one out twice. Lock-free: the unique
// indexes (vim_id, ip) and (instance_id) decide, and a loser simply retries
// with what is free now. Addresses never used go first, then the one
// released longest ago, so a recreated instance gets a new IP.
import type { Db } from '../db/client.js';
import { Prisma } from '../db/client.js';
import { hostRange, intToIp, ipToInt, parseCidr } from '../net/cidr.js';
import type { IpAllocator } from './driver.js';

const MAX_ATTEMPTS = 200;

export class PoolExhaustedError extends Error {
  constructor(vimId: string, pool: string) {
    super(`no free address left in pool ${pool} of VIM ${vimId}`);
    this.name = 'PoolExhaustedError';
  }
}

function isUniqueViolation(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002';
}

export class PrismaIpAllocator implements IpAllocator {
  constructor(private readonly db: Db) {}

  async allocate(
    vimId: string,
    instanceId: string,
    vnfId: string,
    pool: string,
    reserved: string[],
  ): Promise<string> {
    const range = hostRange(pool);
    if (!range || !parseCidr(pool)) throw new Error(`invalid address pool ${pool}`);
    const excluded = new Set(reserved.map(ipToInt));
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const mine = await this.db.ipAllocation.findUnique({ where: { instanceId } });
      if (mine) {
        if (mine.vimId !== vimId) {
          throw new Error(
            `instance ${instanceId} already holds ${mine.ip} in VIM ${mine.vimId}, not ${vimId}`,
          );
        }
        return mine.ip;
      }
      const rows = await this.db.ipAllocation.findMany({
        where: { vimId },
        select: { id: true, ip: true, instanceId: true, releasedAt: true },
      });
      const known = new Set(rows.map((r) => ipToInt(r.ip)));
      let fresh: number | undefined;
      for (let n = range.first; n <= range.last; n++) {
        if (!known.has(n) && !excluded.has(n)) {
          fresh = n;
          break;
        }
      }
      try {
        if (fresh !== undefined) {
          const ip = intToIp(fresh);
          await this.db.ipAllocation.create({ data: { vimId, ip, instanceId, vnfId } });
          return ip;
        }
        // Every address was used once: reuse the one released longest ago.
        const lru = rows
          .filter((r) => {
            const n = ipToInt(r.ip)!;
            return (
              r.instanceId === null && r.releasedAt && !excluded.has(n) && n >= range.first && n <= range.last
            );
          })
          .sort((a, b) => a.releasedAt!.getTime() - b.releasedAt!.getTime())[0];
        if (!lru) throw new PoolExhaustedError(vimId, pool);
        const claimed = await this.db.ipAllocation.updateMany({
          where: { id: lru.id, instanceId: null },
          data: { instanceId, vnfId, releasedAt: null, allocatedAt: new Date() },
        });
        if (claimed.count === 1) return lru.ip;
      } catch (err) {
        // Someone took this address, or a concurrent call for the same instance
        // won: the next round sees either.
        if (!isUniqueViolation(err)) throw err;
      }
    }
    throw new Error(
      `could not allocate an address in pool ${pool} of VIM ${vimId} after ${MAX_ATTEMPTS} attempts`,
    );
  }

  /** Keeps the row with its release time, so the address is reused last (a respawn gets a new IP). */
  async release(vimId: string, instanceId: string): Promise<void> {
    await this.db.ipAllocation.updateMany({
      where: { vimId, instanceId },
      data: { instanceId: null, vnfId: null, releasedAt: new Date() },
    });
  }
}
