// The `http_ping` driver: GET http://<ip>:<port><path>, healthy on 2xx/3xx
// (redirects are not followed), like a Kubernetes httpGet probe. Thousands run
// at once on a monitor worker, so every request uses its own connection
// (no keep-alive pool to grow), reads at most a small body and always
// destroys its socket.
import http from 'node:http';
import type { MonitoringPolicy } from '../monitoring/policy.js';
import {
  failed,
  formatSeconds,
  isProbeAddress,
  probeFault,
  type ProbeDriver,
  type ProbeResult,
} from './driver.js';

const LOCAL_ERRORS = new Set(['EMFILE', 'ENFILE', 'ENOMEM', 'ENOBUFS']);

/** Body bytes read before the response is cut off (Kubernetes reads 10 KiB). */
export const MAX_BODY_BYTES = 10 * 1024;

const USER_AGENT = 'vnfm-http-ping/1';

/** "connect ECONNREFUSED", "read ECONNRESET", or the message for errors without a code. */
function describe(err: NodeJS.ErrnoException): string {
  if (err.code?.startsWith('HPE_')) return `invalid HTTP response (${err.code})`;
  if (err.syscall && err.code) return `${err.syscall} ${err.code}`;
  return err.code ?? err.message;
}

export class HttpPingDriver implements ProbeDriver {
  probe(ip: string, policy: MonitoringPolicy, signal?: AbortSignal): Promise<ProbeResult> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (policy.driver !== 'http_ping')
      return Promise.resolve(probeFault(`http_ping driver given a ${policy.driver} policy`));
    if (!isProbeAddress(ip)) return Promise.resolve(probeFault(`invalid address ${JSON.stringify(ip)}`));
    const { port, path, timeout } = policy.parameters;

    return new Promise<ProbeResult>((resolve, reject) => {
      const started = performance.now();
      let settled = false;
      let req: http.ClientRequest | undefined;
      const end = (r: ProbeResult | { abort: unknown }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        req?.destroy();
        if ('abort' in r) reject(r.abort);
        else resolve(r);
      };
      const onAbort = () => end({ abort: signal?.reason });
      // One deadline for the whole exchange: connect, headers and the bounded body.
      const timer = setTimeout(
        () => end(failed(`timeout after ${formatSeconds(timeout)} s`)),
        timeout * 1000,
      );
      signal?.addEventListener('abort', onAbort, { once: true });

      try {
        req = http.request({
          host: ip, // a literal address: no DNS lookup (IPv6 gets its [brackets] in Host from Node)
          port,
          path,
          method: 'GET',
          agent: false, // a fresh connection, closed after the response
          headers: { 'User-Agent': USER_AGENT, Accept: '*/*', Connection: 'close' },
        });
      } catch (err) {
        // e.g. a path Node refuses to send
        end(probeFault(`request not sent: ${(err as Error).message}`));
        return;
      }
      // Out of sockets or memory here is this process's trouble, not the target's.
      req.on('error', (err) =>
        end(
          LOCAL_ERRORS.has((err as NodeJS.ErrnoException).code ?? '')
            ? probeFault(describe(err))
            : failed(describe(err)),
        ),
      );
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        const latencyMs = Math.round((performance.now() - started) * 1000) / 1000;
        const result: ProbeResult =
          status >= 200 && status < 400
            ? { ok: true, latencyMs }
            : { ok: false, latencyMs, error: `HTTP ${status}` };
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read >= MAX_BODY_BYTES) end(result); // enough: cut the rest off
        });
        res.on('end', () => end(result));
        res.on('error', (err) => end(failed(`reading the response: ${describe(err)}`)));
        res.on('close', () => end(failed('connection closed before the response ended')));
      });
      req.end();
    });
  }
}
