// Runs the real `vnfm` binary (bin/vnfm.js) as a child process against an
// in-process API. Asynchronous on purpose: the API answers from this
// process's event loop, which a synchronous spawn would block.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TemporalConfig } from '../../src/config.js';
import { processEnv } from '../helpers/env.js';

export const BIN = fileURLToPath(new URL('../../bin/vnfm.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (for --json runs). */
  json<T = unknown>(): T;
}

export function cliRunner(base: { apiUrl: string; token?: string; temporal: TemporalConfig }) {
  return (args: string[], env: Record<string, string> = {}): Promise<CliResult> =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        [BIN, ...args],
        {
          env: processEnv(base.temporal, {
            VNFM_API_URL: base.apiUrl,
            ...(base.token ? { VNFM_TOKEN: base.token } : {}),
            ...env,
          }),
          timeout: 90_000,
        },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
          resolve({ code, stdout, stderr, json: () => JSON.parse(stdout) });
        },
      );
    });
}
