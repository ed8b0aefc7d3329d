// Tacker's JSON strings inside JSON (mgmt_ip_address, attributes.monitoring_policy)
// were made by Python; clients print and sometimes parse them byte for byte.

/**
 * Python's `json.dumps` output (", " and ": " separators, non-ASCII escaped),
 * which is what Tacker stored and returned, byte for byte for the values a
 * monitoring policy holds.
 */
export function pythonJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(pythonJson).join(', ')}]`;
  if (typeof v === 'object' && v !== null) {
    const items = (v instanceof Map ? [...v] : Object.entries(v)).map(
      ([k, x]) => `${pythonJson(k)}: ${pythonJson(x)}`,
    );
    return `{${items.join(', ')}}`;
  }
  if (typeof v === 'string') {
    return JSON.stringify(v).replace(
      /[\u0080-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  }
  return JSON.stringify(v) ?? 'null';
}
