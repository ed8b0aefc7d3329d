// The JSON text of VNFs in Tacker's view, written directly rather than built
// as objects and stringified, so a list page can be assembled from each VNF's
// bytes as the API keeps them (src/api/vnf-json-cache.ts); the VNFD's
// `monitoring_policy` string (two thirds of a page's bytes) is escaped once per
// VNFD (VnfdFacts.monitoringPolicyJson). Byte for byte the same as
// JSON.stringify of vnfView (test/api/vnf-json.test.ts, vnf-view.test.ts).
import type { VnfViewSource } from '../vnf-reads.js';
import type { VnfdFacts } from '../vnfd-facts.js';
import { mgmtIpAddress, vnfView } from './vnf.js';

const str = JSON.stringify;
const COMMA = Buffer.from(',');

/**
 * `{...stored, [key]: value}` as JSON, `value` given already serialised (or
 * undefined: no such key added). Undefined when the stored value is not a plain
 * object or already has `key` — the spread would put it elsewhere; the caller
 * then takes the object path.
 */
function withKeyLast(stored: unknown, key: string, valueJson: string | undefined): string | undefined {
  const obj = stored ?? {};
  if (typeof obj !== 'object' || Array.isArray(obj) || Object.hasOwn(obj, key)) return undefined;
  const json = str(obj);
  if (valueJson === undefined) return json;
  return json === '{}' ? `{"${key}":${valueJson}}` : `${json.slice(0, -1)},"${key}":${valueJson}}`;
}

/** JSON.stringify(vnfView(vnf, facts)), without building the view. */
export function vnfJson(vnf: VnfViewSource, facts: VnfdFacts): string {
  const attributes = withKeyLast(vnf.attributes, 'monitoring_policy', facts.monitoringPolicyJson);
  const placement = withKeyLast(vnf.placementAttr, 'vim_name', str(vnf.vimName));
  if (attributes === undefined || placement === undefined) return str(vnfView(vnf, facts));
  const mgmt = mgmtIpAddress(vnf.instances, facts);
  return (
    `{"id":${str(vnf.id)},"tenant_id":${str(vnf.tenantId)},"name":${str(vnf.name)},` +
    `"description":${str(vnf.description)},"vnfd_id":${str(vnf.vnfdId)},"vim_id":${str(vnf.vimId)},` +
    `"instance_id":${vnf.instances.length ? str(vnf.id) : 'null'},"status":${str(vnf.status)},` +
    `"mgmt_ip_address":${mgmt === null ? 'null' : str(mgmt)},"attributes":${attributes},` +
    `"placement_attr":${placement},"error_reason":${vnf.errorReason === null ? 'null' : str(vnf.errorReason)},` +
    `"created_at":${str(vnf.createdAt)},"updated_at":${str(vnf.updatedAt)}}`
  );
}

/** `{"<collection>":[...],"<collection>_links":[...]}` from items already serialised (links as keysetPage gives them). */
export function listJson(
  collection: string,
  items: readonly Buffer[],
  links: Record<string, unknown>,
): Buffer {
  const parts: Buffer[] = [Buffer.from(`{${str(collection)}:[`)];
  items.forEach((item, i) => {
    if (i) parts.push(COMMA);
    parts.push(item);
  });
  let tail = ']';
  for (const [k, v] of Object.entries(links)) tail += `,${str(k)}:${str(v)}`;
  parts.push(Buffer.from(tail + '}'));
  return Buffer.concat(parts);
}
