/**
 * Builds traces for tests: real-shaped spans (ids, kinds, µs times, attributes) without a backend.
 * Ids are deterministic per builder so failures are reproducible.
 */
import type { AttributeValue, Span, SpanKind, Trace } from '../../../src/verify/model';
import { encodeOtlpJson } from '../../../src/verify/sources/otlp-json-encode';

export const T0_US = 1_763_700_000_000_000;

export class TraceBuilder {
  readonly spans: Span[] = [];
  private next = 1;
  constructor(
    readonly traceId: string = '4bf92f3577b34da6a3ce929d0e0e4736',
    private readonly base = 0x100,
  ) {}

  add(
    service: string,
    name: string,
    kind: SpanKind,
    startMs: number,
    durationMs: number,
    parent?: Span | string,
    attributes: Record<string, AttributeValue> = {},
    extra: Partial<Span> = {},
  ): Span {
    const spanId = (this.base + this.next++).toString(16).padStart(16, '0');
    const parentSpanId = typeof parent === 'string' ? parent : parent?.spanId;
    const span: Span = {
      traceId: this.traceId,
      spanId,
      ...(parentSpanId ? { parentSpanId } : {}),
      service,
      name,
      kind,
      startUs: T0_US + startMs * 1000,
      durationUs: durationMs * 1000,
      attributes,
      resource: { 'service.name': service },
      events: [],
      status: { code: 'unset' },
      ...extra,
    };
    this.spans.push(span);
    return span;
  }

  build(): Trace {
    return { traceId: this.traceId, spans: [...this.spans] };
  }
}

export interface BookinfoOptions {
  readonly traceId?: string;
  /** reviews v2/v3 call ratings (9 spans); v1 does not (7 spans). @default true */
  readonly ratings?: boolean;
}

/** The Bookinfo trace of shared/notes/istio.md §4, as Istio 1.30 + OTel → Jaeger would record it. */
export function bookinfo(
  b: TraceBuilder = new TraceBuilder(),
  opts: BookinfoOptions = {},
): { builder: TraceBuilder; spans: Record<string, Span> } {
  const gw = 'istio-ingressgateway.istio-system';
  const ok = { 'http.status_code': 200 };
  const gateway = b.add(gw, 'productpage.default.svc.cluster.local:9080/productpage', 'server', 0, 120, undefined, {
    ...ok,
    'http.method': 'GET',
  });
  const upstream = b.add(gw, 'router outbound|9080||productpage.default.svc.cluster.local; egress', 'client', 1, 118, gateway, ok);
  const productpage = b.add(
    'productpage.default',
    'productpage.default.svc.cluster.local:9080/productpage',
    'server',
    2,
    115,
    upstream,
    ok,
  );
  const toDetails = b.add('productpage.default', 'details.default.svc.cluster.local:9080/*', 'client', 5, 20, productpage, ok);
  const details = b.add('details.default', 'details.default.svc.cluster.local:9080/*', 'server', 6, 18, toDetails, ok);
  const toReviews = b.add('productpage.default', 'reviews.default.svc.cluster.local:9080/*', 'client', 30, 80, productpage, ok);
  const reviews = b.add('reviews.default', 'reviews.default.svc.cluster.local:9080/*', 'server', 31, 78, toReviews, ok);
  const spans: Record<string, Span> = { gateway, upstream, productpage, toDetails, details, toReviews, reviews };
  if (opts.ratings ?? true) {
    spans.toRatings = b.add('reviews.default', 'ratings.default.svc.cluster.local:9080/*', 'client', 40, 60, reviews, ok);
    spans.ratings = b.add('ratings.default', 'ratings.default.svc.cluster.local:9080/*', 'server', 41, 58, spans.toRatings, ok);
  }
  return { builder: b, spans };
}

/** OTLP/JSON `TracesData` for traces (how Jaeger /api/v3 and OTLP/JSON exporters write them). */
export function toOtlpJson(traces: readonly Trace[]): { resourceSpans: unknown[] } {
  return encodeOtlpJson(
    traces.flatMap((t) => t.spans),
    'test',
  );
}
