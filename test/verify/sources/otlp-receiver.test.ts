import { gzipSync } from 'node:zlib';
import { request } from 'undici';
import { context, trace, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { startOtlpReceiver, type OtlpReceiver } from '../../../src/verify/sources/otlp-receiver';
import { decodeRpcStatus, encodeExportRequest } from '../../../src/verify/sources/otlp-proto';
import type { Span } from '../../../src/verify/model';

describe('OTLP/HTTP receiver', () => {
  let receiver: OtlpReceiver;
  beforeEach(async () => {
    receiver = await startOtlpReceiver({ host: '127.0.0.1', port: 0 });
  });
  afterEach(async () => {
    await receiver.close();
  });

  test('accepts the OpenTelemetry JS SDK protobuf exporter with gzip, keeping parents, kinds, attributes, events, status', async () => {
    // GIVEN the real OTel SDK exporting OTLP/protobuf (gzip) to the receiver
    const exporter = new OTLPTraceExporter({ url: `${receiver.url}/v1/traces`, compression: 'gzip' as never });
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'checkout', 'k8s.cluster.name': 'east' }),
      spanProcessors: [new BatchSpanProcessor(exporter)],
    });
    const tracer = provider.getTracer('test');
    // WHEN a server span with a client child is recorded and flushed
    const server = tracer.startSpan('GET /cart', {
      kind: SpanKind.SERVER,
      attributes: { 'http.response.status_code': 200, 'http.route': '/cart', retries: [1, 2] },
    });
    const client = tracer.startSpan('GET', { kind: SpanKind.CLIENT }, trace.setSpan(context.active(), server));
    client.addEvent('retry', { attempt: 2 });
    client.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream 503' });
    client.end();
    server.end();
    await provider.forceFlush();
    await provider.shutdown();
    // THEN one trace with both spans arrives, linked and typed as the SDK recorded them
    const traces = receiver.traces();
    expect(traces).toHaveLength(1);
    const spans = traces[0]!.spans;
    const s = spans.find((x) => x.kind === 'server')!;
    const c = spans.find((x) => x.kind === 'client')!;
    expect(s.traceId).toBe(server.spanContext().traceId);
    expect(s.spanId).toBe(server.spanContext().spanId);
    expect(c.parentSpanId).toBe(s.spanId);
    expect(s.service).toBe('checkout');
    expect(s.resource['k8s.cluster.name']).toBe('east');
    expect(s.attributes).toMatchObject({ 'http.response.status_code': 200, 'http.route': '/cart', retries: [1, 2] });
    expect(c.status).toEqual({ code: 'error', message: 'upstream 503' });
    expect(c.events[0]).toMatchObject({ name: 'retry', attributes: { attempt: 2 } });
    expect(s.durationUs).toBeGreaterThanOrEqual(c.durationUs);
    expect(receiver.spansReceived).toBe(2);
  });

  test('accepts OTLP/JSON with gzip and notifies listeners with each batch', async () => {
    const got: (readonly Span[])[] = [];
    receiver.onSpans((spans) => got.push(spans));
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'edge' } }] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId: '0af7651916cd43dd8448eb211c80319c',
                  spanId: 'b7ad6b7169203331',
                  name: 'GET',
                  kind: 2,
                  startTimeUnixNano: '1763700000000000000',
                  endTimeUnixNano: '1763700000002500000',
                },
              ],
            },
          ],
        },
      ],
    };
    const res = await request(`${receiver.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(JSON.stringify(body)),
    });
    expect(res.statusCode).toBe(200);
    expect(await res.body.json()).toEqual({});
    expect(got).toHaveLength(1);
    expect(got[0]![0]).toMatchObject({ service: 'edge', kind: 'server', durationUs: 2500, startUs: 1763700000000000 });
  });

  test('protobuf encoded by our own descriptor round-trips (the benchmark load generator relies on it)', async () => {
    const id = (hex: string) => Buffer.from(hex, 'hex');
    const body = encodeExportRequest({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'a' } }] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId: id('0af7651916cd43dd8448eb211c80319c'),
                  spanId: id('b7ad6b7169203331'),
                  parentSpanId: id('00f067aa0ba902b7'),
                  name: 'x',
                  kind: 3,
                  startTimeUnixNano: '1763700000000000000',
                  endTimeUnixNano: '1763700000001000000',
                  attributes: [{ key: 'n', value: { intValue: 7 } }],
                },
              ],
            },
          ],
        },
      ],
    });
    const res = await request(`${receiver.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-protobuf');
    await res.body.dump();
    expect(receiver.traces()[0]!.spans[0]).toMatchObject({
      parentSpanId: '00f067aa0ba902b7',
      kind: 'client',
      attributes: { n: 7 },
      durationUs: 1000,
    });
  });

  test.each([
    ['an unknown path', '/v1/metrics', 'application/json', '{}', 404, /\/v1\/traces/],
    ['another content type', '/v1/traces', 'text/plain', 'hi', 415, /application\/x-protobuf or application\/json/],
    ['broken JSON', '/v1/traces', 'application/json', '{"resourceSpans": [', 400, /JSON body could not be decoded/],
    [
      'broken protobuf',
      '/v1/traces',
      'application/x-protobuf',
      Buffer.from([0x0a, 0xff, 0xff, 0xff]),
      400,
      /protobuf body could not be decoded/,
    ],
  ])(
    "rejects %s with a clear status and a google.rpc.Status body in the request's encoding",
    async (_what, path, type, body, status, message) => {
      const res = await request(`${receiver.url}${path}`, { method: 'POST', headers: { 'content-type': type }, body });
      expect(res.statusCode).toBe(status);
      const raw = Buffer.from(await res.body.arrayBuffer());
      const isProto = type === 'application/x-protobuf';
      expect(res.headers['content-type']).toBe(isProto ? 'application/x-protobuf' : 'application/json');
      expect((isProto ? decodeRpcStatus(raw) : (JSON.parse(raw.toString()) as { message: string })).message).toMatch(message);
      expect(receiver.spansReceived).toBe(0);
    },
  );

  test('a body over the size limit gets 413 and the receiver keeps serving', async () => {
    const small = await startOtlpReceiver({ port: 0, maxBodyBytes: 1024 });
    try {
      const res = await request(`${small.url}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ pad: 'x'.repeat(4096) }),
      });
      expect(res.statusCode).toBe(413);
      await res.body.dump();
      const ok = await request(`${small.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(ok.statusCode).toBe(200);
      await ok.body.dump();
    } finally {
      await small.close();
    }
  });
});

describe('OTLP/protobuf single-pass decoder', () => {
  test('gives exactly what protobufjs decode + the generic converter give, for every value type', async () => {
    const { spansFromOtlpProtobuf } = await import('../../../src/verify/sources/otlp-proto-fast');
    const { decodeExportRequest } = await import('../../../src/verify/sources/otlp-proto');
    const { spansFromOtlp } = await import('../../../src/verify/sources/otlp');
    const id = (hex: string) => Buffer.from(hex, 'hex');
    const values = [
      { stringValue: 's' },
      { boolValue: true },
      { intValue: 42 },
      { intValue: '9223372036854775807' },
      { doubleValue: 1.5 },
      { arrayValue: { values: [{ stringValue: 'a' }, { intValue: 1 }] } },
      { kvlistValue: { values: [{ key: 'k', value: { stringValue: 'v' } }] } },
      { bytesValue: Buffer.from([1, 2, 3]) },
    ];
    const body = encodeExportRequest({
      resourceSpans: [
        {
          resource: {
            attributes: [
              { key: 'service.name', value: { stringValue: 'svc' } },
              { key: 'k8s.cluster.name', value: { stringValue: 'east' } },
            ],
          },
          scopeSpans: [
            {
              scope: { name: 'x' },
              spans: [
                {
                  traceId: id('0af7651916cd43dd8448eb211c80319c'),
                  spanId: id('b7ad6b7169203331'),
                  parentSpanId: id('00f067aa0ba902b7'),
                  name: 'n',
                  kind: 5,
                  startTimeUnixNano: '1763700000000001000',
                  endTimeUnixNano: '1763700000250001000',
                  attributes: values.map((value, i) => ({ key: `a${i}`, value })),
                  events: [{ timeUnixNano: '1763700000000002000', name: 'e', attributes: [{ key: 'x', value: { intValue: 1 } }] }],
                  status: { code: 2, message: 'bad' },
                },
                {
                  traceId: id('0af7651916cd43dd8448eb211c80319c'),
                  spanId: id('b7ad6b7169203332'),
                  name: 'root',
                  kind: 2,
                  startTimeUnixNano: '1763700000000000000',
                  endTimeUnixNano: '1763700000300000000',
                  status: { code: 1 },
                },
                { spanId: id('b7ad6b7169203333'), name: 'no trace id: skipped' },
              ],
            },
          ],
        },
        {
          scopeSpans: [
            { spans: [{ traceId: id('0af7651916cd43dd8448eb211c80319d'), spanId: id('b7ad6b7169203334'), name: 'no resource' }] },
          ],
        },
      ],
    });
    const fast = spansFromOtlpProtobuf(body);
    expect(fast).toEqual(spansFromOtlp(decodeExportRequest(body)));
    expect(fast).toHaveLength(3);
    expect(fast[0]!.attributes).toEqual({
      a0: 's',
      a1: true,
      a2: 42,
      a3: '9223372036854775807',
      a4: 1.5,
      a5: ['a', 1],
      a6: { k: 'v' },
      a7: 'AQID',
    });
    expect(fast[0]).toMatchObject({
      kind: 'consumer',
      status: { code: 'error', message: 'bad' },
      durationUs: 250000,
      parentSpanId: '00f067aa0ba902b7',
    });
    expect(fast[2]!.service).toBe('unknown_service');
    expect(() => spansFromOtlpProtobuf(Buffer.from([0x0a, 0x10, 0x01]))).toThrow(RangeError);
  });
});
