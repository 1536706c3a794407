/**
 * Test helper: a Bookinfo-shaped trace (edge → productpage → {details, reviews → ratings}) with
 * a server span per hop and a client span per outgoing call, timed so that ratings is slow.
 */
import type { Span, Trace } from '../../src/verify/model';

export const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

let counter = 0;
function id(): string {
  counter += 1;
  return counter.toString(16).padStart(16, '0');
}

export function span(
  service: string,
  name: string,
  kind: Span['kind'],
  startMs: number,
  durationMs: number,
  parent?: Span,
  extra: Partial<Span> = {},
): Span {
  return {
    traceId: TRACE_ID,
    spanId: id(),
    parentSpanId: parent?.spanId,
    service,
    name,
    kind,
    startUs: 1_700_000_000_000_000 + startMs * 1000,
    durationUs: durationMs * 1000,
    attributes: { 'http.request.method': 'GET' },
    resource: { 'service.name': service },
    events: [],
    status: { code: 'unset' },
    ...extra,
  };
}

/** ratings takes 120 ms of a ~140 ms request; details is fast and runs in parallel. */
export function bookinfoTrace(options: { ratingsError?: boolean } = {}): Trace {
  const edge = span('edge', 'GET /', 'server', 0, 140);
  const edgeOut = span('edge', 'GET productpage', 'client', 1, 138, edge);
  const pp = span('productpage', 'GET /', 'server', 2, 136, edgeOut);
  const ppDetails = span('productpage', 'GET details', 'client', 3, 10, pp);
  const details = span('details', 'GET /', 'server', 4, 8, ppDetails);
  const ppReviews = span('productpage', 'GET reviews', 'client', 3, 133, pp);
  const reviews = span('reviews', 'GET /', 'server', 4, 131, ppReviews);
  const reviewsOut = span('reviews', 'GET ratings', 'client', 6, 127, reviews);
  const ratings = span(
    'ratings',
    'GET /',
    'server',
    8,
    122,
    reviewsOut,
    options.ratingsError ? { status: { code: 'error', message: 'HTTP 500' } } : {},
  );
  return { traceId: TRACE_ID, spans: [ratings, edge, pp, details, ppDetails, edgeOut, ppReviews, reviews, reviewsOut] };
}
