/**
 * Jaeger's stable query API (`/api/v3`, Jaeger v2): `GET /api/v3/traces/{id}` and
 * `GET /api/v3/traces?query.*`, OTLP/JSON inside `{"result": …}`; 404 = not (yet) there.
 * Query parameters use the snake_case names every 2.x accepts (camelCase only since 2.19).
 */
import type { Trace } from '../model';
import { groupTraces, spansFromOtlp } from './otlp';
import { getJson, joinUrl, unexpectedStatus, type JsonResponse } from './http-get';
import { parseJaegerResponse, v3ServicesResponse, v3TracesResponse } from './jaeger-responses';

export interface JaegerQueryOptions {
  /** Query base URL including any base path, e.g. `http://127.0.0.1:16686/jaeger`. */
  readonly baseUrl: string;
  /** Per-request timeout. @default 5000 ms */
  readonly timeoutMs?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** The most one answer may hold; past it the request fails (exit 2). @default 64 MiB */
  readonly maxResponseBytes?: number;
}

export interface TraceWindow {
  /** Epoch µs. */
  readonly startUs: number;
  readonly endUs: number;
}

export interface FindQuery extends TraceWindow {
  readonly service: string;
  readonly operation?: string;
  /** @default 20 */
  readonly limit?: number;
}

/** The `{"result": TracesData}` envelope (or bare TracesData) → traces (pure, lenient: files and benchmarks). */
export function tracesFromV3(doc: unknown): Trace[] {
  const envelope = doc as { result?: unknown } | null | undefined;
  return groupTraces(spansFromOtlp(envelope?.result ?? doc));
}

/** A 200 answer of `/api/v3/traces…` → traces; JaegerResponseError when it is not that API's shape. */
function tracesOfAnswer(res: JsonResponse, url: string): Trace[] {
  return groupTraces(spansFromOtlp(parseJaegerResponse(v3TracesResponse, res.body, res.text, url, 'API v3 traces').result));
}

function rfc3339(us: number): string {
  return new Date(Math.floor(us / 1000)).toISOString();
}

export class JaegerV3Source {
  readonly kind = 'v3' as const;
  constructor(private readonly opts: JaegerQueryOptions) {}

  private get timeout(): number {
    return this.opts.timeoutMs ?? 5000;
  }

  /** One trace by id; `undefined` while Jaeger does not have it (404). */
  async getTrace(traceId: string, _window?: TraceWindow): Promise<Trace | undefined> {
    // No time window on lookups by id: it is optional, and its parameter spelling changed across 2.x.
    void _window;
    const url = joinUrl(this.opts.baseUrl, `/api/v3/traces/${traceId}`);
    const res = await getJson(url, this.timeout, this.opts.headers, this.opts.maxResponseBytes);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw unexpectedStatus(url, res.status, res.text);
    const traces = tracesOfAnswer(res, url);
    return traces.find((t) => t.traceId === traceId) ?? traces[0];
  }

  async findTraces(q: FindQuery): Promise<Trace[]> {
    const params = new URLSearchParams({
      'query.service_name': q.service,
      'query.start_time_min': rfc3339(q.startUs),
      'query.start_time_max': rfc3339(q.endUs),
      'query.num_traces': String(q.limit ?? 20),
    });
    if (q.operation) params.set('query.operation_name', q.operation);
    const url = joinUrl(this.opts.baseUrl, `/api/v3/traces?${params}`);
    const res = await getJson(url, this.timeout, this.opts.headers, this.opts.maxResponseBytes);
    if (res.status === 404) return [];
    if (res.status !== 200) throw unexpectedStatus(url, res.status, res.text);
    return tracesOfAnswer(res, url);
  }

  /** `undefined` when the endpoint is not there (a v1-only query service). */
  async services(): Promise<string[] | undefined> {
    const url = joinUrl(this.opts.baseUrl, '/api/v3/services');
    const res = await getJson(url, this.timeout, this.opts.headers, this.opts.maxResponseBytes);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw unexpectedStatus(url, res.status, res.text);
    return parseJaegerResponse(v3ServicesResponse, res.body, res.text, url, 'API v3 services').services ?? [];
  }
}
