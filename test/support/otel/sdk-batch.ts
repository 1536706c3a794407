/**
 * A 5,000-span batch of varied spans from the real OpenTelemetry JS SDK, and the field-by-field
 * comparison of what a receiver got with the SDK's in-memory copies.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { Span, Trace } from '../../../src/verify';
import { expectedSpan, expectSameSpan } from './sdk-span';

export const BATCH = 5000;
const KINDS = [SpanKind.SERVER, SpanKind.CLIENT, SpanKind.INTERNAL, SpanKind.PRODUCER, SpanKind.CONSUMER];

/**
 * `count` (a multiple of 20; 5,000 by default) ended spans from two services × two scopes: traces of
 * 10 spans (a root and 9 children), each trace's first child linked to the previous trace's root.
 */
export function makeSpans(count = BATCH): ReadableSpan[] {
  if (count <= 0 || count % 20 !== 0)
    throw new Error(`makeSpans: count ${count} is not a positive multiple of 20 (two services × traces of 10 spans)`);
  const out: ReadableSpan[] = [];
  for (const service of ['checkout', 'inventory']) {
    const memory = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': service, 'service.version': '2.1.0', 'host.cpus': 2 }),
      spanProcessors: [new SimpleSpanProcessor(memory)],
    });
    const tracers = [provider.getTracer(`${service}-http`, '0.55.0'), provider.getTracer(`${service}-db`)];
    let previous: ReturnType<typeof trace.getSpan>;
    for (let t = 0; t < count / 20; t++) {
      const root = tracers[0]!.startSpan(
        `GET /orders/${t}`,
        {
          kind: SpanKind.SERVER,
          attributes: { 'http.request.method': 'GET', 'http.response.status_code': 200, 'url.path': `/orders/${t}` },
        },
        ROOT_CONTEXT,
      );
      const ctx = trace.setSpan(ROOT_CONTEXT, root);
      for (let i = 0; i < 9; i++) {
        const child = tracers[i % 2]!.startSpan(
          `op-${i}`,
          {
            kind: KINDS[i % KINDS.length],
            attributes: {
              str: `value-${t}-${i}`,
              int: t * 10 + i,
              double: i + 0.25,
              bool: i % 2 === 0,
              'str.list': ['a', `b${i}`],
              'int.list': [1, i],
              'ünïcødé ✓': 'ok ✓',
            },
            ...(previous && i === 0
              ? { links: [{ context: previous.spanContext(), attributes: { 'link.kind': 'previous-request' } }] }
              : {}),
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
  expect(out).toHaveLength(count);
  return out;
}

/** `received` equals the SDK's in-memory copy (times within 1 µs). */
export function expectSame(received: Span | undefined, sdk: ReadableSpan): void {
  expectSameSpan(received, expectedSpan(sdk));
}

/** Every SDK span is in `traces`, equal to its in-memory copy; none is missing, none extra. */
export function expectSameSpans(traces: readonly Trace[], spans: readonly ReadableSpan[]): void {
  const got = new Map(traces.flatMap((t) => t.spans).map((s) => [s.spanId, s]));
  expect(got.size).toBe(spans.length);
  for (const sdk of spans) expectSame(got.get(sdk.spanContext().spanId), sdk);
}
