// The HTTP responder of a netns instance: a tiny node program started inside
// the namespace with `ip netns exec <ns> node -e <source>`, answering 200 to
// GET on the VDU's port so http_ping has something real to probe. It is part
// of the (simulated) VDU, not of vnfm: it runs detached, in its own session,
// and outlives the process that started it. It is found again by listing the
// namespace's processes (`ip netns pids`) and looking for its marker argument.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { run } from './ip.js';

/** argv[1] of every responder, so we can tell it apart from anything else in a namespace. */
export const RESPONDER_MARKER = 'vnfm-responder';

/** CommonJS source run by `node -e`; argv: marker, port, instance id, owner mark (installation id). */
export const RESPONDER_SOURCE = `
'use strict';
const http = require('node:http');
const port = Number(process.argv[2]);
const instanceId = process.argv[3] || '';
// The starter closes its end of the pipes once we are ready; never die of EPIPE.
process.stdout.on('error', () => {});
process.stderr.on('error', () => {});
const server = http.createServer((req, res) => {
  if (req.method === 'GET' || req.method === 'HEAD') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(req.method === 'GET' ? 'ok ' + instanceId + '\\n' : undefined);
  } else {
    res.writeHead(405, { allow: 'GET, HEAD' });
    res.end();
  }
});
server.on('error', (err) => {
  process.stderr.write('responder: ' + err.message + '\\n');
  process.exit(1);
});
server.listen(port, '0.0.0.0', () => process.stdout.write('ready\\n'));
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
`;

const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 3_000;

/** Pids of all processes in the namespace ([] when it does not exist). */
export async function namespacePids(namespace: string): Promise<number[]> {
  try {
    const out = await run(['netns', 'pids', namespace]);
    return out
      .split('\n')
      .map((l) => Number(l.trim()))
      .filter((n) => Number.isInteger(n) && n > 0);
  } catch {
    return [];
  }
}

async function cmdline(pid: number): Promise<string[]> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
  } catch {
    return [];
  }
}

export interface ResponderProcess {
  pid: number;
  port: number;
}

/** The responders running in the namespace, with the port each serves. */
export async function findResponders(namespace: string): Promise<ResponderProcess[]> {
  const found: ResponderProcess[] = [];
  for (const pid of await namespacePids(namespace)) {
    const args = await cmdline(pid);
    const at = args.indexOf(RESPONDER_MARKER);
    if (at >= 0) found.push({ pid, port: Number(args[at + 1]) });
  }
  return found;
}

export async function responderPids(namespace: string): Promise<number[]> {
  return (await findResponders(namespace)).map((r) => r.pid);
}

/** Starts a responder in the namespace and resolves once it listens. */
export function startResponder(
  namespace: string,
  port: number,
  instanceId: string,
  ownerMark = '',
): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'ip',
      [
        'netns',
        'exec',
        namespace,
        process.execPath,
        '-e',
        RESPONDER_SOURCE,
        RESPONDER_MARKER,
        String(port),
        instanceId,
        ownerMark,
      ],
      {
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        cwd: '/',
        // Not the parent's environment: NODE_OPTIONS of a tsx/vitest parent would load loaders.
        env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' },
      },
    );
    let stderr = '';
    let settled = false;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.stdout?.destroy();
      child.stderr?.destroy();
      child.unref();
      if (err) reject(err);
      else resolve(child.pid ?? 0);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(
        new Error(`responder in ${namespace} did not start within ${START_TIMEOUT_MS} ms: ${stderr.trim()}`),
      );
    }, START_TIMEOUT_MS);
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) finish();
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', (err) => finish(new Error(`cannot start responder in ${namespace}: ${err.message}`)));
    child.on('exit', (code) =>
      finish(
        new Error(`responder in ${namespace} exited (${String(code)}) before listening: ${stderr.trim()}`),
      ),
    );
  });
}

async function alive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Field 3, after the parenthesised command: Z is a zombie, as good as gone.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Ends the processes (TERM, then KILL) and waits until they are gone. */
export async function killPids(pids: readonly number[]): Promise<void> {
  const signal = (pid: number, sig: NodeJS.Signals): void => {
    try {
      process.kill(pid, sig);
    } catch {
      // Already gone.
    }
  };
  for (const pid of pids) signal(pid, 'SIGTERM');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  let left = [...pids];
  while (left.length && Date.now() < deadline) {
    await sleep(25);
    left = (await Promise.all(left.map(async (p) => ((await alive(p)) ? p : 0)))).filter((p) => p);
  }
  for (const pid of left) signal(pid, 'SIGKILL');
  const killDeadline = Date.now() + STOP_TIMEOUT_MS;
  while (left.length && Date.now() < killDeadline) {
    await sleep(25);
    left = (await Promise.all(left.map(async (p) => ((await alive(p)) ? p : 0)))).filter((p) => p);
  }
  if (left.length) throw new Error(`processes ${left.join(', ')} did not exit after SIGKILL`);
}
