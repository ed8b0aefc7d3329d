// Management IPs of VNFs on a static VIM come from
// attributes.param_values.mgmt_ips: { VDU1: "192.0.2.10" | ["...", "..."] }.

export function staticIpFor(attributes: unknown, vduName: string, index: number): string | undefined {
  const pv = (attributes as { param_values?: { mgmt_ips?: Record<string, unknown> } } | null)?.param_values;
  const v = pv?.mgmt_ips?.[vduName];
  if (typeof v === 'string') return index === 0 ? v : undefined;
  if (Array.isArray(v)) return typeof v[index] === 'string' ? (v[index] as string) : undefined;
  return undefined;
}
