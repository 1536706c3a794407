/**
 * Zipkin's query API v2 (Zipkin server 2.x/3.x, port 9411): `GET /api/v2/trace/{id}` (404 = not
 * (yet) there), `GET /api/v2/traces?serviceName=&spanName=&endTs=&lookback=&limit=` (ms), and
 * `GET /api/v2/services`. Every answer is validated (zipkin-json.ts), read under a timeout and a size
 * cap (http-get.ts).
 */
import type { Trace } from '../model';
import type { FindQuery, TraceWindow } from './jaeger-v3';
import { BackendUnreachableError, getJson, joinUrl, unexpectedStatus, type JsonResponse } from './http-get';
import { parseZipkin, tracesFromZipkinSearch, tracesFromZipkinTrace, ZipkinFormatError } from './zipkin-json';
import { z } from 'zod';

export interface ZipkinQueryOptions {
  /** Zipkin's base URL including any base path, e.g. `http://127.0.0.1:9411`. */
  readonly baseUrl: string;
  /** Per-request timeout. @default 5000 ms */
  readonly timeoutMs?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** The most one answer may hold; past it the request fails (exit 2). @default 64 MiB */
  readonly maxResponseBytes?: number;
}

const servicesSchema = z.array(z.string());

/** Zipkin ids on the wire: a 128-bit id whose high half is zero is the 64-bit id (Zipkin stores it so). */
export function zipkinTraceId(traceId: string): string {
  return traceId.length === 32 && traceId.startsWith('0000000000000000') ? traceId.slice(16) : traceId;
}

export class ZipkinSource {
  readonly kind = 'zipkin' as const;
  constructor(private readonly opts: ZipkinQueryOptions) {}

  private get timeout(): number {
    return this.opts.timeoutMs ?? 5000;
  }

  private async get(path: string): Promise<{ url: string; res: JsonResponse }> {
    const url = joinUrl(this.opts.baseUrl, path);
    const res = await getJson(url, this.timeout, this.opts.headers, this.opts.maxResponseBytes);
    if (res.status === 200 && res.body === undefined)
      throw new ZipkinFormatError(
        `${url}: not a Zipkin API v2 answer: the body is not JSON: ${res.text.slice(0, 200).trim() || '(empty body)'}`,
      );
    return { url, res };
  }

  /** One trace by id; `undefined` while Zipkin does not have it (404, or an empty list). */
  async getTrace(traceId: string, _window?: TraceWindow): Promise<Trace | undefined> {
    // Zipkin's lookup by id takes no window: it reads whatever storage holds.
    void _window;
    const { url, res } = await this.get(`/api/v2/trace/${encodeURIComponent(zipkinTraceId(traceId))}`);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw unexpectedStatus(url, res.status, res.text);
    const traces = tracesFromZipkinTrace(res.body, url);
    return traces.find((t) => t.traceId === traceId) ?? traces[0];
  }

  async findTraces(q: FindQuery): Promise<Trace[]> {
    const endMs = Math.ceil(q.endUs / 1000);
    const params = new URLSearchParams({
      serviceName: q.service,
      endTs: String(endMs),
      lookback: String(Math.max(1, endMs - Math.floor(q.startUs / 1000))),
      limit: String(q.limit ?? 20),
    });
    if (q.operation) params.set('spanName', q.operation);
    const { url, res } = await this.get(`/api/v2/traces?${params}`);
    if (res.status !== 200) throw unexpectedStatus(url, res.status, res.text);
    return tracesFromZipkinSearch(res.body, url);
  }

  /** The service names Zipkin knows; `undefined` when the endpoint is not there (not a Zipkin API v2). */
  async services(): Promise<string[] | undefined> {
    const { url, res } = await this.get('/api/v2/services');
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw unexpectedStatus(url, res.status, res.text);
    return parseZipkin(servicesSchema, res.body, url);
  }
}

/** A Zipkin that answers `/api/v2/services`, or BackendUnreachableError saying what else it may be. */
export async function connectZipkin(opts: ZipkinQueryOptions): Promise<ZipkinSource> {
  const client = new ZipkinSource(opts);
  if ((await client.services()) !== undefined) return client;
  throw new BackendUnreachableError(
    opts.baseUrl,
    `${opts.baseUrl} is reachable but does not serve /api/v2/services: is it Zipkin's query port (9411), and does Zipkin run behind a base path (then add it to the URL)?`,
  );
}
