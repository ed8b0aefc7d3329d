// The JSON-like data a VNFD is made of once loaded, and small readers for it.
// Everything reads own properties only, so keys such as `__proto__` or
// `constructor` in a template are just keys.

export type PlainData = string | number | boolean | null | PlainData[] | PlainMapping;
export interface PlainMapping {
  [key: string]: PlainData;
}

export const isMapping = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** `obj[key]` if `key` is an own property, else undefined. */
export function own(obj: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/**
 * An integer written as a number or as a string of digits (TOSCA parsers
 * accepted both, as does the monitoring policy), else undefined.
 */
export function asInteger(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : undefined;
  if (typeof v === 'string' && /^\s*-?\d{1,15}\s*$/.test(v)) return Number(v);
  return undefined;
}

const INTRINSIC_FUNCTIONS = [
  'get_input',
  'get_param',
  'get_property',
  'get_attribute',
  'get_operation_output',
  'get_artifact',
  'concat',
  'token',
];

/** The name of a TOSCA intrinsic function such as `{get_input: image_name}`, which vnfm does not evaluate. */
export function intrinsicFunction(v: unknown): string | undefined {
  if (!isMapping(v)) return undefined;
  const keys = Object.keys(v);
  return keys.length === 1 && INTRINSIC_FUNCTIONS.includes(keys[0]!) ? keys[0] : undefined;
}
