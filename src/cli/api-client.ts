// The CLI's client of the HTTP API: sends the token, unwraps TackerErrors into
// one-line CliErrors with the exit code of their status, and follows
// `*_links` next pages.
import { CliError, exitCodeFor } from './errors.js';

type Json = Record<string, unknown>;

export class ApiClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string | undefined,
  ) {}

  async request<T = Json>(method: string, path: string, body?: unknown): Promise<T> {
    if (!this.token) {
      throw new CliError(
        'VNFM_TOKEN is not set: create a token with `vnfm token create --tenant <name>` and export it',
      );
    }
    const url = new URL(path, this.baseUrl);
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          'X-Auth-Token': this.token,
          Accept: 'application/json',
          ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(
        `cannot reach the API at ${this.baseUrl} (${cause?.code ?? cause?.message ?? (err as Error).message}): is it running? set VNFM_API_URL`,
      );
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      const e = (parsed as { TackerError?: { type?: string; message?: string } } | undefined)?.TackerError;
      const message = e?.message
        ? `${e.message}${e.type ? ` (${e.type})` : ''}`
        : `HTTP ${res.status} from ${method} ${url.pathname}`;
      throw new CliError(message, exitCodeFor(res.status));
    }
    return parsed as T;
  }

  /** Every item of a list, following next links; at most `max` when given. */
  async list<T = Json>(
    path: string,
    collection: string,
    query: Record<string, string | undefined>,
    max?: number,
  ): Promise<T[]> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, v);
    params.set('limit', String(Math.min(max ?? 1000, 1000)));
    const items: T[] = [];
    let next: string | undefined = `${path}?${params}`;
    while (next && (max === undefined || items.length < max)) {
      const page: Json = await this.request<Json>('GET', next);
      items.push(...((page[collection] as T[]) ?? []));
      const link = (page[`${collection}_links`] as { rel: string; href: string }[] | undefined)?.find(
        (l) => l.rel === 'next',
      );
      // Follow the path and query only: the API may know itself under another host name.
      next = link ? new URL(link.href).pathname + new URL(link.href).search : undefined;
    }
    return max === undefined ? items : items.slice(0, max);
  }
}
