// Loads a VNFD — YAML text or an already-parsed object — into plain data,
// refusing what could hurt the server or silently change meaning: custom
// tags (e.g. !!js/function), alias bombs, duplicate keys, oversized or deeply
// nested input. Pure: no I/O.
import { isScalar, LineCounter, parseDocument, stringify, visit, type Document } from 'yaml';
import { at, describe, type VnfdError } from './errors.js';
import type { PlainData, PlainMapping } from './plain-data.js';

export const VNFD_LIMITS = {
  /** UTF-8 size of the YAML text (or of the object once serialised). */
  maxBytes: 256 * 1024,
  /** Nesting of mappings and lists; a Tacker VNFD needs fewer than 10. */
  maxDepth: 32,
  /** Values in the whole document, aliases expanded. */
  maxValues: 10_000,
  /**
   * Line breaks plus commas in the text, checked before parsing: yaml's
   * parser slows down superlinearly with the number of entries (seconds for
   * 256 KiB of `[1,1,1,…]`), and every entry needs one of these separators.
   */
  maxSeparators: 5_000,
  maxListLength: 1_000,
  /** yaml's expansion budget for aliases: legitimate VNFDs rarely use any. */
  maxAliasCount: 16,
  /**
   * `[`/`{` nesting in the text, checked before parsing: yaml's parser takes
   * about a second on 128k nested brackets. Brackets inside strings count too,
   * hence a bound well above maxDepth.
   */
  maxBracketNesting: 64,
} as const;

export type Loaded = { ok: true; data: PlainData; yaml: string } | { ok: false; errors: VnfdError[] };

const MAX_REPORTED_YAML_ERRORS = 10;

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A surrogate pair is 4 bytes: 2 per half.
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdfff ? 2 : 3;
  }
  return n;
}

const tooBig = (bytes: number): VnfdError => ({
  path: '',
  message: `the VNFD is ${bytes} bytes; the limit is ${VNFD_LIMITS.maxBytes} (256 KiB)`,
});

/** Cheap upper bounds of what the parser would face, computed before it runs. */
function scanText(text: string): VnfdError | undefined {
  let depth = 0;
  let maxDepth = 0;
  let separators = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) maxDepth = Math.max(maxDepth, ++depth);
    else if ((c === 0x5d || c === 0x7d) && depth > 0) depth--;
    // \n, a lone \r (also a YAML line break) or a comma.
    else if (c === 0x0a || c === 0x2c || (c === 0x0d && text.charCodeAt(i + 1) !== 0x0a)) separators++;
  }
  if (maxDepth > VNFD_LIMITS.maxBracketNesting) {
    return {
      path: '',
      message: `the YAML nests [ or { more than ${VNFD_LIMITS.maxBracketNesting} levels deep`,
    };
  }
  if (separators > VNFD_LIMITS.maxSeparators) {
    return {
      path: '',
      message: `the YAML has more than ${VNFD_LIMITS.maxSeparators} lines and commas; a VNFD needs far fewer`,
    };
  }
  return undefined;
}

/** yaml's first message line without its " at line L, column C:" tail (we give the position ourselves). */
const firstLine = (message: string): string =>
  message.split('\n', 1)[0]!.replace(/ at line \d+, column \d+:?$/, '');

const positioned = (message: string, linePos: { line: number; col: number }[] | undefined): VnfdError => {
  const pos = linePos?.[0];
  return pos
    ? {
        path: '',
        message: `${message} (line ${pos.line}, column ${pos.col})`,
        line: pos.line,
        column: pos.col,
      }
    : { path: '', message };
};

/**
 * Keys must be non-empty scalars, unique within their mapping. Checked here
 * rather than with yaml's uniqueKeys, which compares every pair of keys
 * (quadratic), and by their string form, which is what a JS object keeps.
 */
function keyErrors(doc: Document, lines: LineCounter): VnfdError[] {
  const errors: VnfdError[] = [];
  const where = (node: unknown) => {
    const offset = (node as { range?: [number, number, number] } | null)?.range?.[0];
    return offset === undefined ? undefined : [lines.linePos(offset)];
  };
  visit(doc, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        if (!isScalar(pair.key) || pair.key.value === null) continue;
        const key = String(pair.key.value);
        if (seen.has(key)) errors.push(positioned(`duplicate key ${JSON.stringify(key)}`, where(pair.key)));
        seen.add(key);
      }
    },
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.value !== null) return;
      errors.push(
        positioned('mapping keys must be plain scalars (not lists, mappings or empty)', where(pair.key)),
      );
    },
  });
  return errors;
}

/** The first few errors and a count of the rest: a broken 256 KiB text can hold thousands. */
function capped(first: VnfdError[], total: number): VnfdError[] {
  const shown = first.slice(0, MAX_REPORTED_YAML_ERRORS);
  return total > shown.length
    ? [...shown, { path: '', message: `… and ${total - shown.length} more` }]
    : shown;
}

/**
 * yaml creates an Error object per problem found, and capturing their stack
 * traces is most of the cost of parsing a malformed text; nothing reads them.
 */
function parseWithoutStackTraces(text: string, options: Parameters<typeof parseDocument>[1]): Document {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return parseDocument(text, options);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

export function loadYamlText(text: string): Loaded {
  const bytes = utf8Length(text);
  if (bytes > VNFD_LIMITS.maxBytes) return { ok: false, errors: [tooBig(bytes)] };
  const tooComplex = scanText(text);
  if (tooComplex) return { ok: false, errors: [tooComplex] };
  const lines = new LineCounter();
  const doc = parseWithoutStackTraces(text, {
    lineCounter: lines,
    version: '1.2',
    schema: 'core',
    customTags: [],
    // Without this, yaml still resolves !!binary, !!set, !!timestamp, … in the core schema.
    resolveKnownTags: false,
    merge: false,
    // Checked by keyErrors, in linear time.
    uniqueKeys: false,
    strict: true,
    // Positions are computed below for the errors reported only; prettifying all is slow.
    prettyErrors: false,
    // 'silent' would also drop the "multiple documents" error.
    logLevel: 'error',
  });
  const pos = (offset: number) => [lines.linePos(offset)];
  if (doc.errors.length) {
    const first = doc.errors
      .slice(0, MAX_REPORTED_YAML_ERRORS)
      .map((e) => positioned(`YAML syntax error: ${firstLine(e.message)}`, pos(e.pos[0])));
    return { ok: false, errors: capped(first, doc.errors.length) };
  }
  const tagErrors = doc.warnings.slice(0, MAX_REPORTED_YAML_ERRORS).map((w) => {
    const m = /^Unresolved tag: (\S+)/.exec(firstLine(w.message));
    const tag = m?.[1]?.replace(/^tag:yaml\.org,2002:/, '!!');
    return positioned(
      tag
        ? `YAML tag ${tag} is not allowed (only plain YAML data: mappings, lists, strings, numbers, booleans, null)`
        : `YAML: ${firstLine(w.message)}`,
      pos(w.pos[0]),
    );
  });
  const keyErrs = keyErrors(doc, lines);
  const total = doc.warnings.length + keyErrs.length;
  if (total) return { ok: false, errors: capped([...tagErrors, ...keyErrs], total) };

  let js: unknown;
  try {
    js = doc.toJS({ maxAliasCount: VNFD_LIMITS.maxAliasCount });
  } catch (err) {
    const msg = (err as Error).message;
    return {
      ok: false,
      errors: [
        {
          path: '',
          message: /Excessive alias count/.test(msg)
            ? 'the YAML expands its aliases (*ref) too much (a "billion laughs" document); refused'
            : `YAML: ${firstLine(msg)}`,
        },
      ],
    };
  }
  const copied = toPlainData(js);
  return copied.ok ? { ok: true, data: copied.data, yaml: text } : copied;
}

export function loadObject(value: unknown): Loaded {
  const copied = toPlainData(value);
  if (!copied.ok) return copied;
  // Never emit anchors/aliases, even where the caller shared one object twice.
  const yaml = stringify(copied.data, { aliasDuplicateObjects: false });
  const bytes = utf8Length(yaml);
  if (bytes > VNFD_LIMITS.maxBytes) return { ok: false, errors: [tooBig(bytes)] };
  return { ok: true, data: copied.data, yaml };
}

class LimitExceeded extends Error {
  constructor(readonly error: VnfdError) {
    super(error.message);
  }
}

/**
 * Copies `value` into plain data within the limits. Own enumerable string keys
 * only; `undefined` properties are dropped (as JSON does); anything that is not
 * JSON-like data (functions, Dates, Maps, class instances, …) is an error.
 */
function toPlainData(value: unknown): { ok: true; data: PlainData } | { ok: false; errors: VnfdError[] } {
  const errors: VnfdError[] = [];
  let values = 0;
  let chars = 0;

  const copy = (v: unknown, path: string, depth: number): PlainData | undefined => {
    if (++values > VNFD_LIMITS.maxValues) {
      throw new LimitExceeded({
        path: '',
        message: `the VNFD has more than ${VNFD_LIMITS.maxValues} values`,
      });
    }
    switch (typeof v) {
      case 'string':
        chars += v.length;
        if (chars > VNFD_LIMITS.maxBytes) throw new LimitExceeded(tooBig(chars));
        return v;
      case 'number':
      case 'boolean':
        return v;
      case 'object':
        break;
      default:
        errors.push({ path, message: `must be plain data (got ${describe(v)})` });
        return undefined;
    }
    if (v === null) return null;
    if (depth >= VNFD_LIMITS.maxDepth) {
      throw new LimitExceeded({ path, message: `nested deeper than ${VNFD_LIMITS.maxDepth} levels` });
    }
    if (Array.isArray(v)) {
      if (v.length > VNFD_LIMITS.maxListLength) {
        throw new LimitExceeded({
          path,
          message: `list of ${v.length} items; the limit is ${VNFD_LIMITS.maxListLength}`,
        });
      }
      const out: PlainData[] = [];
      for (let i = 0; i < v.length; i++) {
        const item = copy(v[i], at(path, i), depth + 1);
        if (item !== undefined) out.push(item);
      }
      return out;
    }
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      const name = (v as { constructor?: { name?: unknown } }).constructor?.name;
      errors.push({
        path,
        message: `must be plain data (got ${typeof name === 'string' && name ? `an instance of ${name}` : 'an object'})`,
      });
      return undefined;
    }
    const out: PlainMapping = {};
    for (const key of Object.keys(v)) {
      const raw = (v as Record<string, unknown>)[key];
      if (raw === undefined) continue;
      chars += key.length;
      const item = copy(raw, at(path, key), depth + 1);
      // defineProperty: a key named __proto__ stays a key.
      if (item !== undefined)
        Object.defineProperty(out, key, {
          value: item,
          enumerable: true,
          writable: true,
          configurable: true,
        });
    }
    return out;
  };

  try {
    const data = copy(value, '', 0);
    if (errors.length || data === undefined) return { ok: false, errors };
    return { ok: true, data };
  } catch (err) {
    if (err instanceof LimitExceeded) return { ok: false, errors: [err.error] };
    if (err instanceof RangeError)
      return { ok: false, errors: [{ path: '', message: 'the VNFD is nested too deeply' }] };
    throw err;
  }
}
