// Management IPs of VNFs on a static VIM, from
// attributes.param_values.mgmt_ips: {"VDU1": "192.0.2.10" | ["...", ...]}.
// Each VDU needs an IP per instance it starts with (default_instances) and
// may list more, up to its scaling policy's max_instances, for scale-out
// (instance i takes the i-th IP); every IP must lie in the VIM's allowed CIDRs.
import { allowedBy } from '../net/cidr.js';
import { defaultInstances, scalingPolicyOfVdu } from '../vnfd/scaling.js';
import type { ParsedVnfd } from '../vnfd/types.js';
import type { FieldProblem } from './errors.js';

export const MGMT_IPS_FIELD = 'attributes.param_values.mgmt_ips';

type MgmtIps = Record<string, string | string[]> | undefined;

export function mgmtIpProblems(opts: {
  vim: { type: string; config: unknown };
  parsed: ParsedVnfd;
  mgmtIps: MgmtIps;
  /** Body path of the VNF object ("vnf"). */
  prefix: string;
  /** Fewest IPs a VDU may list (default: its default_instances). */
  minimum?: (vduName: string) => number;
}): FieldProblem[] {
  const field = `${opts.prefix}.${MGMT_IPS_FIELD}`;
  if (opts.vim.type !== 'static') {
    return opts.mgmtIps === undefined
      ? []
      : [
          {
            path: field,
            message: `only static VIMs take management IPs; a ${opts.vim.type} VIM assigns them`,
          },
        ];
  }
  const allowed = ((opts.vim.config ?? {}) as { allowedCidrs?: string[] }).allowedCidrs ?? [];
  const given = opts.mgmtIps ?? {};
  const problems: FieldProblem[] = [];
  const seen = new Map<string, string>();
  const vdus = new Set(opts.parsed.vdus.map((v) => v.name));
  for (const key of Object.keys(given)) {
    if (!vdus.has(key)) problems.push({ path: `${field}.${key}`, message: `the VNFD has no VDU '${key}'` });
  }
  for (const vdu of opts.parsed.vdus) {
    const raw = given[vdu.name];
    const ips = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
    const min = opts.minimum?.(vdu.name) ?? defaultInstances(opts.parsed, vdu.name);
    const max = Math.max(min, scalingPolicyOfVdu(opts.parsed, vdu.name)?.maxInstances ?? min);
    const path = `${field}.${vdu.name}`;
    if (ips.length < min) {
      problems.push({
        path,
        message: `a static VIM needs ${min} management IP${min > 1 ? 's' : ''} for VDU ${vdu.name} (got ${ips.length})`,
      });
    } else if (ips.length > max) {
      problems.push({
        path,
        message: `VDU ${vdu.name} has at most ${max} instance${max > 1 ? 's' : ''} (got ${ips.length} IPs)`,
      });
    }
    ips.forEach((ip, i) => {
      const at = Array.isArray(raw) ? `${path}[${i}]` : path;
      if (!allowedBy(allowed, ip)) {
        problems.push({
          path: at,
          message: `${ip} is outside the VIM's allowed CIDRs (${allowed.join(', ')})`,
        });
      }
      const other = seen.get(ip);
      if (other) problems.push({ path: at, message: `${ip} is given twice (also at ${other})` });
      else seen.set(ip, at);
    });
  }
  return problems;
}
