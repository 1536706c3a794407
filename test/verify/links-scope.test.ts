/**
 * Span links and instrumentation scope: read by every source (OTLP/protobuf and OTLP/JSON as the
 * OpenTelemetry JS SDK serializes them, Jaeger /api/v3, Jaeger's legacy references, trace files)
 * and asserted by the spec language (`scope:` on a matcher, `links:` rules).
 */
import { context, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { Span, Trace } from '../../src/verify/model';
import { spansFromOtlpProtobuf } from '../../src/verify/sources/otlp-proto-fast';
import { groupTraces } from '../../src/verify/sources/otlp';
import { tracesFromV3 } from '../../src/verify/sources/jaeger-v3';
import { tracesFromDocument } from '../../src/verify/sources/trace-file';
import { tracesFromJaegerJson } from '../../src/verify/sources/jaeger-legacy-json';
import { encodeOtlpJson } from '../../src/verify/sources/otlp-json-encode';
import { parseSpec, SpecError } from '../../src/verify/spec';
import { verifyTrace } from '../../src/verify/matcher';

const OTHER_TRACE = '0af7651916cd43dd8448eb211c80319c';
const OTHER_SPAN = 'b7ad6b7169203331';

/** A producer span and a consumer span linked to it (and to a span in another trace), from the real SDK. */
function sdkSpans() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'shop' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const producerTracer = provider.getTracer('shop-producer', '1.2.0');
  const consumerTracer = provider.getTracer('shop-consumer');
  const root = producerTracer.startSpan('checkout', { kind: SpanKind.SERVER }, ROOT_CONTEXT);
  const rootCtx = trace.setSpan(ROOT_CONTEXT, root);
  const publish = producerTracer.startSpan('publish orders', { kind: SpanKind.PRODUCER }, rootCtx);
  publish.end();
  const process = consumerTracer.startSpan(
    'process orders',
    {
      kind: SpanKind.CONSUMER,
      links: [
        { context: publish.spanContext(), attributes: { 'messaging.batch.index': 0 } },
        { context: { traceId: OTHER_TRACE, spanId: OTHER_SPAN, traceFlags: 1 } },
      ],
    },
    rootCtx,
  );
  process.end();
  root.end();
  context.disable();
  return { finished: exporter.getFinishedSpans(), publishId: publish.spanContext().spanId, traceId: root.spanContext().traceId };
}

function byName(spans: readonly Span[], name: string): Span {
  const s = spans.find((x) => x.name === name);
  if (!s) throw new Error(`no span ${name} in ${spans.map((x) => x.name).join(', ')}`);
  return s;
}

describe('span links and instrumentation scope in the trace model', () => {
  const { finished, publishId, traceId } = sdkSpans();

  const expectLinksAndScope = (spans: readonly Span[]): void => {
    const consumer = byName(spans, 'process orders');
    expect(consumer.scope).toEqual({ name: 'shop-consumer' });
    expect(byName(spans, 'publish orders').scope).toEqual({ name: 'shop-producer', version: '1.2.0' });
    expect(consumer.links).toEqual([
      { traceId, spanId: publishId, attributes: { 'messaging.batch.index': 0 } },
      { traceId: OTHER_TRACE, spanId: OTHER_SPAN, attributes: {} },
    ]);
    expect(byName(spans, 'checkout').links).toBeUndefined();
  };

  test('OTLP/protobuf as the SDK serializes it (the receiver decoder)', () => {
    const body = ProtobufTraceSerializer.serializeRequest(finished)!;
    expectLinksAndScope(spansFromOtlpProtobuf(body));
  });

  test('OTLP/JSON as the SDK serializes it: a trace file and a Jaeger /api/v3 answer', () => {
    const json = JSON.parse(Buffer.from(JsonTraceSerializer.serializeRequest(finished)!).toString('utf8'));
    expectLinksAndScope(tracesFromDocument(json).flatMap((t) => t.spans));
    expectLinksAndScope(tracesFromV3({ result: json }).flatMap((t) => t.spans));
  });

  test('the OTLP/JSON encoder writes links and scopes back (round trip)', () => {
    const spans = spansFromOtlpProtobuf(ProtobufTraceSerializer.serializeRequest(finished)!);
    expectLinksAndScope(tracesFromDocument(encodeOtlpJson(spans, 'fallback')).flatMap((t) => t.spans));
  });

  test('Jaeger legacy JSON: references other than the parent are links, otel.scope.* tags the scope', () => {
    // GIVEN a span with CHILD_OF (its parent), FOLLOWS_FROM in the same trace and CHILD_OF into another trace
    const doc = {
      data: [
        {
          traceID: 'aaaaaaaaaaaaaaaa',
          processes: { p1: { serviceName: 'worker', tags: [] } },
          spans: [
            {
              traceID: 'aaaaaaaaaaaaaaaa',
              spanID: '0000000000000001',
              operationName: 'root',
              references: [],
              startTime: 1,
              duration: 10,
              tags: [],
              processID: 'p1',
            },
            {
              traceID: 'aaaaaaaaaaaaaaaa',
              spanID: '0000000000000002',
              operationName: 'enqueue',
              references: [{ refType: 'CHILD_OF', traceID: 'aaaaaaaaaaaaaaaa', spanID: '0000000000000001' }],
              startTime: 2,
              duration: 1,
              tags: [],
              processID: 'p1',
            },
            {
              traceID: 'aaaaaaaaaaaaaaaa',
              spanID: '0000000000000003',
              operationName: 'batch',
              references: [
                { refType: 'CHILD_OF', traceID: 'aaaaaaaaaaaaaaaa', spanID: '0000000000000001' },
                { refType: 'FOLLOWS_FROM', traceID: 'aaaaaaaaaaaaaaaa', spanID: '0000000000000002' },
                { refType: 'CHILD_OF', traceID: OTHER_TRACE, spanID: OTHER_SPAN },
              ],
              startTime: 5,
              duration: 3,
              tags: [
                { key: 'otel.scope.name', type: 'string', value: 'worker-lib' },
                { key: 'otel.scope.version', type: 'string', value: '0.9.0' },
              ],
              processID: 'p1',
            },
          ],
        },
      ],
    };
    // WHEN read
    const [t] = tracesFromJaegerJson(doc);
    const batch = byName(t!.spans, 'batch');
    // THEN the first same-trace CHILD_OF is the parent; the rest are links with their type
    expect(batch.parentSpanId).toBe('0000000000000001');
    expect(batch.links).toEqual([
      { traceId: '0000000000000000aaaaaaaaaaaaaaaa', spanId: '0000000000000002', attributes: {}, refType: 'FOLLOWS_FROM' },
      { traceId: OTHER_TRACE, spanId: OTHER_SPAN, attributes: {}, refType: 'CHILD_OF' },
    ]);
    expect(batch.scope).toEqual({ name: 'worker-lib', version: '0.9.0' });
    // AND a span whose only reference is its parent has no links and no scope
    expect(byName(t!.spans, 'enqueue').links).toBeUndefined();
    expect(byName(t!.spans, 'enqueue').scope).toBeUndefined();
  });
});

describe('links and scope in the spec language', () => {
  const { finished } = sdkSpans();
  const traces: Trace[] = groupTraces(spansFromOtlpProtobuf(ProtobufTraceSerializer.serializeRequest(finished)!));
  const spec = (spans: string): string => `name: links\nspans:\n${spans}\nrules: { noOrphans: true }\n`;

  test('scope selects spans; links rules hold per span', () => {
    const s = parseSpec(
      spec(`
  publish: { scope: shop-producer, kind: producer, count: 1 }
  process:
    scope: /^shop-cons/
    count: 1
    links:
      - { to: publish, count: 1, where: { messaging.batch.index: 0 } }
      - { count: 2 }`),
    );
    const v = verifyTrace(s, traces[0]!);
    expect(v.assertions.filter((a) => !a.passed)).toEqual([]);
    expect(v.assertions.filter((a) => a.category === 'link').map((a) => a.text)).toEqual([
      'process: 1 link(s) to publish, messaging.batch.index=0',
      'process: 2 link(s) any span',
    ]);
  });

  test('a link rule that does not hold fails with the span and the count found', () => {
    const s = parseSpec(spec(`  root: { name: checkout }\n  process: { name: process orders, links: { to: root } }`));
    const v = verifyTrace(s, traces[0]!);
    const link = v.assertions.find((a) => a.category === 'link')!;
    expect(link.passed).toBe(false);
    expect(link.detail).toBe(
      `1 of 1 span(s) fail: shop "process orders" (${byName(traces[0]!.spans, 'process orders').spanId}) has 0 of 2 link(s) matching`,
    );
  });

  test('a scope pattern that matches no span makes the matcher count fail (no scope never matches)', () => {
    const v = verifyTrace(parseSpec(spec(`  any: { scope: /^@opentelemetry\\/instrumentation-http$/ }`)), traces[0]!);
    expect(v.assertions[0]).toMatchObject({
      category: 'count',
      passed: false,
      detail: '0 found',
      text: 'any: at least 1 span(s) with scope /^@opentelemetry\\/instrumentation-http$/',
    });
  });

  test('bad link rules are refused with the path, the value and what is allowed', () => {
    expect(() => parseSpec(spec(`  a: { links: { to: nobody } }`), 's.yaml')).toThrow(
      new SpecError('s.yaml:3: spans.a.links[0].to: "nobody" is not a span matcher; known: a'),
    );
    expect(() => parseSpec(spec(`  a: { links: { count: { min: 3, max: 1 } } }`), 's.yaml')).toThrow(
      /^s\.yaml(:\d+)?: spans\.a\.links\.count: min 3 is greater than max 1$/,
    );
    expect(() => parseSpec(spec(`  a: { links: { too: b } }`), 's.yaml')).toThrow(/spans\.a\.links/);
    expect(() => parseSpec(`name: x\nspans: { a: {} }\nabsent: [{ links: { count: 1 } }]\n`, 's.yaml')).toThrow(
      /^s\.yaml(:\d+)?: absent\[0\]\.links: an absent matcher only selects spans/,
    );
  });
});
