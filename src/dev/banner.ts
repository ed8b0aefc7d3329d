// What `npm run dev` prints once everything answers: where things are, the
// dev token, and two lines to copy into another terminal.
import { MONITOR_WORKFLOW_TYPE } from '../monitoring/contract.js';

export interface BannerInfo {
  apiUrl: string;
  uiUrl?: string;
  temporalAddress: string;
  namespace: string;
  database: string;
  dataDir: string;
  token: string;
  tokenFile: string;
  vim: string;
  seconds: number;
  /** Set when the CLI needs VNFM_API_URL to find the API (not on its default port). */
  cliApiUrl?: string;
}

/** The Web UI's workflow list, filtered to monitors. */
export function monitorsUrl(uiUrl: string, namespace: string): string {
  const query = encodeURIComponent(`WorkflowType="${MONITOR_WORKFLOW_TYPE}"`);
  return `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows?query=${query}`;
}

export function banner(b: BannerInfo, color: boolean): string {
  const bold = (s: string) => (color ? `\x1b[1m${s}\x1b[0m` : s);
  const rows: [string, string][] = [
    ['API', `${b.apiUrl}   (health: ${b.apiUrl}/healthz, OpenAPI: ${b.apiUrl}/openapi.json)`],
    ...(b.uiUrl
      ? ([
          ['Temporal UI', b.uiUrl],
          ['Monitors', monitorsUrl(b.uiUrl, b.namespace)],
        ] as [string, string][])
      : []),
    ['Temporal', `${b.temporalAddress} (namespace ${b.namespace})`],
    ['Database', b.database],
    ['VIM', b.vim],
    ['Dev token', `${b.token}   (admin of tenant 'dev'; kept in ${b.tokenFile})`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  return [
    '',
    bold(`vnfm is up (${b.seconds.toFixed(1)} s). Data: ${b.dataDir}`),
    '',
    ...rows.map(([k, v]) => `  ${k.padEnd(width)}${v}`),
    '',
    '  In another terminal:',
    `    export VNFM_TOKEN=${b.token}`,
    ...(b.cliApiUrl ? [`    export VNFM_API_URL=${b.cliApiUrl}`] : []),
    `    curl -s -H "X-Auth-Token: $VNFM_TOKEN" ${b.apiUrl}/v1.0/vnfs`,
    '',
    bold('  Ctrl-C stops everything; the next npm run dev keeps the data.'),
    '',
    '',
  ].join('\n');
}
