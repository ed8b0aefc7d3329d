// The conductor's own probe of a target — its second vantage (the healing
// gate's confirmation, a hold's last look at its members): the monitor's
// driver and parameters, inside the VIM's allowed CIDRs like every probe.
import type { MonitoringPolicy } from '../../monitoring/policy.js';
import { guardedProbe, probeDriverFor, type PingEngine, type ProbeResult } from '../../probes/index.js';
import { parseStoredVimConfig } from '../../vim/registry.js';

export function probeFromConductor(
  vim: { type: string; config: unknown },
  ip: string,
  policy: MonitoringPolicy,
  engine: PingEngine = 'batch',
): Promise<ProbeResult> {
  const cfg = parseStoredVimConfig(vim.type, vim.config);
  return guardedProbe(
    probeDriverFor(policy.driver, engine),
    ip,
    policy,
    cfg.ok ? cfg.config.allowedCidrs : [],
  );
}
