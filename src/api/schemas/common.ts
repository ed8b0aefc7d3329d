// Building blocks of the request and response schemas. Every string and
// collection is bounded, and free-form JSON is checked for what PostgreSQL
// cannot store (NUL characters, unpaired surrogates) or what would exhaust a
// stack (deep nesting), so bad input is a 400 and never a 500.
import { z } from 'zod';

export const MAX_NAME = 255;
export const MAX_DESCRIPTION = 4096;
const MAX_JSON_DEPTH = 32;
const MAX_JSON_NODES = 20_000;

const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Text PostgreSQL can store as text or inside jsonb. */
export function isStorableText(s: string): boolean {
  return !s.includes('\u0000') && !UNPAIRED_SURROGATE.test(s);
}

const STORABLE_MESSAGE = 'must not contain NUL characters or unpaired UTF-16 surrogates';

export const text = (max: number) => z.string().max(max).refine(isStorableText, STORABLE_MESSAGE);
export const name = () => text(MAX_NAME).min(1, 'must not be empty');

/** The first reason `value` cannot be stored as jsonb, with the path below it. */
export function jsonProblem(value: unknown): { path: (string | number)[]; message: string } | undefined {
  const stack: { v: unknown; path: (string | number)[] }[] = [{ v: value, path: [] }];
  let nodes = 0;
  while (stack.length) {
    const { v, path } = stack.pop()!;
    if (++nodes > MAX_JSON_NODES) return { path: [], message: `has more than ${MAX_JSON_NODES} values` };
    if (path.length > MAX_JSON_DEPTH) return { path, message: `nests deeper than ${MAX_JSON_DEPTH} levels` };
    if (typeof v === 'string') {
      if (!isStorableText(v)) return { path, message: STORABLE_MESSAGE };
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => stack.push({ v: x, path: [...path, i] }));
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (!isStorableText(k)) return { path, message: `has a key that ${STORABLE_MESSAGE}` };
        stack.push({ v: x, path: [...path, k] });
      }
    }
  }
  return undefined;
}

/** A JSON object given by the user and stored as is (config, param_values, placement_attr). */
export const jsonObject = () =>
  z.record(z.string(), z.unknown()).superRefine((v, ctx) => {
    const p = jsonProblem(v);
    if (p) ctx.addIssue({ code: 'custom', message: p.message, path: p.path });
  });

export const uuid = () => z.uuid();

export const timestamp = () => z.string().meta({ format: 'date-time' });

/** `limit` and `marker` of every list (OpenStack style: marker is the last id of the previous page). */
export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;
export const listQuery = {
  // Digits only: Number() would also take ' 5', '1e3' or '0x10'.
  limit: z
    .string()
    .regex(/^\d{1,4}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(1).max(MAX_LIMIT))
    .default(DEFAULT_LIMIT)
    .meta({ description: `Page size: 1 to ${MAX_LIMIT} (default ${DEFAULT_LIMIT}).` }),
  marker: z
    .string()
    .max(64)
    .optional()
    .meta({ description: 'The id of the last item of the previous page.' }),
  fields: z
    .union([z.string().max(MAX_NAME), z.array(z.string().max(MAX_NAME)).max(50)])
    .optional()
    .meta({ description: 'Accepted for Tacker client compatibility; every field is always returned.' }),
};

export const links = z.array(z.object({ rel: z.literal('next'), href: z.string() }));

export const tackerError = z.object({
  TackerError: z.object({
    type: z.string().meta({ description: 'VNFNotFound, InvalidInput, VNFInUse, ...' }),
    message: z.string(),
    detail: z.string(),
  }),
});

/** A path parameter holding a resource id. */
export const idParam = <K extends string>(key: K) => z.object({ [key]: z.uuid() } as Record<K, z.ZodUUID>);
