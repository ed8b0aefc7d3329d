// Exit codes scripts can rely on, and the error that carries one. Errors are
// printed as one line on stderr.

export const EXIT = {
  OK: 0,
  /** An error from the server, a usage error, or anything else. */
  ERROR: 1,
  NOT_FOUND: 2,
  CONFLICT: 3,
  /** `vnfm vnf wait` gave up. */
  TIMEOUT: 4,
} as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.ERROR,
  ) {
    super(message);
  }
}

/** The exit code for an HTTP status the API answered with. */
export function exitCodeFor(status: number): number {
  if (status === 404) return EXIT.NOT_FOUND;
  if (status === 409) return EXIT.CONFLICT;
  return EXIT.ERROR;
}
