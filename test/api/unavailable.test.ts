// A database that is down or too busy answers 503 with Retry-After, never 500
// (under overload Prisma fails with P2024/P2028 before any query runs).
import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../../src/api/app.js';
import { Prisma } from '../../src/db/client.js';

const known = (code: string) =>
  new Prisma.PrismaClientKnownRequestError('x', { code, clientVersion: Prisma.prismaVersion.client });

describe('database errors the API answers 503', () => {
  it('unreachable, pool exhausted and transaction not started in time are unavailable', () => {
    for (const code of ['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028'])
      expect(isDatabaseUnavailable(known(code)), code).toBe(true);
  });
  it('a query error is not', () => {
    for (const code of ['P2002', 'P2025', 'P2003'])
      expect(isDatabaseUnavailable(known(code)), code).toBe(false);
    expect(isDatabaseUnavailable(new Error('boom'))).toBe(false);
  });
});
