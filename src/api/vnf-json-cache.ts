// The JSON text of VNFs as list pages show them, kept per VNF together with the
// version of the rows it was made of (VERSION in vnf-reads.ts). A page asks
// PostgreSQL only for its VNFs' ids and versions; a VNF whose version is the
// cached one is not read, parsed or serialised again, the others are read in
// one query. Never stale: a VNF that any transaction wrote since (the API,
// the conductor, an operator in psql) has a version not seen before.
import type { Db } from '../db/client.js';
import { vnfJson } from './serializers/vnf-json.js';
import { findVnfRecords, type VnfVersion } from './vnf-reads.js';
import type { VnfdFactsCache } from './vnfd-facts.js';

export class VnfJsonCache {
  private readonly entries = new Map<string, { version: string; json: Buffer }>();

  constructor(
    private readonly db: Db,
    private readonly facts: VnfdFactsCache,
    /** ≈ 1.5 KB each: 10,000 VNFs ≈ 15 MB. */
    private readonly max = 10_000,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The JSON of each VNF at (at least) the given version, in order; VNFs deleted meanwhile are left out. */
  async json(page: readonly VnfVersion[]): Promise<Buffer[]> {
    const out: (Buffer | undefined)[] = page.map(({ id, version }) => {
      const hit = this.entries.get(id);
      if (hit?.version !== version) return undefined;
      // Map order is insertion order: re-insert to keep recently used ones.
      this.entries.delete(id);
      this.entries.set(id, hit);
      return hit.json;
    });
    const missing = page.filter((_, i) => !out[i]).map((v) => v.id);
    if (missing.length) {
      const records = await findVnfRecords(this.db, missing);
      const known = await this.facts.get(records.map((r) => r.vnfdId));
      const byId = new Map(records.map((r) => [r.id, r]));
      page.forEach(({ id }, i) => {
        const r = out[i] ? undefined : byId.get(id);
        if (!r) return;
        // Filed under the version it was read at, which may be newer than the page's.
        const json = Buffer.from(vnfJson(r, known.get(r.vnfdId)!));
        this.entries.delete(id);
        this.entries.set(id, { version: r.version, json });
        out[i] = json;
      });
      while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
    }
    return out.filter((b): b is Buffer => b !== undefined);
  }
}
