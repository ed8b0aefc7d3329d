// Bounding calls to dependencies that may hang (a query to a workflow whose
// worker is down, a database that stopped answering).

export class TimeoutError extends Error {}

/** Rejects with TimeoutError after `ms`; the call itself is left to finish or fail on its own. */
export function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what} did not answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
