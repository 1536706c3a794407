/**
 * Multi-cluster verification on real traces: two "clusters" (two OpenTelemetry SDK tracer providers
 * whose resources carry k8s.cluster.name, as the edge collector stamps it) serve one request over
 * real HTTP on loopback with W3C propagation and export OTLP/protobuf to the embedded receiver (the
 * central collector). The spec rule `clusters: {min: 2}` must pass on that trace, and fail with a
 * clear detail when one side does not stamp its cluster.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { context, propagation, trace, SpanKind, type Context } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { startOtlpReceiver, type OtlpReceiver } from '../../src/verify/sources/otlp-receiver';
import { parseSpec } from '../../src/verify/spec';
import { verifyTrace } from '../../src/verify/matcher';

const SPEC = parseSpec(`
name: checkout spans two clusters
spans:
  frontend: { service: frontend, kind: server }
  payments: { service: payments, kind: server }
edges: [frontend >> payments]
rules: { clusters: { min: 2 }, noSensitiveData: true }
`);

const w3c = new W3CTraceContextPropagator();
const headerSetter = {
  set: (carrier: Record<string, string>, key: string, value: string) => {
    carrier[key] = value;
  },
};
const headerGetter = {
  get: (carrier: Record<string, string | string[] | undefined>, key: string) => carrier[key],
  keys: (carrier: Record<string, unknown>) => Object.keys(carrier),
};

function provider(receiver: OtlpReceiver, service: string, cluster?: string): BasicTracerProvider {
  return new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, ...(cluster ? { 'k8s.cluster.name': cluster } : {}) }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${receiver.url}/v1/traces` }))],
  });
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** One request: frontend (west) → HTTP → payments (east). Returns the trace id. */
async function checkout(receiver: OtlpReceiver, clusters: { west?: string; east?: string }): Promise<string> {
  const west = provider(receiver, 'frontend', clusters.west);
  const east = provider(receiver, 'payments', clusters.east);
  const eastServer = createServer((req, res) => {
    const parent: Context = w3c.extract(context.active(), req.headers as Record<string, string>, headerGetter as never);
    const span = east.getTracer('payments').startSpan('POST /charge', { kind: SpanKind.SERVER }, parent);
    span.end();
    res.end('ok');
  });
  const eastUrl = await listen(eastServer);
  try {
    const tracer = west.getTracer('frontend');
    const server = tracer.startSpan('GET /checkout', { kind: SpanKind.SERVER });
    const ctx = trace.setSpan(context.active(), server);
    const client = tracer.startSpan('POST', { kind: SpanKind.CLIENT }, ctx);
    const headers: Record<string, string> = {};
    w3c.inject(trace.setSpan(ctx, client), headers, headerSetter);
    const res = await request(`${eastUrl}/charge`, { method: 'POST', headers });
    await res.body.text();
    client.end();
    server.end();
    await Promise.all([west.forceFlush(), east.forceFlush()]);
    return server.spanContext().traceId;
  } finally {
    await Promise.all([west.shutdown(), east.shutdown()]);
    await new Promise<void>((resolve) => eastServer.close(() => resolve()));
  }
}

describe('one trace across two clusters (k8s.cluster.name on the resource)', () => {
  let receiver: OtlpReceiver;
  beforeAll(() => {
    propagation.disable();
  });
  beforeEach(async () => {
    receiver = await startOtlpReceiver({ host: '127.0.0.1', port: 0 });
  });
  afterEach(async () => {
    await receiver.close();
  });

  test('both clusters stamp their name: clusters ≥ 2 holds, the edge crosses them', async () => {
    // GIVEN frontend in west and payments in east, WHEN one checkout runs
    const traceId = await checkout(receiver, { west: 'west', east: 'east' });
    const t = receiver.traces().find((x) => x.traceId === traceId)!;
    // THEN the central receiver has one trace of 3 spans, and the spec passes
    expect(t.spans).toHaveLength(3);
    const verdict = verifyTrace(SPEC, t);
    expect(verdict.assertions.find((a) => a.text.startsWith('clusters'))).toMatchObject({ passed: true, detail: '2: east, west' });
    expect(verdict.passed).toBe(true);
  });

  test('one cluster without an edge collector (no stamp): clusters fails and says what it found', async () => {
    const traceId = await checkout(receiver, { west: 'west' });
    const verdict = verifyTrace(
      SPEC,
      receiver.traces().find((x) => x.traceId === traceId)!,
    );
    expect(verdict.passed).toBe(false);
    expect(verdict.assertions.find((a) => a.text.startsWith('clusters'))).toMatchObject({ passed: false, detail: '1: west' });
    // the rest of the trace is fine: only the cluster rule fails
    expect(verdict.assertions.filter((a) => !a.passed).map((a) => a.text)).toEqual([expect.stringMatching(/^clusters/)]);
  });
});
