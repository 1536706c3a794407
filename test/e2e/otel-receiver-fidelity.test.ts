/**
 * The embedded OTLP receiver against the OpenTelemetry JS SDK's own export path, over loopback:
 * 5,000-span batches of varied spans (every attribute type, events, links, error status, five
 * kinds, two services, two scopes each) sent as OTLP/protobuf by the real OTLPTraceExporter (plain
 * and gzip) and as OTLP/JSON written by the SDK's JsonTraceSerializer (plain and gzip; no JSON
 * exporter package is installed). Every received span must equal the SDK's in-memory copy.
 */
import { gzipSync } from 'node:zlib';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { request } from 'undici';
import { startOtlpReceiver, type OtlpReceiver, type Span } from '../../src/verify';
import { expectedSpan } from './support/sdk-span';

const BATCH = 5000;
const KINDS = [SpanKind.SERVER, SpanKind.CLIENT, SpanKind.INTERNAL, SpanKind.PRODUCER, SpanKind.CONSUMER];

/** 5,000 ended spans from two services × two scopes: traces of 10 spans (a root and 9 children). */
function makeSpans(): ReadableSpan[] {
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

/** Times are compared within 0.5 µs: the SDK's HrTime is exact ns, the receiver keeps µs in a double. */
function expectSame(received: Span | undefined, sdk: ReadableSpan): void {
  const want = expectedSpan(sdk);
  expect(received).toBeDefined();
  const strip = (s: Span) => ({ ...s, startUs: 0, durationUs: 0, events: s.events.map((e) => ({ ...e, timeUs: 0 })) });
  expect(strip(received!)).toEqual(strip(want));
  expect(Math.abs(received!.startUs - want.startUs)).toBeLessThan(0.5);
  expect(Math.abs(received!.durationUs - want.durationUs)).toBeLessThan(0.5);
  received!.events.forEach((e, i) => expect(Math.abs(e.timeUs - want.events[i]!.timeUs)).toBeLessThan(0.5));
}

function exportWith(exporter: OTLPTraceExporter, spans: ReadableSpan[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(spans, resolve));
}

describe('OTLP receiver vs the OpenTelemetry JS SDK: 5,000-span batches, field by field', () => {
  const spans = makeSpans();
  let receiver: OtlpReceiver;
  beforeEach(async () => {
    receiver = await startOtlpReceiver({ port: 0 });
  });
  afterEach(async () => {
    await receiver.close();
  });

  const check = (): void => {
    expect(receiver.spansReceived).toBe(BATCH);
    const got = new Map(receiver.traces().flatMap((t) => t.spans).map((s) => [s.spanId, s]));
    expect(got.size).toBe(BATCH);
    for (const sdk of spans) expectSame(got.get(sdk.spanContext().spanId), sdk);
  };

  test.each([CompressionAlgorithm.NONE, CompressionAlgorithm.GZIP])('OTLP/protobuf from the real OTLPTraceExporter, compression %s', async (compression) => {
    // GIVEN the SDK's exporter pointed at the receiver WHEN it exports one 5,000-span batch
    const exporter = new OTLPTraceExporter({ url: `${receiver.url}/v1/traces`, compression, timeoutMillis: 30_000 });
    const result = await exportWith(exporter, spans);
    await exporter.shutdown();
    // THEN the export succeeded and every span arrived as the SDK holds it
    expect(result).toEqual({ code: ExportResultCode.SUCCESS });
    check();
  }, 120_000);

  test.each([false, true])('OTLP/JSON written by the SDK serializer, gzip %s', async (gzip) => {
    const json = Buffer.from(JsonTraceSerializer.serializeRequest(spans)!);
    const res = await request(`${receiver.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(gzip ? { 'content-encoding': 'gzip' } : {}) },
      body: gzip ? gzipSync(json) : json,
    });
    await res.body.text();
    expect(res.statusCode).toBe(200);
    check();
  }, 120_000);
});
