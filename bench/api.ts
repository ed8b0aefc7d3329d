// The bench's client of vnfm's HTTP API (Tacker v1.0 shapes): register the
// static VIM, onboard VNFDs, create VNFs at bounded concurrency, delete and
// scale them. Every VNF the bench makes goes through here.
export interface ApiResponse {
  status: number;
  body: unknown;
  ms: number;
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly token: string,
  ) {}

  async request(method: string, path: string, body?: unknown): Promise<ApiResponse> {
    const t0 = performance.now();
    const res = await fetch(this.baseUrl + path, {
      method,
      headers: {
        'X-Auth-Token': this.token,
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(120_000),
    });
    const text = await res.text();
    const ms = performance.now() - t0;
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    return { status: res.status, body: parsed, ms };
  }

  private async expect(method: string, path: string, status: number, body?: unknown): Promise<ApiResponse> {
    const r = await this.request(method, path, body);
    if (r.status !== status) {
      throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body).slice(0, 400)}`);
    }
    return r;
  }

  async createStaticVim(name: string, allowedCidrs: string[]): Promise<string> {
    const r = await this.expect('POST', '/v1.0/vims', 201, {
      vim: { name, type: 'static', is_default: true, allowed_cidrs: allowedCidrs },
    });
    return (r.body as { vim: { id: string } }).vim.id;
  }

  async onboardVnfd(name: string, template: string): Promise<string> {
    const r = await this.expect('POST', '/v1.0/vnfds', 201, {
      vnfd: { name, attributes: { vnfd: template } },
    });
    return (r.body as { vnfd: { id: string } }).vnfd.id;
  }

  async createVnf(spec: VnfSpec): Promise<{ id: string; ms: number }> {
    const r = await this.expect('POST', '/v1.0/vnfs', 201, {
      vnf: {
        name: spec.name,
        vnfd_id: spec.vnfdId,
        vim_id: spec.vimId,
        attributes: { param_values: { mgmt_ips: { VDU1: spec.ips.length === 1 ? spec.ips[0] : spec.ips } } },
      },
    });
    return { id: (r.body as { vnf: { id: string } }).vnf.id, ms: r.ms };
  }

  async deleteVnf(id: string): Promise<ApiResponse> {
    return this.expect('DELETE', `/v1.0/vnfs/${id}`, 204);
  }

  async scaleOut(id: string, policy: string): Promise<ApiResponse> {
    return this.expect('POST', `/v1.0/vnfs/${id}/actions`, 201, { scale: { type: 'out', policy } });
  }
}

export interface VnfSpec {
  name: string;
  vnfdId: string;
  vimId: string;
  /** VDU1's management IPs: the first is the instance made at create, the rest wait for scale-out. */
  ips: string[];
}

export interface BulkResult {
  ids: string[];
  seconds: number;
  /** Requests per second over the whole run. */
  rate: number;
  latencyMs: number[];
}

/** POSTs every spec with at most `concurrency` requests in flight. */
export async function createMany(
  api: ApiClient,
  specs: VnfSpec[],
  concurrency: number,
  progress?: (done: number) => void,
): Promise<BulkResult> {
  const ids: string[] = new Array(specs.length);
  const latencyMs: number[] = [];
  let next = 0;
  let done = 0;
  const t0 = performance.now();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= specs.length) return;
      const r = await api.createVnf(specs[i]!);
      ids[i] = r.id;
      latencyMs.push(r.ms);
      if (++done % 500 === 0) progress?.(done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, specs.length) }, worker));
  const seconds = (performance.now() - t0) / 1000;
  return { ids, seconds, rate: specs.length / seconds, latencyMs };
}
