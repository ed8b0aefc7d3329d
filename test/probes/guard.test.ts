// Probes go only to the VIM's allowed CIDRs; everything else is refused
// before a packet or a request leaves.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FpingEngine } from '../../src/probes/fping-engine.js';
import {
  guardedProbe,
  HttpPingDriver,
  isProbeAllowed,
  PingPackageDriver,
  probeDriverFor,
} from '../../src/probes/index.js';
import { httpPolicy, pingPolicy } from './policies.js';

describe('isProbeAllowed', () => {
  it('allows canonical addresses inside the CIDRs only', () => {
    const cidrs = ['10.234.0.0/24', '127.0.0.0/8'];
    expect(isProbeAllowed('10.234.0.7', cidrs)).toBe(true);
    expect(isProbeAllowed('127.0.0.1', cidrs)).toBe(true);
    expect(isProbeAllowed('10.234.1.7', cidrs)).toBe(false);
    expect(isProbeAllowed('10.234.0.7', [])).toBe(false);
  });

  it('refuses spellings that tools would resolve elsewhere', () => {
    const cidrs = ['10.0.0.0/8'];
    expect(isProbeAllowed('010.0.0.1', cidrs)).toBe(false); // inet_aton reads octal: 8.0.0.1
    expect(isProbeAllowed('10.1', cidrs)).toBe(false);
    expect(isProbeAllowed('::ffff:10.0.0.1', cidrs)).toBe(false);
    expect(isProbeAllowed('10.0.0.1.nip.io', cidrs)).toBe(false);
    expect(isProbeAllowed('-f', cidrs)).toBe(false);
  });
});

describe('guardedProbe', () => {
  let server: http.Server;
  let port: number;
  let hits = 0;

  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      hits++;
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('http_ping outside the allowed CIDRs: refused, the server never hit', async () => {
    const r = await guardedProbe(new HttpPingDriver(), '127.0.0.1', httpPolicy(port), ['10.234.0.0/24']);
    expect(r).toEqual({
      ok: false,
      error: "refused: 127.0.0.1 is outside the VIM's allowed CIDRs",
      fault: true,
    });
    expect(hits).toBe(0);
    const allowed = await guardedProbe(new HttpPingDriver(), '127.0.0.1', httpPolicy(port), ['127.0.0.0/8']);
    expect(allowed).toMatchObject({ ok: true });
    expect(hits).toBe(1);
  });

  it('ping outside the allowed CIDRs: refused, no fping started', async () => {
    const engine = new FpingEngine({ windowMs: 10 });
    const r = await guardedProbe(engine, '127.0.0.1', pingPolicy(1, 1, 1), ['10.234.0.0/24']);
    expect(r).toEqual({
      ok: false,
      error: "refused: 127.0.0.1 is outside the VIM's allowed CIDRs",
      fault: true,
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(engine.stats.processes).toBe(0);
  });
});

describe('probeDriverFor', () => {
  it('gives one shared driver per kind', () => {
    const batch = probeDriverFor('ping', 'batch');
    expect(batch).toBeInstanceOf(FpingEngine);
    expect(probeDriverFor('ping', 'batch')).toBe(batch);
    expect(probeDriverFor('ping', 'ping')).toBeInstanceOf(PingPackageDriver);
    expect(probeDriverFor('http_ping', 'batch')).toBeInstanceOf(HttpPingDriver);
    expect(probeDriverFor('http_ping', 'ping')).toBe(probeDriverFor('http_ping', 'batch'));
  });
});
