// What a VNF's Tacker view needs from its VNFD, computed once per VNFD. VNFDs
// are immutable (no update of a template exists), so a fact computed from one
// stays true; the cache is bounded because inline templates make one VNFD per
// VNF.
import type { Db } from '../db/client.js';
import { monitoringPolicyAttribute, scalingPolicyOfVdu } from '../vnfd/tacker-attributes.js';
import type { ParsedVnfd } from '../vnfd/types.js';

export interface VnfdFacts {
  /** `attributes.monitoring_policy` (a JSON string), undefined when nothing is monitored. */
  monitoringPolicy?: string;
  /** The same as a JSON string literal: escaped once per VNFD, not per VNF per page. */
  monitoringPolicyJson?: string;
  /** VDUs a scaling policy targets: their mgmt_ip_address entry is always a list. */
  scaledVdus: ReadonlySet<string>;
}

export function vnfdFacts(parsed: ParsedVnfd): VnfdFacts {
  const monitoringPolicy = monitoringPolicyAttribute(parsed);
  return {
    monitoringPolicy,
    monitoringPolicyJson: monitoringPolicy === undefined ? undefined : JSON.stringify(monitoringPolicy),
    scaledVdus: new Set(parsed.vdus.map((v) => v.name).filter((n) => scalingPolicyOfVdu(parsed, n))),
  };
}

export class VnfdFactsCache {
  private readonly facts = new Map<string, VnfdFacts>();

  constructor(
    private readonly db: Db,
    private readonly max = 2000,
  ) {}

  /** Facts of every id (loading the missing ones with one query). */
  async get(ids: Iterable<string>): Promise<Map<string, VnfdFacts>> {
    const out = new Map<string, VnfdFacts>();
    const missing: string[] = [];
    for (const id of new Set(ids)) {
      const f = this.facts.get(id);
      if (f) {
        // Map order is insertion order: re-insert to keep recently used ones.
        this.facts.delete(id);
        this.facts.set(id, f);
        out.set(id, f);
      } else missing.push(id);
    }
    if (missing.length) {
      const rows = await this.db.vnfd.findMany({
        where: { id: { in: missing } },
        select: { id: true, parsed: true },
      });
      for (const r of rows) out.set(r.id, this.remember(r.id, r.parsed as unknown as ParsedVnfd));
    }
    return out;
  }

  remember(id: string, parsed: ParsedVnfd): VnfdFacts {
    const f = this.facts.get(id) ?? vnfdFacts(parsed);
    this.facts.delete(id);
    this.facts.set(id, f);
    while (this.facts.size > this.max) this.facts.delete(this.facts.keys().next().value!);
    return f;
  }
}
