/**
 * A tiny stand-in for a Bookinfo app behind its sidecar: it answers every request and, first, calls
 * each of its upstreams (its sidecar's outbound listeners) in order, copying the request headers
 * Bookinfo's apps copy (productpage.py / LibertyRestEndpoint.java: x-request-id, W3C, B3 multi,
 * x-ot-span-context, …). It exports no spans, like Bookinfo's apps: every span comes from Envoy.
 * Runs in the caller's process (node:http); loopback only.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { request } from 'undici';

/** Headers Bookinfo's productpage and reviews forward (shared/notes/istio.md §3). */
export const BOOKINFO_FORWARDED_HEADERS = [
  'x-request-id',
  'traceparent',
  'tracestate',
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-parentspanid',
  'x-b3-sampled',
  'x-b3-flags',
  'x-ot-span-context',
  'x-datadog-trace-id',
  'x-datadog-parent-id',
  'x-datadog-sampling-priority',
  'x-cloud-trace-context',
  'grpc-trace-bin',
  'sw8',
  'user-agent',
  'end-user',
] as const;

export interface BookinfoAppOptions {
  readonly name: string;
  readonly host?: string;
  /** @default 0 (any free port) */
  readonly port?: number;
  /** Base URLs called for every request, one after the other (Bookinfo's productpage: details, then reviews). */
  readonly upstreams?: readonly string[];
  /** Per-upstream-call timeout. @default 10000 */
  readonly timeoutMs?: number;
}

export interface BookinfoApp {
  readonly name: string;
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** The headers to copy onto an upstream call (first value of each). */
export function forwardedHeaders(incoming: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of BOOKINFO_FORWARDED_HEADERS) {
    const v = incoming[name];
    const first = Array.isArray(v) ? v[0] : v;
    if (typeof first === 'string' && first !== '') out[name] = first;
  }
  return out;
}

export async function startBookinfoApp(options: BookinfoAppOptions): Promise<BookinfoApp> {
  const upstreams = options.upstreams ?? [];
  const timeoutMs = options.timeoutMs ?? 10_000;
  const server: Server = createServer((req, res) => {
    req.resume();
    const headers = forwardedHeaders(req.headers);
    const path = req.url ?? '/';
    void (async () => {
      const calls: { upstream: string; status: number | string }[] = [];
      for (const base of upstreams) {
        try {
          const r = await request(new URL(path, base), { method: 'GET', headers, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
          await r.body.dump();
          calls.push({ upstream: base, status: r.statusCode });
        } catch (err) {
          calls.push({ upstream: base, status: (err as Error).message });
        }
      }
      // Like productpage, a failed dependency is shown on the page, not turned into an error of its own.
      const body = JSON.stringify({ app: options.name, calls });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    name: options.name,
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
