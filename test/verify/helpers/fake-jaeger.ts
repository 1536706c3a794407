/**
 * A Jaeger-query-shaped HTTP server on loopback for source tests: serves recorded responses
 * (the fixtures under shared/reference) on the real paths, under an optional base path, with
 * Jaeger's 404 bodies, and can hold a trace back for the first N lookups ("not yet").
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StoredTrace {
  /** `{"result": …}` body for /api/v3/traces/{id}. */
  readonly v3?: unknown;
  /** `{"data": […]}` body for /api/traces/{id}. */
  readonly legacy?: unknown;
  /** Services searches find it under. */
  readonly services?: readonly string[];
  /** Lookups answered 404 before the trace "arrives". */
  readonly hiddenFor?: number;
}

export interface FakeJaeger {
  readonly url: string;
  readonly requests: string[];
  put(traceId: string, t: StoredTrace): void;
  close(): Promise<void>;
}

const pad = (id: string) => id.toLowerCase().padStart(32, '0');

export async function startFakeJaeger(
  opts: { basePath?: string; v3?: boolean; legacy?: boolean; services?: string[] } = {},
): Promise<FakeJaeger> {
  const base = opts.basePath ?? '';
  const traces = new Map<string, StoredTrace & { lookups: number }>();
  const requests: string[] = [];
  const send = (res: import('node:http').ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const handler = (req: IncomingMessage, res: import('node:http').ServerResponse) => {
    requests.push(req.url ?? '');
    const url = new URL(req.url ?? '/', 'http://x');
    if (!url.pathname.startsWith(`${base}/api/`)) return send(res, 404, { error: 'not found' });
    const path = url.pathname.slice(base.length);
    const v3 = opts.v3 ?? true;
    const legacy = opts.legacy ?? true;
    const services = opts.services ?? [...new Set([...traces.values()].flatMap((t) => t.services ?? []))];
    let m: RegExpExecArray | null;
    if (v3 && path === '/api/v3/services') return send(res, 200, { services });
    if (legacy && path === '/api/services')
      return send(res, 200, { data: services, total: services.length, limit: 0, offset: 0, errors: null });
    if (v3 && (m = /^\/api\/v3\/traces\/([0-9a-f]+)$/.exec(path))) {
      const t = traces.get(pad(m[1]!));
      if (t && t.lookups++ >= (t.hiddenFor ?? 0) && t.v3) return send(res, 200, t.v3);
      return send(res, 404, { error: { httpCode: 404, message: 'No traces found' } });
    }
    if (v3 && path === '/api/v3/traces') {
      if (!url.searchParams.get('query.start_time_min') || !url.searchParams.get('query.start_time_max')) {
        return send(res, 400, { error: { httpCode: 400, message: 'start time min and max are required parameters' } });
      }
      const service = url.searchParams.get('query.service_name');
      const found = [...traces.values()].filter((t) => t.v3 && t.lookups >= (t.hiddenFor ?? 0) && t.services?.includes(service ?? ''));
      if (!found.length) return send(res, 404, { error: { httpCode: 404, message: 'No traces found' } });
      const resourceSpans = found.flatMap((t) => (t.v3 as { result: { resourceSpans: unknown[] } }).result.resourceSpans);
      return send(res, 200, { result: { resourceSpans } });
    }
    if (legacy && (m = /^\/api\/traces\/([0-9a-f]+)$/.exec(path))) {
      const t = traces.get(pad(m[1]!));
      if (t && t.lookups++ >= (t.hiddenFor ?? 0) && t.legacy) return send(res, 200, t.legacy);
      return send(res, 404, { data: null, total: 0, limit: 0, offset: 0, errors: [{ code: 404, msg: 'trace not found' }] });
    }
    return send(res, 404, { error: 'not found' });
  };
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${base}`,
    requests,
    put: (id, t) => traces.set(pad(id), { ...t, lookups: 0 }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
