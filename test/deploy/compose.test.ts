// docker-compose.yml and deploy/compose.netns.yml, checked without a Docker
// engine: valid against the Compose Specification's JSON schema; every vnfm
// service runs a package.json script and sets only variables the code reads
// (and every one it requires); scaling needs no per-replica settings; each
// process gets exactly the privileges it needs; images are pinned.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { ENV_VARS } from '../../src/config.js';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes.js';
import {
  commandOf,
  COMPOSE_FILE,
  environmentOf,
  interpolate,
  NETNS_OVERRIDE,
  readCompose,
  readText,
  REQUIRED_FOR_TESTS,
  resolvedStack,
  ROOT,
  variablesOf,
  vnfmServices,
  type Json,
  type Service,
} from './compose-file.js';

const schema = JSON.parse(
  readFileSync(new URL('../fixtures/compose-spec/compose-spec.json', import.meta.url), 'utf8'),
) as object;
const scripts = (JSON.parse(readText('package.json')) as { scripts: Record<string, string> }).scripts;

const base = resolvedStack([COMPOSE_FILE]);
const netns = resolvedStack([COMPOSE_FILE, NETNS_OVERRIDE]);
const LONG_RUNNING = ['api', 'monitor', 'conductor'];

/** The TypeScript file a package.json script runs with tsx. */
function entryOf(script: string): string {
  const m = /^tsx (\S+\.ts)$/.exec(scripts[script] ?? '');
  if (!m) throw new Error(`script ${script} is not 'tsx <file>': ${scripts[script]}`);
  return m[1]!;
}

const service = (doc: typeof base, name: string): Service => {
  const s = doc.services[name];
  if (!s) throw new Error(`no service ${name}`);
  return s;
};

describe('compose files against the Compose Specification schema', () => {
  // The schema names its meta-schema by an https URL ajv does not know; it is draft-07, ajv's default.
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  const validate = ajv.compile(schema);

  for (const file of [COMPOSE_FILE, NETNS_OVERRIDE]) {
    it(`${file} is valid, as written and once interpolated`, () => {
      for (const doc of [readCompose(file), interpolate(readCompose(file), REQUIRED_FOR_TESTS)]) {
        const ok = validate(doc);
        expect(ok, JSON.stringify(validate.errors, null, 2)).toBe(true);
      }
    });
  }

  it('the merged netns stack is valid too', () => {
    expect(validate(netns), JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  it('interpolation never nests and every required variable says what to set', () => {
    for (const file of [COMPOSE_FILE, NETNS_OVERRIDE]) {
      for (const v of variablesOf(readText(file))) {
        expect(v.arg, `${file}: \${${v.name}} default`).not.toContain('$');
        if (v.op.includes('?')) expect(v.arg, `${file}: ${v.name}`).toMatch(/set /);
      }
    }
  });
});

describe('vnfm services', () => {
  const services = vnfmServices(base);

  it('are the migration job and the three processes, all from this repository', () => {
    expect(services.map(([n]) => n).sort()).toEqual(['api', 'conductor', 'migrate', 'monitor']);
    expect(existsSync(`${ROOT}Dockerfile`)).toBe(true);
  });

  it('each runs a package.json script whose entry file exists', () => {
    const expected: Record<string, string> = {
      migrate: 'db:migrate',
      api: 'start:api',
      monitor: 'start:monitor',
      conductor: 'start:conductor',
    };
    for (const [name, s] of services) {
      const [script, ...rest] = commandOf(s);
      expect(script, name).toBe(expected[name]);
      expect(rest, name).toEqual([]);
      expect(existsSync(`${ROOT}${entryOf(script!)}`), `${name}: ${entryOf(script!)}`).toBe(true);
    }
  });

  for (const [label, doc] of [
    ['docker-compose.yml', base],
    ['with deploy/compose.netns.yml', netns],
  ] as const) {
    it(`set only variables the code reads, and every one it requires (${label})`, () => {
      const known = new Set(Object.keys(ENV_VARS));
      for (const [name, s] of vnfmServices(doc)) {
        const env = environmentOf(s);
        for (const key of Object.keys(env)) expect(known, `${name} sets ${key}`).toContain(key);
        const entry = readText(entryOf(commandOf(s)[0]!));
        // The code reads DATABASE_URL through databaseUrl(), which has no default.
        if (entry.includes('databaseUrl(')) expect(env.DATABASE_URL, name).toMatch(/^postgresql:\/\//);
        else expect(env, `${name} needs no database`).not.toHaveProperty('DATABASE_URL');
        for (const [key, value] of Object.entries(env)) {
          expect(value, `${name}: ${key}`).not.toBe('');
        }
      }
    });
  }

  it('the monitor never gets database credentials', () => {
    expect(environmentOf(service(base, 'monitor'))).not.toHaveProperty('DATABASE_URL');
    expect(environmentOf(service(netns, 'monitor'))).not.toHaveProperty('DATABASE_URL');
  });

  it('start only after the migrations and the Temporal namespace are done', () => {
    const deps = (n: string) => service(base, n).depends_on as Record<string, { condition: string }>;
    expect(deps('migrate').postgres?.condition).toBe('service_healthy');
    for (const n of ['api', 'conductor']) {
      expect(deps(n).migrate?.condition, n).toBe('service_completed_successfully');
    }
    for (const n of LONG_RUNNING) {
      expect(deps(n)['temporal-namespace']?.condition, n).toBe('service_completed_successfully');
      expect(deps(n).temporal?.condition, n).toBe('service_healthy');
    }
  });
});

describe('scaling: docker compose up --scale monitor=3 --scale conductor=2', () => {
  for (const [label, doc] of [
    ['docker-compose.yml', base],
    ['with deploy/compose.netns.yml', netns],
  ] as const) {
    it(`no service has a fixed name, and scaled ones publish nothing (${label})`, () => {
      for (const [name, s] of Object.entries(doc.services)) {
        expect(s, name).not.toHaveProperty('container_name');
      }
      for (const name of ['monitor', 'conductor']) {
        const s = service(doc, name);
        expect(s, name).not.toHaveProperty('ports');
        expect(s, name).not.toHaveProperty('hostname');
        // No named volume is shared by accident: only host paths (netns VIM state).
        for (const v of (s.volumes ?? []) as Json[]) {
          expect(typeof v === 'object' && v !== null && !Array.isArray(v) && v.type, name).toBe('bind');
        }
      }
    });
  }

  it('replicas sharing the host network have their metrics ports off by default', () => {
    expect(environmentOf(service(netns, 'monitor')).VNFM_MONITOR_METRICS_PORT).toBe('0');
    expect(environmentOf(service(netns, 'conductor')).VNFM_CONDUCTOR_METRICS_PORT).toBe('0');
    // On the compose network each replica has its own address: the defaults stay.
    expect(environmentOf(service(base, 'monitor')).VNFM_MONITOR_METRICS_PORT).toBe(
      ENV_VARS.VNFM_MONITOR_METRICS_PORT.default,
    );
  });

  it("each monitor worker's loop queue is unique per process, not configured", () => {
    const src = readText('src/worker/monitor-worker.ts');
    expect(src).toMatch(/hostname\(\)}-\$\{process\.pid}-\$\{randomBytes\(/);
  });
});

describe('privileges', () => {
  const caps = (s: Service) => ((s.cap_add ?? []) as string[]).slice().sort();

  it('vnfm processes drop every capability and add exactly what they need', () => {
    for (const [name, s] of vnfmServices(base)) {
      expect(s.cap_drop, name).toEqual(['ALL']);
      expect(caps(s), name).toEqual(name === 'monitor' ? ['NET_RAW'] : []);
      expect(s.read_only, name).toBe(true);
    }
    expect(caps(service(netns, 'conductor'))).toEqual(['NET_ADMIN', 'SYS_ADMIN']);
    expect(caps(service(netns, 'monitor'))).toEqual(['NET_RAW']);
  });

  it('nothing runs privileged; only the netns conductor runs as root, in the host namespaces', () => {
    for (const doc of [base, netns]) {
      for (const [name, s] of Object.entries(doc.services)) {
        expect(s.privileged ?? false, name).toBe(false);
        if (name !== 'conductor' || doc === base) expect(s.user, name).toBeUndefined();
      }
    }
    const c = service(netns, 'conductor');
    expect(c.user).toBe('0:0');
    expect(c.network_mode).toBe('host');
    expect(c.pid).toBe('host');
    expect(service(netns, 'monitor').network_mode).toBe('host');
    expect(service(base, 'conductor')).not.toHaveProperty('network_mode');
  });

  it('no-new-privileges everywhere except the monitor, whose ping needs its file capability', () => {
    for (const [name, s] of vnfmServices(base)) {
      const opts = (s.security_opt ?? []) as string[];
      if (name === 'monitor') expect(opts).not.toContain('no-new-privileges:true');
      else expect(opts, name).toContain('no-new-privileges:true');
    }
  });
});

describe('exposure', () => {
  const published = (s: Service) => ((s.ports ?? []) as Json[]).map(String);

  it('only the API and the Web UI publish ports; the Web UI on loopback by default', () => {
    const publishing = Object.entries(base.services)
      .filter(([, s]) => published(s).length > 0)
      .map(([n]) => n)
      .sort();
    expect(publishing).toEqual(['api', 'temporal-ui']);
    expect(published(service(base, 'temporal-ui'))).toEqual(['127.0.0.1:8080:8080']);
    expect(published(service(base, 'api'))).toEqual(['0.0.0.0:9890:9890']);
  });

  it('the netns stack adds only loopback ports (for the host-network workers)', () => {
    for (const [name, s] of Object.entries(netns.services)) {
      const extra = published(s).filter((p) => !published(base.services[name] ?? {}).includes(p));
      for (const p of extra) expect(p, name).toMatch(/^127\.0\.0\.1:/);
    }
  });
});

describe('images and jobs', () => {
  it('every image is pinned to a version (no latest, no bare name)', () => {
    for (const [name, s] of Object.entries(base.services)) {
      const image = String(s.image);
      if (s.build !== undefined) {
        expect(image, name).toBe('vnfm:local');
        continue;
      }
      const tag = image.split(':')[1];
      expect(tag, name).toMatch(/^\d+(\.\d+)*(-[\w.-]+)?$/);
    }
  });

  it('jobs run once; everything else restarts and has a health check', () => {
    const jobs = ['temporal-schema', 'temporal-namespace', 'migrate'];
    for (const [name, s] of Object.entries(base.services)) {
      if (jobs.includes(name)) {
        expect(s.restart, name).toBe('no');
      } else {
        expect(s.restart, name).toBe('unless-stopped');
        const hc = s.healthcheck as { test?: string[] } | undefined;
        expect(hc?.test?.length, name).toBeGreaterThan(0);
      }
    }
  });

  it('the vnfm health checks name their role', () => {
    for (const name of LONG_RUNNING) {
      const hc = service(base, name).healthcheck as { test: string[] };
      expect(hc.test).toEqual(['CMD', 'node', '/app/deploy/healthcheck.mjs', name]);
    }
  });

  it('mounted files exist, and the setup scripts are executable', () => {
    for (const [name, s] of Object.entries(base.services)) {
      for (const v of (s.volumes ?? []) as Json[]) {
        const src = typeof v === 'string' ? v.split(':')[0]! : '';
        if (src.startsWith('./')) expect(existsSync(`${ROOT}${src.slice(2)}`), `${name}: ${src}`).toBe(true);
      }
    }
    for (const f of ['deploy/temporal/setup-schema.sh', 'deploy/temporal/setup-namespace.sh']) {
      expect(statSync(`${ROOT}${f}`).mode & 0o111, f).not.toBe(0);
    }
  });

  it('the namespace job registers exactly the search attributes the monitors use, as Keyword', () => {
    const script = readText('deploy/temporal/setup-namespace.sh');
    const listed = /^SEARCH_ATTRIBUTES="([^"]*)"$/m.exec(script)?.[1]?.split(/\s+/);
    expect(listed).toEqual([...CUSTOM_SEARCH_ATTRIBUTES]);
    expect(script).toContain('search-attribute create --namespace "$ns" --name "$name" --type Keyword');
  });

  it('the namespace job creates the namespace the vnfm processes use', () => {
    const ns = environmentOf(service(base, 'temporal-namespace')).TEMPORAL_NAMESPACE;
    for (const name of LONG_RUNNING) expect(environmentOf(service(base, name)).TEMPORAL_NAMESPACE).toBe(ns);
  });
});
