// What every command needs, resolved when it runs: the API client (from
// --api-url/--token or VNFM_API_URL/VNFM_TOKEN) and the output mode.
import type { Command } from 'commander';
import { cliConfig } from '../config.js';
import { ApiClient } from './api-client.js';
import type { OutputOptions } from './output.js';

export interface GlobalOptions {
  json?: boolean;
  apiUrl?: string;
  token?: string;
}

export interface CliContext {
  api(): ApiClient;
  output(): OutputOptions;
}

export function cliContext(program: Command): CliContext {
  const globals = () => program.opts<GlobalOptions>();
  return {
    api() {
      const g = globals();
      const cfg = cliConfig({ ...process.env, ...(g.apiUrl ? { VNFM_API_URL: g.apiUrl } : {}) });
      return new ApiClient(cfg.apiUrl, g.token ?? cfg.token);
    },
    output: () => ({ json: globals().json }),
  };
}
