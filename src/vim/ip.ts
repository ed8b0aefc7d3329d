// Runs iproute2's `ip` without a shell, so ids and names can never be
// interpreted as shell syntax, and turns failures into errors that name the
// command and carry its stderr.
import { execFile } from 'node:child_process';

const IP_TIMEOUT_MS = 15_000;

export class IpCommandError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly stderr: string,
    readonly exitCode: number | string | null,
  ) {
    super(`ip ${args.join(' ')} failed: ${stderr.trim() || `exit ${String(exitCode)}`}`);
    this.name = 'IpCommandError';
  }

  /** The object named by the command does not exist (device, namespace, route, address). */
  get isMissing(): boolean {
    return /Cannot find device|does not exist|No such file or directory|No such process|Cannot assign requested address/i.test(
      this.stderr,
    );
  }

  get isExisting(): boolean {
    return /File exists/i.test(this.stderr);
  }
}

/** Runs `ip <args>` and returns its stdout; rejects with IpCommandError. */
export function run(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ip', args, { timeout: IP_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const code = (err as NodeJS.ErrnoException & { code?: number | string }).code ?? null;
        const detail = stderr || (err.killed ? `timed out after ${IP_TIMEOUT_MS} ms` : err.message);
        reject(new IpCommandError(args, detail, code));
      } else {
        resolve(stdout);
      }
    });
  });
}

export function ip(...args: string[]): Promise<string> {
  return run(args);
}

/** `ip -j ...`, parsed. iproute2 prints nothing at all for some empty lists. */
export async function ipJson<T = unknown>(...args: string[]): Promise<T[]> {
  const out = (await run(['-j', ...args])).trim();
  return out ? (JSON.parse(out) as T[]) : [];
}

/** Runs `ip ...`, treating "already gone" as success. Returns false when it was gone. */
export async function ipIgnoringMissing(...args: string[]): Promise<boolean> {
  try {
    await run(args);
    return true;
  } catch (err) {
    if (err instanceof IpCommandError && err.isMissing) return false;
    throw err;
  }
}

/** The subset of `ip -j link` output the drivers read. */
export interface LinkJson {
  ifindex: number;
  ifname: string;
  flags: string[];
  operstate?: string;
  address?: string;
  master?: string;
  link_index?: number;
  link_netnsid?: number;
  /** The interface alias: vnfm's owner mark (host-owner.ts). */
  ifalias?: string;
  linkinfo?: { info_kind?: string };
}

export interface AddrJson {
  ifname: string;
  flags: string[];
  operstate?: string;
  addr_info: { family: string; local: string; prefixlen: number }[];
}

/** One link by name (in a namespace when `netns` is given), or undefined. */
export async function getLink(name: string, netns?: string): Promise<LinkJson | undefined> {
  try {
    const pre = netns ? ['-n', netns] : [];
    const links = await ipJson<LinkJson>(...pre, '-d', 'link', 'show', 'dev', name);
    return links[0];
  } catch (err) {
    if (err instanceof IpCommandError && err.isMissing) return undefined;
    throw err;
  }
}
