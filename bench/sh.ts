// Running system commands (ip, nft, sysctl) for the bench, with their stderr
// in the error, and optional stdin (ip -batch).
import { spawn } from 'node:child_process';

export async function run(cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else
        reject(
          new Error(`${cmd} ${args.slice(0, 6).join(' ')} failed (${code}): ${err.trim().slice(0, 500)}`),
        );
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** Like run, but never throws (cleanup paths). */
export async function tryRun(cmd: string, args: string[]): Promise<boolean> {
  return run(cmd, args).then(
    () => true,
    () => false,
  );
}
