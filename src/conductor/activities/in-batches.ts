// Bounded fan-out for conductor work over many members (probes, signals):
// a hold can have thousands, and all at once would swamp Temporal or fping.

/** fn over items, at most `size` at a time, results in order. */
export async function inBatches<T, R>(items: T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size)
    out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}
