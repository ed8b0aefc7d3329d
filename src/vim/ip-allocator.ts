// Management IPs from a VIM's pool, recorded in ip_allocations so that no
// restart, replica or race ever hands one out twice. Lock-free: the unique
// indexes (vim_id, ip) and (instance_id) decide, and a loser simply retries
// with what is free now.
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
      const used = new Set(
        (await this.db.ipAllocation.findMany({ where: { vimId }, select: { ip: true } })).map((r) =>
          ipToInt(r.ip),
        ),
      );
      let candidate: number | undefined;
      for (let n = range.first; n <= range.last; n++) {
        if (!used.has(n) && !excluded.has(n)) {
          candidate = n;
          break;
        }
      }
      if (candidate === undefined) throw new PoolExhaustedError(vimId, pool);
      const ip = intToIp(candidate);
      try {
        await this.db.ipAllocation.create({ data: { vimId, ip, instanceId, vnfId } });
        return ip;
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

  async release(vimId: string, instanceId: string): Promise<void> {
    await this.db.ipAllocation.deleteMany({ where: { vimId, instanceId } });
  }
}
