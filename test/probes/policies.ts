// Normalised policies for probe tests, built the way VNFDs build them.
import { normalizeMonitoringPolicy, type MonitoringPolicy } from '../../src/monitoring/policy.js';

function policy(name: 'ping' | 'http_ping', parameters: Record<string, unknown>): MonitoringPolicy {
  const r = normalizeMonitoringPolicy({ name, parameters, actions: { failure: 'log' } }, 'test');
  if (!r.policy) throw new Error(JSON.stringify(r.errors));
  return r.policy;
}

export const pingPolicy = (count: number, interval: number, timeout: number): MonitoringPolicy =>
  policy('ping', { count, interval, timeout });

export const httpPolicy = (port: number, timeout = 1, path = '/'): MonitoringPolicy =>
  policy('http_ping', { port, timeout, path });
