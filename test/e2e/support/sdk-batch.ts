/**
 * A 5,000-span batch of varied spans from the real OpenTelemetry JS SDK, and the field-by-field
 * comparison of what a receiver got with the SDK's in-memory copies.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { Span, Trace } from '../../../src/verify';
import { expectedSpan } from './sdk-span';

export const BATCH = 5000;
const KINDS = [SpanKind.SERVER, SpanKind.CLIENT, SpanKind.INTERNAL, SpanKind.PRODUCER, SpanKind.CONSUMER];

/** 5,000 ended spans from two services × two scopes: traces of 10 spans (a root and 9 children). */
export function makeSpans(): ReadableSpan[] {
  const out: ReadableSpan[] = [];
  for (const service of ['checkout', 'inventory']) {
    const memory = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': service, 'service.version': '2.1.0', 'host.cpus': 2 }), spanProcessors: [new SimpleSpanProcessor(memory)] });
    const tracers = [provider.getTracer(`${service}-http`, '0.55.0'), provider.getTracer(`${service}-db`)];
    let previous: ReturnType<typeof trace.getSpan>;
    for (let t = 0; t < BATCH / 20; t++) {
      const root = tracers[0]!.startSpan(`GET /orders/${t}`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'http.response.status_code': 200, 'url.path': `/orders/${t}` } }, ROOT_CONTEXT);
      const ctx = trace.setSpan(ROOT_CONTEXT, root);
      for (let i = 0; i < 9; i++) {
        const child = tracers[i % 2]!.startSpan(
          `op-${i}`,
          {
            kind: KINDS[i % KINDS.length],
            attributes: { 'str': `value-${t}-${i}`, 'int': t * 10 + i, 'double': i + 0.25, 'bool': i % 2 === 0, 'str.list': ['a', `b${i}`], 'int.list': [1, i], 'ünïcødé ✓': 'ok ✓' },
            ...(previous && i === 0 ? { links: [{ context: previous.spanContext(), attributes: { 'link.kind': 'previous-request' } }] } : {}),
          },
          ctx,
        );
        child.addEvent('retry', { attempt: i, 'reason.text': 'timeout' });
        if (i === 8) child.setStatus({ code: SpanStatusCode.ERROR, message: `failed ${t}` });
        else if (i === 7) child.setStatus({ code: SpanStatusCode.OK });
        child.end();
      }
      root.end();
      previous = root;
    }
    out.push(...memory.getFinishedSpans());
  }
  expect(out).toHaveLength(BATCH);
  return out;
}

/**
 * Times are compared within 1 µs: the SDK's HrTime is exact ns, but epoch nanoseconds held in a double
 * (on either side) are only good to 256 ns, and a duration is the difference of two such values.
 */
export function expectSame(received: Span | undefined, sdk: ReadableSpan): void {
  const want = expectedSpan(sdk);
  expect(received).toBeDefined();
  const strip = (s: Span) => ({ ...s, startUs: 0, durationUs: 0, events: s.events.map((e) => ({ ...e, timeUs: 0 })) });
  expect(strip(received!)).toEqual(strip(want));
  expect(Math.abs(received!.startUs - want.startUs)).toBeLessThan(1);
  expect(Math.abs(received!.durationUs - want.durationUs)).toBeLessThan(1);
  received!.events.forEach((e, i) => expect(Math.abs(e.timeUs - want.events[i]!.timeUs)).toBeLessThan(1));
}

/** Every SDK span is in `traces`, equal to its in-memory copy; none is missing, none extra. */
export function expectSameSpans(traces: readonly Trace[], spans: readonly ReadableSpan[]): void {
  const got = new Map(traces.flatMap((t) => t.spans).map((s) => [s.spanId, s]));
  expect(got.size).toBe(spans.length);
  for (const sdk of spans) expectSame(got.get(sdk.spanContext().spanId), sdk);
}
