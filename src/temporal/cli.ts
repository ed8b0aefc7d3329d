// Finds the Temporal CLI (its dev server has the Web UI inside). Order:
// TEMPORAL_CLI_PATH, `temporal` on PATH, the Go install cache; where none is
// found and Go is present, installs the pinned version once (it compiles for
// minutes, so it is never rebuilt when present).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { StartupError } from '../fatal.js';

export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

function onPath(bin: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, bin);
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

function goBinDir(): string | undefined {
  const go = onPath('go') ?? (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!go) return undefined;
  const r = spawnSync(go, ['env', 'GOBIN', 'GOPATH'], { encoding: 'utf8' });
  if (r.status !== 0) return join(homedir(), 'go', 'bin');
  const [gobin, gopath] = r.stdout.split('\n');
  return gobin || join((gopath ?? '').split(delimiter)[0] || join(homedir(), 'go'), 'bin');
}

function goBinary(): string | undefined {
  return onPath('go') ?? (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
}

/** The CLI's path, or undefined when none is installed. */
export function findTemporalCli(): string | undefined {
  const configured = process.env.TEMPORAL_CLI_PATH;
  if (configured) {
    if (!existsSync(configured)) {
      throw new StartupError(
        `TEMPORAL_CLI_PATH=${configured} does not exist; unset it or point it at a temporal binary`,
      );
    }
    return configured;
  }
  const found = onPath('temporal');
  if (found) return found;
  const dir = goBinDir();
  if (dir && existsSync(join(dir, 'temporal'))) return join(dir, 'temporal');
  const home = join(homedir(), 'go', 'bin', 'temporal');
  return existsSync(home) ? home : undefined;
}

/** Builds `modules` with `go install` into `dir`, its output on this process's. */
function goInstall(go: string, modules: string[], dir: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(go, ['install', ...modules], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, GOBIN: dir },
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(
            new StartupError(`go install ${modules.join(' ')} failed (exit ${code}); see the output above`),
          ),
    );
  });
}

/** Returns an installed CLI, building the pinned version with Go if needed. */
export async function ensureTemporalCli(log: (line: string) => void = console.error): Promise<string> {
  const found = findTemporalCli();
  if (found) return found;
  const go = goBinary();
  if (!go) {
    throw new StartupError(
      'no Temporal CLI found and Go is not installed: install the CLI (https://docs.temporal.io/cli) and put it on PATH or set TEMPORAL_CLI_PATH, or install Go so vnfm can build it, or set TEMPORAL_ADDRESS to an existing server',
    );
  }
  const dir = goBinDir() ?? join(homedir(), 'go', 'bin');
  mkdirSync(dir, { recursive: true });
  log(`building the Temporal CLI (${TEMPORAL_CLI_MODULE}) into ${dir}; this takes a few minutes, once`);
  await goInstall(go, [TEMPORAL_CLI_MODULE], dir);
  const bin = join(dir, 'temporal');
  if (!existsSync(bin)) throw new StartupError(`go install finished but ${bin} is missing`);
  return bin;
}

// ---- the real server (npm run temporal:cluster) ------------------------------

/** The Temporal server release vnfm runs as a cluster, and docker-compose.yml pins. */
export const TEMPORAL_SERVER_VERSION = '1.29.1';
const SERVER_MODULES = [
  `go.temporal.io/server/cmd/server@v${TEMPORAL_SERVER_VERSION}`,
  `go.temporal.io/server/cmd/tools/sql@v${TEMPORAL_SERVER_VERSION}`,
];

export interface TemporalServerBinaries {
  /** temporal-server (go.temporal.io/server/cmd/server). */
  server: string;
  /** temporal-sql-tool (go.temporal.io/server/cmd/tools/sql). */
  sql: string;
}

/** Where the pinned server and sql tool are installed: a directory of their own, named by version. */
export function temporalServerDir(): string {
  return join(goBinDir() ?? join(homedir(), 'go', 'bin'), `temporal-server-${TEMPORAL_SERVER_VERSION}`);
}

/**
 * The server and sql tool: TEMPORAL_SERVER_PATH / TEMPORAL_SQL_TOOL_PATH, else
 * the pinned build under the Go bin directory; undefined when missing.
 */
export function findTemporalServer(): TemporalServerBinaries | undefined {
  const dir = temporalServerDir();
  const server = process.env.TEMPORAL_SERVER_PATH || join(dir, 'server');
  const sql = process.env.TEMPORAL_SQL_TOOL_PATH || join(dir, 'sql');
  return existsSync(server) && existsSync(sql) ? { server, sql } : undefined;
}

/** Returns the installed server and sql tool, building the pinned release with Go if needed (minutes, once). */
export async function ensureTemporalServer(
  log: (line: string) => void = console.error,
): Promise<TemporalServerBinaries> {
  const found = findTemporalServer();
  if (found) return found;
  const go = goBinary();
  if (!go) {
    throw new StartupError(
      'the Temporal server is not installed and Go is not: install Go and run npm run temporal:install, or set TEMPORAL_SERVER_PATH and TEMPORAL_SQL_TOOL_PATH',
    );
  }
  const dir = temporalServerDir();
  mkdirSync(dir, { recursive: true });
  log(
    `building the Temporal server and sql tool (v${TEMPORAL_SERVER_VERSION}) into ${dir}; this takes minutes, once`,
  );
  await goInstall(go, SERVER_MODULES, dir);
  const bins = findTemporalServer();
  if (!bins) throw new StartupError(`go install finished but the binaries are missing from ${dir}`);
  return bins;
}
