// A VNFD from a request body, through parseVnfd (the only YAML parser the
// API uses), with its problems reported under the body field it came from.
import { parseVnfd } from '../vnfd/parse.js';
import type { ParsedVnfd } from '../vnfd/types.js';
import { invalidInput } from './errors.js';
import { isStorableText, jsonProblem } from './schemas/common.js';

export function parseVnfdInput(input: string | object, field: string): { parsed: ParsedVnfd; yaml: string } {
  const r = parseVnfd(input);
  if (!r.ok) {
    throw invalidInput(
      r.errors.map((e) => ({
        path: !e.path ? field : e.path.startsWith('[') ? `${field}${e.path}` : `${field}.${e.path}`,
        message: e.message,
      })),
    );
  }
  // PostgreSQL can store neither NUL characters nor unpaired surrogates.
  if (!isStorableText(r.yaml) || jsonProblem(r.parsed)) {
    throw invalidInput([
      { path: field, message: 'must not contain NUL characters or unpaired UTF-16 surrogates' },
    ]);
  }
  return { parsed: r.parsed, yaml: r.yaml };
}
