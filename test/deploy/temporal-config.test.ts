// One Temporal server configuration for both deployments: docker-compose.yml's
// temporal service and the local cluster (npm run temporal:cluster,
// src/temporal/cluster.ts) run deploy/temporal/config/vnfm.yaml, so the two
// cannot drift. Checked: compose mounts deploy/temporal and starts the server
// on that file; the cluster code points at the same file; every variable
// either side sets is one the template reads; and, where the server is
// installed, the template renders for both (temporal-server render-config).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findTemporalServer } from '../../src/temporal/cli.js';
import {
  CLUSTER_SERVICES,
  clusterEnv,
  TEMPORAL_CONFIG_ENV,
  TEMPORAL_CONFIG_ROOT,
} from '../../src/temporal/cluster.js';
import { COMPOSE_FILE, environmentOf, readText, resolvedStack, ROOT, type Json } from './compose-file.js';

const TEMPLATE = 'deploy/temporal/config/vnfm.yaml';
const base = resolvedStack([COMPOSE_FILE]);
const temporal = base.services.temporal!;
const template = readText(TEMPLATE);
/** Variables the template reads: {{ env "NAME" … }}. */
const templateVars = new Set([...template.matchAll(/env "([A-Z0-9_]+)"/g)].map((m) => m[1]!));

describe('the Temporal server configuration (compose and the local cluster share it)', () => {
  it('is a server template (rendered by the server itself)', () => {
    expect(template.split('\n')[0]).toBe('# enable-template');
  });

  it('compose mounts deploy/temporal and starts the server on config/vnfm.yaml', () => {
    const volumes = (temporal.volumes ?? []) as Json[];
    expect(volumes).toContain('./deploy/temporal:/vnfm:ro');
    expect(temporal.entrypoint).toEqual(['/bin/sh', '/vnfm/start-server.sh']);
    const script = readText('deploy/temporal/start-server.sh');
    expect(script).toMatch(
      new RegExp(`^exec temporal-server --root /vnfm --config config --env ${TEMPORAL_CONFIG_ENV} `, 'm'),
    );
    expect(environmentOf(temporal).TEMPORAL_DYNAMIC_CONFIG_FILE).toBe('/vnfm/dynamicconfig.yaml');
  });

  it('the local cluster runs the same file', () => {
    expect(join(TEMPORAL_CONFIG_ROOT, 'config', `${TEMPORAL_CONFIG_ENV}.yaml`)).toBe(join(ROOT, TEMPLATE));
    const src = readText('src/temporal/cluster.ts');
    expect(src).toContain("'--root',\n        TEMPORAL_CONFIG_ROOT,\n        '--config',\n        'config',");
  });

  it('both set only variables the template reads, and compose sets the required ones', () => {
    const composeVars = Object.keys(environmentOf(temporal));
    for (const v of composeVars) expect(templateVars, `compose sets ${v}`).toContain(v);
    const env = clusterEnv({
      db: new URL('postgresql://postgres@127.0.0.1:5432/postgres'),
      dbName: 'temporal',
      shards: 4,
      ip: '127.0.0.1',
      ports: Object.fromEntries(CLUSTER_SERVICES.map((s, i) => [s, [7000 + i, 6000 + i]])) as never,
      maxConns: 8,
      logLevel: 'warn',
    });
    for (const v of Object.keys(env)) expect(templateVars, `the cluster sets ${v}`).toContain(v);
    for (const v of [
      'TEMPORAL_DB_HOST',
      'TEMPORAL_DB_USER',
      'TEMPORAL_DB_PASSWORD',
      'TEMPORAL_HISTORY_SHARDS',
    ])
      expect(composeVars).toContain(v);
  });

  const bins = findTemporalServer();
  it.skipIf(!bins)('renders for compose and for the cluster (temporal-server render-config)', () => {
    // render-config reads --config alone (start joins --root and --config).
    const render = (env: NodeJS.ProcessEnv, root: string) => {
      const r = spawnSync(
        bins!.server,
        ['--config', join(root, 'config'), '--env', TEMPORAL_CONFIG_ENV, 'render-config'],
        { encoding: 'utf8', env: { PATH: process.env.PATH, ...env } },
      );
      expect(r.status, r.stderr).toBe(0);
      return r.stdout;
    };
    const composed = render(
      { ...(environmentOf(temporal) as Record<string, string>), TEMPORAL_BIND_IP: '10.0.0.5' },
      TEMPORAL_CONFIG_ROOT,
    );
    expect(composed).toContain('10.0.0.5');
    expect(composed).toContain('temporal-postgres:5432');
    expect(composed).toMatch(/NumHistoryShards:\s*512|numHistoryShards:\s*512/i);
    const local = render(
      clusterEnv({
        db: new URL('postgresql://postgres@127.0.0.1:5432/postgres'),
        dbName: 'temporal_x',
        shards: 8,
        ip: '127.0.0.1',
        ports: Object.fromEntries(CLUSTER_SERVICES.map((s, i) => [s, [17000 + i, 16000 + i]])) as never,
        maxConns: 8,
        logLevel: 'warn',
      }),
      TEMPORAL_CONFIG_ROOT,
    );
    expect(local).toContain('temporal_x_visibility');
    expect(local).toContain('17002'); // frontend
    expect(existsSync(join(TEMPORAL_CONFIG_ROOT, 'dynamicconfig.yaml'))).toBe(true);
  });
});
