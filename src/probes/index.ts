// Probe drivers by name, as the monitor worker uses them. Drivers are
// process-wide singletons: one shared fping engine batches every ping probe
// of the process.
import type { Driver } from '../monitoring/policy.js';
import type { ProbeDriver } from './driver.js';
import { FpingEngine } from './fping-engine.js';
import { HttpPingDriver } from './http-ping.js';
import { PingPackageDriver } from './ping-package.js';

export type { ProbeDriver, ProbeResult } from './driver.js';
export { guardedProbe, isProbeAllowed } from './guard.js';
export { FpingEngine } from './fping-engine.js';
export { HttpPingDriver } from './http-ping.js';
export { PingPackageDriver } from './ping-package.js';

/** ICMP engine behind the `ping` driver (VNFM_PING_ENGINE). */
export type PingEngine = 'batch' | 'ping';

let fping: FpingEngine | undefined;
let pingPackage: PingPackageDriver | undefined;
let httpPing: HttpPingDriver | undefined;

export function probeDriverFor(driver: Driver, engine: PingEngine): ProbeDriver {
  if (driver === 'http_ping') return (httpPing ??= new HttpPingDriver());
  if (engine === 'batch') return (fping ??= new FpingEngine());
  return (pingPackage ??= new PingPackageDriver());
}

/** Stops the shared fping engine's processes (worker shutdown); a later probe starts a new engine. */
export function closeProbeDrivers(): void {
  fping?.close();
  fping = undefined;
}
