// Finds keys that look like misspellings of keys vnfm reads. Templates may
// carry many keys vnfm ignores (flavor, mgmt_driver, …), so unknown keys are
// accepted — except near misses such as `monitoring-policy`, which would
// otherwise silently turn monitoring off.
import { at, type VnfdError } from './errors.js';

const squash = (k: string): string => k.toLowerCase().replace(/[-_\s]/g, '');

function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** The known key `key` was probably meant to be, if any. */
export function suggestKey(key: string, known: readonly string[]): string | undefined {
  if (known.includes(key) || key.length > 64) return undefined;
  const s = squash(key);
  for (const k of known) {
    const t = squash(k);
    if (s === t || editDistance(s, t, 2) <= (t.length >= 8 ? 2 : 1)) return k;
  }
  return undefined;
}

/** Errors for the keys of `obj` that look like misspellings of `known` keys. */
export function keyTypos(obj: Record<string, unknown>, known: readonly string[], path: string): VnfdError[] {
  const errors: VnfdError[] = [];
  for (const key of Object.keys(obj)) {
    const meant = suggestKey(key, known);
    if (meant !== undefined)
      errors.push({ path: at(path, key), message: `unknown key (did you mean ${meant}?)` });
  }
  return errors;
}
