// Reads the compose files as `docker compose` does, as far as the deployment
// checks need it without a Docker engine: YAML with merge keys (<<), ${VAR}
// interpolation (defaults, required variables, $$), and the merge of an
// override file (-f docker-compose.yml -f deploy/compose.netns.yml).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const COMPOSE_FILE = 'docker-compose.yml';
export const NETNS_OVERRIDE = 'deploy/compose.netns.yml';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Service = Record<string, Json>;
export interface ComposeDoc {
  services: Record<string, Service>;
  [k: string]: Json | Record<string, Service>;
}

export const readText = (file: string): string => readFileSync(new URL(file, `file://${ROOT}`), 'utf8');

/** The file as YAML data, merge keys resolved, nothing interpolated. */
export function readCompose(file: string): ComposeDoc {
  return parse(readText(file), { merge: true }) as ComposeDoc;
}

export interface VariableUse {
  name: string;
  /** `:-`, `-`, `:?`, `?`, `:+`, `+`, or '' for a bare ${VAR} / $VAR. */
  op: string;
  arg: string;
}

// $$ | ${NAME[op arg]} | $NAME
const REF = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** Every variable a text interpolates. */
export function variablesOf(text: string): VariableUse[] {
  const out: VariableUse[] = [];
  for (const m of text.matchAll(REF)) {
    if (m[0] === '$$') continue;
    out.push({ name: (m[1] ?? m[4])!, op: m[2] ?? '', arg: m[3] ?? '' });
  }
  return out;
}

function interpolateString(s: string, env: Record<string, string | undefined>): string {
  return s.replace(REF, (whole, braced?: string, op?: string, arg?: string, bare?: string) => {
    if (whole === '$$') return '$';
    const name = (braced ?? bare)!;
    const v = env[name];
    const set = v !== undefined;
    const nonEmpty = set && v !== '';
    switch (op) {
      case ':-':
        return nonEmpty ? v : (arg ?? '');
      case '-':
        return set ? v : (arg ?? '');
      case ':?':
      case '?':
        if (op === ':?' ? !nonEmpty : !set) throw new Error(`required variable ${name} is missing: ${arg}`);
        return v!;
      case ':+':
        return nonEmpty ? (arg ?? '') : '';
      case '+':
        return set ? (arg ?? '') : '';
      default:
        return v ?? '';
    }
  });
}

/** The document with every string interpolated from `env` (as compose does before validating). */
export function interpolate<T extends Json | ComposeDoc>(
  value: T,
  env: Record<string, string | undefined>,
): T {
  const walk = (v: Json): Json => {
    if (typeof v === 'string') return interpolateString(v, env);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value as Json) as T;
}

/** Compose's override merge, as far as these files use it: maps merge, sequences append (unique). */
export function mergeOverride(base: Json, over: Json): Json {
  if (Array.isArray(base) && Array.isArray(over)) {
    const seen = new Set(base.map((x) => JSON.stringify(x)));
    return [...base, ...over.filter((x) => !seen.has(JSON.stringify(x)))];
  }
  if (base && over && typeof base === 'object' && typeof over === 'object' && !Array.isArray(base)) {
    const out: Record<string, Json> = { ...(base as Record<string, Json>) };
    for (const [k, v] of Object.entries(over as Record<string, Json>)) {
      out[k] = k in out ? mergeOverride(out[k]!, v) : v;
    }
    return out;
  }
  return over;
}

/** Values for the variables compose requires (no default), as an operator sets them. */
export const REQUIRED_FOR_TESTS = { VNFM_DB_PASSWORD: 'vnfmsecret', TEMPORAL_DB_PASSWORD: 'temporalsecret' };

/** The stack as `docker compose` would run it with only the required variables set. */
export function resolvedStack(files: string[] = [COMPOSE_FILE]): ComposeDoc {
  const merged = files.map(readCompose).reduce((a, b) => mergeOverride(a as Json, b as Json) as ComposeDoc);
  return interpolate(merged, REQUIRED_FOR_TESTS);
}

/** vnfm's own services: those built from this repository's Dockerfile. */
export function vnfmServices(doc: ComposeDoc): [string, Service][] {
  return Object.entries(doc.services).filter(([, s]) => s.build !== undefined);
}

/** A service's environment as a map (compose also accepts a KEY=VALUE list). */
export function environmentOf(s: Service): Record<string, string> {
  const env = s.environment;
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((e) => {
        const [k, ...v] = String(e).split('=');
        return [k!, v.join('=')];
      }),
    );
  }
  return Object.fromEntries(
    Object.entries((env ?? {}) as Record<string, Json>).map(([k, v]) => [k, String(v)]),
  );
}

/** The command of a service as a list of words. */
export function commandOf(s: Service): string[] {
  const c = s.command;
  if (Array.isArray(c)) return c.map(String);
  return typeof c === 'string' ? c.split(/\s+/).filter(Boolean) : [];
}
