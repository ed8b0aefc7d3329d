// IPv4 CIDR arithmetic for address pools and probe allow-lists. Pure.

export interface Cidr {
  network: number; // as an unsigned 32-bit integer
  prefix: number;
  size: number;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function ipToInt(ip: string): number | undefined {
  const m = IPV4.exec(ip);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function isIpv4(ip: string): boolean {
  return ipToInt(ip) !== undefined;
}

export function parseCidr(text: string): Cidr | undefined {
  const [addr, bits, ...rest] = text.split('/');
  if (rest.length || addr === undefined || bits === undefined || !/^\d{1,2}$/.test(bits)) return undefined;
  const prefix = Number(bits);
  const ip = ipToInt(addr);
  if (ip === undefined || prefix > 32) return undefined;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { network: (ip & mask) >>> 0, prefix, size: 2 ** (32 - prefix) };
}

export function cidrContains(cidr: Cidr | string, ip: string): boolean {
  const c = typeof cidr === 'string' ? parseCidr(cidr) : cidr;
  const n = ipToInt(ip);
  if (!c || n === undefined) return false;
  return n >= c.network && n < c.network + c.size;
}

/** True when `ip` lies inside any of `cidrs`. */
export function allowedBy(cidrs: readonly string[], ip: string): boolean {
  return cidrs.some((c) => cidrContains(c, ip));
}

export function cidrsOverlap(a: string, b: string): boolean {
  const x = parseCidr(a);
  const y = parseCidr(b);
  if (!x || !y) return false;
  return x.network < y.network + y.size && y.network < x.network + x.size;
}

/** The usable host addresses of a pool: not the network, not the broadcast. */
export function hostRange(cidr: string): { first: number; last: number } | undefined {
  const c = parseCidr(cidr);
  if (!c || c.prefix > 30) return undefined;
  return { first: c.network + 1, last: c.network + c.size - 2 };
}
