// Validation errors of a VNFD and the dotted paths that locate them, e.g.
// `topology_template.node_templates.VDU1.properties.image`.

export interface VnfdError {
  /** Dotted path of the offending value; '' for the document as a whole (syntax, size). */
  path: string;
  message: string;
  /** 1-based position in the YAML text, for syntax errors. */
  line?: number;
  column?: number;
}

const PLAIN_SEGMENT = /^[A-Za-z0-9_-]+$/;

/** Appends a key or list index to a path; keys that would make the path ambiguous are quoted. */
export function at(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  if (!PLAIN_SEGMENT.test(key)) return `${base}[${JSON.stringify(key)}]`;
  return base ? `${base}.${key}` : key;
}

/** A short description of a value's type for messages ("got a list"). */
export function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return v.length > 40 ? 'a string' : `the string ${JSON.stringify(v)}`;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return typeof v;
}
