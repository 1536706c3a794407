import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/paths';
import { parseSpec } from '../../src/verify/spec';
import { verifyTraces } from '../../src/verify/verify-traces';
import { diagnose } from '../../src/verify/diagnosis';
import type { AttributeValue, Span, Trace } from '../../src/verify/model';
import { bookinfo, TraceBuilder } from './helpers/trace-builder';

const bookinfoSpec = parseSpec(readFileSync(join(REPO_ROOT, 'samples/expectations/bookinfo.yaml'), 'utf8'), 'bookinfo.yaml');

/** The Bookinfo trace with the reviews server span moved into a new trace (context lost at productpage → reviews). */
function splitAtReviews(
  reviewsAttributes: Record<string, string> = {},
  fragmentTraceId = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
): { main: Trace; fragment: Trace; client: Span } {
  const b = new TraceBuilder();
  const { spans } = bookinfo(b, { ratings: false });
  const main = { traceId: b.traceId, spans: b.spans.filter((s) => s !== spans.reviews) };
  const frag = new TraceBuilder(fragmentTraceId, 0x900);
  frag.add('reviews.default', 'reviews.default.svc.cluster.local:9080/*', 'server', 31, 78, undefined, reviewsAttributes);
  return { main, fragment: frag.build(), client: spans.toReviews! };
}

describe('diagnosis', () => {
  test('a correct Bookinfo trace passes with no diagnosis at all', () => {
    // GIVEN the expected 9-span trace WHEN verified against the shipped spec
    const trace = bookinfo().builder.build();
    const result = verifyTraces(bookinfoSpec, [trace], { traceIds: [trace.traceId] });
    // THEN every assertion holds and nothing is diagnosed
    expect(result.assertions.filter((a) => !a.passed)).toEqual([]);
    expect(result.traces[0]!.assertions.filter((a) => !a.passed)).toEqual([]);
    expect(result.passed).toBe(true);
    expect(result.diagnoses).toEqual([]);
  });

  test('a correct trace surrounded by other complete requests gives no false split diagnosis', () => {
    const traces = [0, 1, 2].map((i) => bookinfo(new TraceBuilder(`${i}`.repeat(32), 0x100 * (i + 1))).builder.build());
    const result = verifyTraces(bookinfoSpec, traces);
    expect(result.passed).toBe(true);
    expect(result.traces).toHaveLength(3);
    expect(result.diagnoses).toEqual([]);
  });

  test('no trace: nothing arrived at all → collector-unreachable, naming the receiver', () => {
    const result = verifyTraces(bookinfoSpec, [], {
      traceIds: ['0af7651916cd43dd8448eb211c80319c'],
      driver: { sampled: true, formats: ['w3c'], requests: 1 },
      backend: { kind: 'otlp-receiver', url: 'http://127.0.0.1:4318/v1/traces', spansReceived: 0 },
    });
    expect(result.passed).toBe(false);
    expect(result.diagnoses).toHaveLength(1);
    expect(result.diagnoses[0]).toMatchObject({
      kind: 'no-trace',
      cause: 'collector-unreachable',
      traceId: '0af7651916cd43dd8448eb211c80319c',
    });
    expect(result.diagnoses[0]!.title).toContain('http://127.0.0.1:4318/v1/traces');
  });

  test('no trace: the driver sent sampled=0 → not-sampled', () => {
    const result = verifyTraces(bookinfoSpec, [], {
      traceIds: ['0af7651916cd43dd8448eb211c80319c'],
      driver: { sampled: false, formats: ['w3c'], requests: 1 },
    });
    expect(result.diagnoses.map((d) => [d.kind, d.cause])).toEqual([['no-trace', 'not-sampled']]);
  });

  test('no trace: spans exist but from other service names → wrong-service-names listing both sides', () => {
    const b = new TraceBuilder('bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb');
    b.add('productpage-v1', 'GET /productpage', 'server', 0, 10);
    b.add('istio-ingress', 'ingress', 'server', 0, 10);
    const result = verifyTraces(bookinfoSpec, [b.build()], {
      traceIds: ['0af7651916cd43dd8448eb211c80319c'],
      backend: { kind: 'jaeger', url: 'http://jaeger:16686' },
    });
    const d = result.diagnoses.find((x) => x.kind === 'no-trace')!;
    expect(d.cause).toBe('wrong-service-names');
    expect(d.evidence.join('\n')).toMatch(/spec expects services .*istio-ingress\(gateway\)/);
    expect(d.evidence.join('\n')).toContain('istio-ingress, productpage-v1');
    // the title says what arrived (never "no trace found" beside "1 trace(s) seen"), and the hint is Istio's
    expect(d.title).toBe(
      "no trace matches the spec: 1 trace(s) with 2 span(s) arrived, but none from the spec's services at http://jaeger:16686",
    );
    expect(d.hint).toContain('the spec expects Istio-style names <app>.<namespace>');
  });

  test('no trace on a non-Istio trace against a non-Istio spec: no Istio naming hint', () => {
    const b = new TraceBuilder('dddddddddddddddddddddddddddddddd');
    b.add('frontend', 'GET /dispatch', 'server', 0, 10);
    const spec = parseSpec('name: t\nspans:\n  api: {service: orders, kind: server}\n');
    const d = verifyTraces(spec, [b.build()], {}).diagnoses.find((x) => x.kind === 'no-trace')!;
    expect(d.cause).toBe('wrong-service-names');
    expect(d.hint).not.toMatch(/Istio/);
    expect(d.hint).toContain('service.name (OTEL_SERVICE_NAME');
  });

  test('no trace: expected services have spans, but not in the driven trace → context-not-joined', () => {
    const other = bookinfo(new TraceBuilder('cccccccccccccccccccccccccccccccc')).builder.build();
    const result = verifyTraces(bookinfoSpec, [other], { traceIds: ['0af7651916cd43dd8448eb211c80319c'] });
    expect(result.diagnoses.map((d) => [d.kind, d.cause])).toEqual([['no-trace', 'context-not-joined']]);
    expect(result.diagnoses[0]!.hint).toContain("it does not read the driver's trace headers");
    // With a driver, the hint names what it sent
    const driven = verifyTraces(bookinfoSpec, [other], {
      traceIds: ['0af7651916cd43dd8448eb211c80319c'],
      driver: { sampled: true, formats: ['w3c', 'envoy'], requests: 1 },
    });
    expect(driven.diagnoses.map((d) => [d.cause, d.hint])).toEqual([
      ['context-not-joined', expect.stringContaining('it does not read the w3c, envoy headers the driver sent (a tracer reading only B3')],
    ]);
  });

  test('split trace: names the hop productpage → reviews, the client span and the new root', () => {
    // GIVEN reviews started a new trace while productpage's client span has no child
    const { main, fragment, client } = splitAtReviews();
    // WHEN verified with the fragment in the pool
    const result = verifyTraces(bookinfoSpec, [main, fragment], { traceIds: [main.traceId] });
    // THEN the spec fails (single trace, reviews missing) and the diagnosis names the hop
    expect(result.passed).toBe(false);
    const single = result.assertions.find((a) => a.text.startsWith('singleTrace'))!;
    expect(single.passed).toBe(false);
    // nothing was driven (trace ids given): the rule speaks of the judged trace, not of requests
    expect(single.text).toBe('singleTrace: the judged trace is one trace');
    expect(single.detail).toMatch(/^1 separate trace\(s\) began while the judged trace ran: /);
    const driven = verifyTraces(bookinfoSpec, [main, fragment], { traceIds: [main.traceId], requests: 1 }).assertions.find((a) =>
      a.text.startsWith('singleTrace'),
    )!;
    expect(driven.detail).toMatch(/began during the requests/);
    expect(result.diagnoses).toHaveLength(1);
    const d = result.diagnoses[0]!;
    expect(d.kind).toBe('split-trace');
    expect(d.title).toBe('productpage.default → reviews.default lost context; check header propagation');
    expect(d.hop).toEqual({ from: 'productpage.default', to: 'reviews.default' });
    expect(d.spanIds).toEqual([client.spanId, fragment.spans[0]!.spanId]);
    expect(d.evidence.join('\n')).toContain(fragment.traceId);
  });

  test('the same broken hop in several driven traces is one diagnosis that counts the traces', () => {
    const one = splitAtReviews({}, 'a'.repeat(32));
    const b2 = new TraceBuilder('b'.repeat(32), 0x500);
    const { spans } = bookinfo(b2, { ratings: false });
    const two = { traceId: b2.traceId, spans: b2.spans.filter((s) => s !== spans.reviews) };
    const frag2 = new TraceBuilder('c'.repeat(32), 0x990);
    frag2.add('reviews.default', 'reviews.default.svc.cluster.local:9080/*', 'server', 31, 78);
    const result = verifyTraces(bookinfoSpec, [one.main, one.fragment, two, frag2.build()], { traceIds: [one.main.traceId, two.traceId] });
    expect(result.diagnoses).toHaveLength(1);
    expect(result.diagnoses[0]!.evidence.at(-1)).toBe(`the same in 2 traces: ${one.main.traceId}, ${two.traceId}`);
  });

  test('a leaf client span with no new root nearby (a database call) is not called a split', () => {
    const b = new TraceBuilder();
    const s = b.add('customer', 'GET /customer', 'server', 0, 300);
    b.add('mysql', 'SQL SELECT', 'client', 1, 290, s);
    const far = new TraceBuilder('dddddddddddddddddddddddddddddddd');
    far.add('route', 'GET /route', 'server', 5000, 50);
    expect(diagnose({ spec: bookinfoSpec, subjects: [b.build()], pool: [b.build(), far.build()] })).toEqual([]);
  });

  test('the entry span whose parent is the untraced caller (curl, the driver) is the root, not an orphan', () => {
    const b = new TraceBuilder();
    bookinfo(b);
    const spans = b.spans.map((s, i) => (i === 0 ? { ...s, parentSpanId: '00f067aa0ba902b7' } : s));
    const result = verifyTraces(bookinfoSpec, [{ traceId: b.traceId, spans }], { traceIds: [b.traceId] });
    expect(result.passed).toBe(true);
    expect(result.diagnoses).toEqual([]);
  });

  test('orphans: a span whose parent never arrived is named with the missing parent id', () => {
    const b = new TraceBuilder();
    const { spans } = bookinfo(b);
    const trace = { traceId: b.traceId, spans: b.spans.filter((s) => s !== spans.toDetails) };
    const result = verifyTraces(bookinfoSpec, [trace], { traceIds: [trace.traceId] });
    const d = result.diagnoses.find((x) => x.kind === 'orphan-spans')!;
    expect(d.title).toContain('1 orphan span(s) at details.default');
    expect(d.evidence[0]).toContain(`parent ${spans.toDetails!.spanId} was never reported`);
    expect(result.traces[0]!.assertions.find((a) => a.text.startsWith('noOrphans'))!.passed).toBe(false);
    expect(result.diagnoses.map((x) => x.kind)).toEqual(['orphan-spans']);
  });

  test('format mismatch: the hop received B3 and sent W3C only, and the downstream started a new trace', () => {
    const b = new TraceBuilder();
    const gw = b.add('edge', 'GET /', 'server', 0, 100, undefined, { 'meshtrace.propagation.extracted': 'w3c' });
    const hopIn = b.add('relay-a', 'GET', 'server', 2, 95, gw, {
      'http.request.header.b3': '4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1',
    });
    b.add('relay-a', 'GET', 'client', 3, 90, hopIn, {
      'http.request.header.traceparent': '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b8-01',
    });
    const frag = new TraceBuilder('eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee', 0x900);
    frag.add('relay-b', 'GET', 'server', 4, 80);
    const result = diagnose({ spec: bookinfoSpec, subjects: [b.build()], pool: [b.build(), frag.build()] });
    expect(result).toHaveLength(1);
    expect(result[0]!.kind).toBe('format-mismatch');
    expect(result[0]!.title).toBe('relay-a → relay-b: propagation format mismatch (B3 single in, W3C out); the trace splits here');
    expect(result[0]!.evidence.join('\n')).toContain('relay-a received B3 single and sent W3C');
  });

  test('format mismatch: a 64-bit hop cut the trace id (the new trace id is the old one truncated)', () => {
    const { main, fragment } = splitAtReviews({}, '0000000000000000a3ce929d0e0e4736');
    const result = verifyTraces(bookinfoSpec, [main, fragment], { traceIds: [main.traceId] });
    expect(result.diagnoses.map((d) => d.kind)).toEqual(['format-mismatch']);
    expect(result.diagnoses[0]!.evidence.join('\n')).toContain('cut to 64 bits');
  });

  test('sampled=0 propagated: the hop sent a not-sampled traceparent and nothing downstream was recorded', () => {
    const b = new TraceBuilder();
    const s = b.add('relay-edge', 'GET', 'server', 0, 20, undefined, {
      'http.request.header.traceparent': '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    });
    b.add('relay-edge', 'GET', 'client', 1, 18, s, {
      'http.request.header.traceparent': '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b9-00',
      'server.address': 'relay-a',
    });
    const result = diagnose({
      spec: bookinfoSpec,
      subjects: [b.build()],
      pool: [b.build()],
      driver: { sampled: true, formats: ['w3c'], requests: 1 },
    });
    expect(result).toHaveLength(1);
    expect(result[0]).toMatchObject({ kind: 'sampled-0-propagated', hop: { from: 'relay-edge', to: 'relay-a' } });
    expect(result[0]!.title).toBe('relay-edge sent sampled=0 to relay-a: nothing downstream of this hop was recorded');
    expect(result[0]!.evidence.join('\n')).toContain('although the driver sent sampled=1');
  });

  test("sampled=0 from the kit's own attribute, B3, Jaeger and array-valued W3C header attributes is recognised too", () => {
    const cases: Record<string, AttributeValue>[] = [
      { 'meshtrace.propagation.sampled': false },
      { 'http.request.header.x-b3-sampled': '0' },
      { 'http.request.header.b3': '0' },
      { 'http.request.header.uber-trace-id': 'abc:def:0:0' },
      { 'http.request.header.traceparent': ['00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00'] },
    ];
    for (const attrs of cases) {
      const b = new TraceBuilder();
      const s = b.add('hop', 'GET', 'server', 0, 20);
      b.add('hop', 'GET', 'client', 1, 18, s, attrs);
      expect(diagnose({ spec: bookinfoSpec, subjects: [b.build()], pool: [] }).map((d) => d.kind)).toEqual(['sampled-0-propagated']);
    }
  });

  // Real Jaeger 2.12 (its storage model has no arrays) returns list attributes as their JSON text, on
  // both APIs: `meshtrace.propagation.injected: []` comes back as the string "[]" (test/real/otel-services-jaeger.test.ts).
  test.each([
    ['an array', [] as AttributeValue],
    ["Jaeger's JSON text of an array", '[]'],
  ])('a split after a hop that recorded an empty injected list (%s) names that hop as the party', (_how, injected) => {
    const b = new TraceBuilder();
    const s = b.add('relay', 'GET', 'server', 0, 20, undefined, { 'meshtrace.propagation.extracted': '["w3c"]' });
    b.add('relay', 'GET', 'client', 1, 18, s, { 'meshtrace.propagation.injected': injected, 'server.address': 'c' });
    const frag = new TraceBuilder('eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee', 0x900);
    frag.add('c', 'GET /', 'server', 2, 10);
    const result = diagnose({ spec: bookinfoSpec, subjects: [b.build()], pool: [b.build(), frag.build()] });
    expect(result.map((d) => [d.kind, d.hop, d.party])).toEqual([['split-trace', { from: 'relay', to: 'c' }, 'relay']]);
    expect(result[0]!.evidence).toContain(
      'relay sent no trace headers on this call (meshtrace.propagation.injected is empty on relay "GET")',
    );
  });

  test("captured trace headers in Jaeger's JSON text form (instrumentation-http records string arrays) still give the sampling decision", () => {
    const cases: Record<string, AttributeValue>[] = [
      { 'http.request.header.x-b3-sampled': '["0"]' },
      { 'http.request.header.traceparent': '["00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"]' },
    ];
    for (const attrs of cases) {
      const b = new TraceBuilder();
      const s = b.add('hop', 'GET', 'server', 0, 20);
      b.add('hop', 'GET', 'client', 1, 18, s, attrs);
      expect(diagnose({ spec: bookinfoSpec, subjects: [b.build()], pool: [] }).map((d) => d.kind)).toEqual(['sampled-0-propagated']);
    }
  });

  test('clock skew: a server span starting 119 ms before its client parent is reported with the offset and the pair', () => {
    const b = new TraceBuilder();
    const { spans } = bookinfo(b);
    const skewed = b.spans.map((s) => (s === spans.details ? { ...s, startUs: s.startUs - 120_000 } : s));
    const result = verifyTraces(bookinfoSpec, [{ traceId: b.traceId, spans: skewed }], { traceIds: [b.traceId] });
    expect(result.diagnoses).toHaveLength(1);
    expect(result.diagnoses[0]!.kind).toBe('clock-skew');
    expect(result.diagnoses[0]!.title).toBe(
      "clock skew productpage.default → details.default: details.default's clock is about 119ms behind productpage.default's",
    );
  });

  test('a server span that ends after its client returned (flush, async work) is not called clock skew', () => {
    const b = new TraceBuilder();
    const { spans } = bookinfo(b);
    const late = b.spans.map((s) => (s === spans.details ? { ...s, durationUs: s.durationUs + 40_000 } : s));
    expect(diagnose({ spec: bookinfoSpec, subjects: [{ traceId: b.traceId, spans: late }], pool: [] })).toEqual([]);
  });

  test('clock skew: differences within the tolerance (same-host jitter) are not reported', () => {
    const b = new TraceBuilder();
    const { spans } = bookinfo(b);
    const jitter = b.spans.map((s) => (s === spans.details ? { ...s, startUs: spans.toDetails!.startUs - 400 } : s));
    expect(diagnose({ spec: bookinfoSpec, subjects: [{ traceId: b.traceId, spans: jitter }], pool: [] })).toEqual([]);
  });
});
