// Errors in Tacker's shape: {"TackerError": {"type", "message", "detail"}}.
// Handlers throw ApiError; anything else is unexpected and becomes a 500
// that carries the request id (the log line has the rest).
import type { z } from 'zod';

/** The type of every input validation error (Tacker's InvalidInput). */
export const INVALID_INPUT = 'InvalidInput';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly detail = '',
    /** Extra response headers (Allow, Retry-After). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export interface FieldProblem {
  path: string;
  message: string;
}

/** A 400 naming the field and the problem; `detail` lists every problem found. */
export function invalidInput(problems: FieldProblem[]): ApiError {
  const lines = problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message));
  const more =
    problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
  return new ApiError(
    400,
    INVALID_INPUT,
    `${lines[0] ?? 'invalid input'}${more}`,
    lines.slice(0, 50).join('\n'),
  );
}

export const notFound = (type: string, message: string) => new ApiError(404, type, message);
export const conflict = (type: string, message: string) => new ApiError(409, type, message);
export const forbidden = (message: string) => new ApiError(403, 'Forbidden', message);

/** `vnf.attributes.param_values` style paths, with [i] for list positions. */
export function joinPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return v;
}

/** One problem per zod issue; `input` (what was validated) lets a missing field read "is required". */
export function zodProblems(error: z.ZodError, input?: unknown): FieldProblem[] {
  return error.issues.map((issue) => {
    const missing =
      issue.path.length > 0 &&
      (issue.code === 'invalid_type' || issue.code === 'invalid_value') &&
      valueAt(input, issue.path) === undefined;
    const expected =
      issue.code === 'invalid_type'
        ? ` (${issue.expected})`
        : issue.code === 'invalid_value'
          ? ` (one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')})`
          : '';
    return { path: joinPath(issue.path), message: missing ? `is required${expected}` : issue.message };
  });
}

export function tackerErrorBody(type: string, message: string, detail = '') {
  return { TackerError: { type, message, detail } };
}
