// Serialises async work per key (an instance's namespace) while letting
// different keys run in parallel, within one process. The cross-replica lock
// (instance-locks.ts) sits behind it, so a process never spends two database
// connections waiting on the same key.
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Whether some call holds or waits for `key` now. */
  isBusy(key: string): boolean {
    return this.tails.has(key);
  }

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const result = prev.then(() => fn());
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await result;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
