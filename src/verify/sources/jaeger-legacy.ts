/**
 * Jaeger's internal UI API: `GET /api/traces/{id}` (kept in every 2.x, also on main after the
 * v1 search endpoints were removed) and, on versions that still have it, `GET /api/traces?service=`
 * search (µs window). Body: `{"data": [trace…], "errors": …}`; 404 = not (yet) there.
 */
import type { Trace } from '../model';
import { tracesFromJaegerJson } from './jaeger-legacy-json';
import { getJson, joinUrl, unexpectedStatus } from './http-get';
import type { FindQuery, JaegerQueryOptions, TraceWindow } from './jaeger-v3';
import { legacyServicesResponse, legacyTracesResponse, parseJaegerResponse } from './jaeger-responses';

export class JaegerLegacySource {
  readonly kind = 'legacy' as const;
  constructor(private readonly opts: JaegerQueryOptions) {}

  private get timeout(): number {
    return this.opts.timeoutMs ?? 5000;
  }

  async getTrace(traceId: string, _window?: TraceWindow): Promise<Trace | undefined> {
    void _window;
    const url = joinUrl(this.opts.baseUrl, `/api/traces/${traceId}`);
    const res = await getJson(url, this.timeout, this.opts.headers, this.opts.maxResponseBytes);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw unexpectedStatus(url, res.status, res.text);
    const answer = parseJaegerResponse(legacyTracesResponse, res.body, res.text, url, 'UI API traces');
    if (answer.errors?.some((e) => e.code === 404)) return undefined;
    const traces = tracesFromJaegerJson(answer);
    return traces.find((t) => t.traceId === traceId) ?? traces[0];
  }

  async findTraces(q: FindQuery): Promise<Trace[]> {
    const params = new URLSearchParams({
      service: q.service,
      start: String(Math.floor(q.startUs)),
      end: String(Math.ceil(q.endUs)),
      limit: String(q.limit ?? 20),
    });
    if (q.operation) params.set('operation', q.operation);
    const url = joinUrl(this.opts.baseUrl, `/api/traces?${params}`);
    const res = await getJson(url, this.timeout, this.opts.headers, this.opts.maxResponseBytes);
    // Removed in Jaeger main (2026-08): no search there, only lookups by id.
    if (res.status === 404) return [];
    if (res.status !== 200) throw unexpectedStatus(url, res.status, res.text);
    return tracesFromJaegerJson(parseJaegerResponse(legacyTracesResponse, res.body, res.text, url, 'UI API traces'));
  }

  async services(): Promise<string[] | undefined> {
    const url = joinUrl(this.opts.baseUrl, '/api/services');
    const res = await getJson(url, this.timeout, this.opts.headers, this.opts.maxResponseBytes);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw unexpectedStatus(url, res.status, res.text);
    return parseJaegerResponse(legacyServicesResponse, res.body, res.text, url, 'UI API services').data ?? [];
  }
}
