import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import protobuf from 'protobufjs';
import { createOtlpSpanSink, SpanBatcher } from '../../src/relay/span-export';
import type { HopSpan } from '../../src/relay/span-attributes';
import { startJsonReceiver } from './helpers/otlp-json-receiver';

/** The subset of opentelemetry-proto's trace service the assertions need (field numbers from the spec). */
const OTLP_SUBSET = `
syntax = "proto3";
message AnyValue { oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4; } }
message KeyValue { string key = 1; AnyValue value = 2; }
message Resource { repeated KeyValue attributes = 1; }
message Status { string message = 2; int32 code = 3; }
message Span { bytes trace_id = 1; bytes span_id = 2; bytes parent_span_id = 4; string name = 5; int32 kind = 6;
  fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8; repeated KeyValue attributes = 9; Status status = 15; fixed32 flags = 16; }
message ScopeSpans { repeated Span spans = 2; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
`;
const ExportRequest = protobuf.parse(OTLP_SUBSET).root.lookupType('ExportTraceServiceRequest');

function span(n: number, overrides: Partial<HopSpan> = {}): HopSpan {
  return {
    traceId: n.toString(16).padStart(32, 'a'),
    spanId: n.toString(16).padStart(16, 'b'),
    parentSpanId: '00f067aa0ba902b7',
    name: 'GET',
    kind: 'server',
    startMs: 1_763_700_000_000.25,
    endMs: 1_763_700_000_001.75,
    attributes: { 'http.request.method': 'GET', 'http.response.status_code': 200 },
    traceFlags: 1,
    ...overrides,
  };
}

describe('span export', () => {
  test('protobuf: our ids, kind, times, status and service.name arrive as sent', async () => {
    // GIVEN a loopback endpoint that decodes protobuf
    const bodies: Buffer[] = [];
    const types: string[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies.push(Buffer.concat(chunks));
        types.push(String(req.headers['content-type']));
        res.writeHead(200, { 'content-type': 'application/x-protobuf' });
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`);
    const batcher = new SpanBatcher(createOtlpSpanSink(url, 'http/protobuf'), {
      serviceName: 'edge',
      maxQueueSize: 100,
      flushIntervalMs: 10_000,
    });
    // WHEN a server span and an error client span are flushed
    batcher.add(span(1));
    batcher.add(span(2, { kind: 'client', error: 'upstream refused', parentSpanId: span(1).spanId }));
    await batcher.shutdown();
    await new Promise<void>((r) => server.close(() => r()));
    // THEN one protobuf request carries both with the ids, kinds, times and status we gave
    expect(types).toEqual(['application/x-protobuf']);
    const decoded = ExportRequest.toObject(ExportRequest.decode(bodies[0]), { bytes: String, longs: String }) as {
      resourceSpans: Array<{
        resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> };
        scopeSpans: Array<{ spans: Array<Record<string, any>> }>;
      }>;
    };
    const rs = decoded.resourceSpans[0];
    expect(rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue).toBe('edge');
    const [server1, client2] = rs.scopeSpans[0].spans;
    const hex = (b64: string): string => Buffer.from(b64, 'base64').toString('hex');
    expect(hex(server1.traceId)).toBe(span(1).traceId);
    expect(hex(server1.spanId)).toBe(span(1).spanId);
    expect(hex(server1.parentSpanId)).toBe('00f067aa0ba902b7');
    expect(server1.kind).toBe(2);
    expect(server1.startTimeUnixNano).toBe('1763700000000250000');
    expect(server1.endTimeUnixNano).toBe('1763700000001750000');
    expect(client2.kind).toBe(3);
    expect(hex(client2.parentSpanId)).toBe(span(1).spanId);
    expect(client2.status).toEqual({ code: 2, message: 'upstream refused' });
  });

  test('a full queue drops and counts; nothing else is lost', async () => {
    // GIVEN a queue of 5 and a receiver
    const receiver = await startJsonReceiver();
    const batcher = new SpanBatcher(createOtlpSpanSink(new URL(`${receiver.url}/v1/traces`), 'http/json'), {
      serviceName: 's',
      maxQueueSize: 5,
      maxBatchSize: 100,
      flushIntervalMs: 10_000,
    });
    // WHEN 8 spans arrive before any export
    for (let i = 1; i <= 8; i++) batcher.add(span(i));
    await batcher.shutdown();
    await receiver.close();
    // THEN 5 were exported and 3 counted as dropped
    expect(batcher.stats()).toEqual({ created: 8, exported: 5, dropped: 3, failed: 0, pending: 0 });
    expect(receiver.spans).toHaveLength(5);
  });

  test('503 then 200: the OTLP exporter retries and the spans arrive', async () => {
    // GIVEN a receiver answering 503 once
    const receiver = await startJsonReceiver([503]);
    const batcher = new SpanBatcher(createOtlpSpanSink(new URL(`${receiver.url}/v1/traces`), 'http/json'), {
      serviceName: 's',
      maxQueueSize: 10,
      flushIntervalMs: 10_000,
    });
    // WHEN two spans are flushed
    batcher.add(span(1));
    batcher.add(span(2));
    await batcher.shutdown();
    await receiver.close();
    // THEN the second attempt delivered them
    expect(receiver.requests).toBe(2);
    expect(batcher.stats()).toMatchObject({ exported: 2, failed: 0 });
  }, 20_000);

  test('400 (not retryable): the batch is counted as failed, not silently lost', async () => {
    // GIVEN a receiver refusing with 400
    const receiver = await startJsonReceiver([400]);
    const batcher = new SpanBatcher(createOtlpSpanSink(new URL(`${receiver.url}/v1/traces`), 'http/json'), {
      serviceName: 's',
      maxQueueSize: 10,
      flushIntervalMs: 10_000,
    });
    // WHEN three spans are flushed
    for (let i = 1; i <= 3; i++) batcher.add(span(i));
    await batcher.shutdown();
    await receiver.close();
    // THEN one request was made and the three spans count as failed
    expect(receiver.requests).toBe(1);
    expect(batcher.stats()).toEqual({ created: 3, exported: 0, dropped: 0, failed: 3, pending: 0 });
  });

  test('an export that never answers is counted as failed at its deadline; shutdown never waits past its own', async () => {
    // GIVEN a sink that never calls back (a collector that hangs), a 100 ms export deadline
    let exports = 0;
    const hanging = { export: () => void exports++, shutdown: () => new Promise<void>(() => {}) };
    const batcher = new SpanBatcher(hanging, {
      serviceName: 's',
      maxQueueSize: 10,
      maxBatchSize: 2,
      flushIntervalMs: 10_000,
      exportDeadlineMs: 100,
    });
    // WHEN four spans (two batches) are shut down with 1 s to go
    for (let i = 1; i <= 4; i++) batcher.add(span(i));
    const started = Date.now();
    await batcher.shutdown(Date.now() + 1000);
    // THEN each batch failed at its deadline (the second one was still sent), and shutdown returned in time
    expect(exports).toBe(2);
    expect(batcher.stats()).toEqual({ created: 4, exported: 0, dropped: 0, failed: 4, pending: 0 });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  test('past the shutdown deadline no batch is started: what is left is reported pending', async () => {
    const hanging = { export: () => {}, shutdown: async () => {} };
    const batcher = new SpanBatcher(hanging, {
      serviceName: 's',
      maxQueueSize: 10,
      maxBatchSize: 2,
      flushIntervalMs: 10_000,
      exportDeadlineMs: 60_000,
    });
    for (let i = 1; i <= 4; i++) batcher.add(span(i));
    const started = Date.now();
    await batcher.shutdown(Date.now() + 200);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(batcher.stats()).toMatchObject({ exported: 0, failed: 0, pending: 4 });
  });

  test('an exporter that throws synchronously fails its batch instead of stalling the queue', async () => {
    const throwing = {
      export: () => {
        throw new Error('serializer exploded');
      },
      shutdown: async () => {},
    };
    const batcher = new SpanBatcher(throwing, { serviceName: 's', maxQueueSize: 10, flushIntervalMs: 10_000 });
    batcher.add(span(1));
    await batcher.shutdown();
    expect(batcher.stats()).toMatchObject({ failed: 1, pending: 0 });
  });
});
