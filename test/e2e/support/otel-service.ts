/**
 * A tiny HTTP service instrumented by hand with the real OpenTelemetry JS SDK (BasicTracerProvider,
 * one trace-context propagator, OTLP/protobuf exporter): a server span per request, a client span per
 * downstream call, context extracted and injected by the SDK's own propagator. It is what an
 * application with only that propagator configured does on the wire, without the http
 * instrumentation package (not installed here): the few span attributes it writes are the
 * semantic-convention ones that instrumentation would write.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type TextMapPropagator } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { B3InjectEncoding, B3Propagator } from '@opentelemetry/propagator-b3';
import { JaegerPropagator } from '@opentelemetry/propagator-jaeger';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter, SimpleSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';

export type OtelPropagatorName = 'w3c' | 'b3multi' | 'jaeger';

export function otelPropagator(name: OtelPropagatorName): TextMapPropagator {
  if (name === 'w3c') return new W3CTraceContextPropagator();
  if (name === 'b3multi') return new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER });
  return new JaegerPropagator();
}

export interface OtelServiceOptions {
  readonly name: string;
  readonly propagator: OtelPropagatorName;
  /** The OTLP receiver's base URL (`/v1/traces` is appended). */
  readonly otlpUrl: string;
  /** Called once per request (GET, same path), its status returned. */
  readonly downstream?: string;
  /**
   * Request headers recorded on the server span as `http.request.header.<name>` (string arrays), what
   * @opentelemetry/instrumentation-http's `headersToSpanAttributes.server.requestHeaders` records.
   */
  readonly captureRequestHeaders?: readonly string[];
  /** Declare the propagator as the resource attribute `meshtrace.propagation.accepted` (OTEL_RESOURCE_ATTRIBUTES). */
  readonly declarePropagator?: boolean;
}

export interface OtelService {
  readonly url: string;
  /** Every span this service ended, as the SDK holds it. */
  readonly memory: InMemorySpanExporter;
  /** Exports what is queued (the BatchSpanProcessor's forceFlush). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => (body += c));
    res.on('end', () => resolve(body));
    res.on('error', reject);
  });
}

function call(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers }, (res) => {
      readBody(res).then(() => resolve(res.statusCode ?? 0), reject);
    });
    req.on('error', reject);
    req.end();
  });
}

export async function startOtelService(o: OtelServiceOptions): Promise<OtelService> {
  const memory = new InMemorySpanExporter();
  const processors: SpanProcessor[] = [
    new BatchSpanProcessor(new OTLPTraceExporter({ url: `${o.otlpUrl}/v1/traces` }), { scheduledDelayMillis: 20 }),
    new SimpleSpanProcessor(memory),
  ];
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': o.name, ...(o.declarePropagator ? { 'meshtrace.propagation.accepted': o.propagator } : {}) }),
    spanProcessors: processors,
  });
  const tracer = provider.getTracer(`meshtrace-test/${o.name}`, '1.0.0');
  const propagator = otelPropagator(o.propagator);
  const server: Server = createServer((req, res) => {
    const parent = propagator.extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter);
    const captured: Record<string, string[]> = {};
    for (const h of o.captureRequestHeaders ?? []) {
      const v = req.headers[h];
      if (v !== undefined) captured[`http.request.header.${h}`] = Array.isArray(v) ? v : [v];
    }
    const path = (req.url ?? '/').split('?')[0]!;
    const span = tracer.startSpan(`GET ${path}`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method ?? 'GET', 'url.path': path, ...captured } }, parent);
    const ctx = trace.setSpan(parent, span);
    const finish = (status: number): void => {
      span.setAttribute('http.response.status_code', status);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
      res.writeHead(status, { 'content-type': 'text/plain' }).end(`${o.name} ${status}\n`);
    };
    if (!o.downstream) return void finish(200);
    const target = new URL(path, o.downstream);
    const client = tracer.startSpan(`GET`, { kind: SpanKind.CLIENT, attributes: { 'http.request.method': 'GET', 'server.address': target.hostname, 'server.port': Number(target.port), 'url.full': target.href } }, ctx);
    const headers: Record<string, string> = {};
    propagator.inject(trace.setSpan(ctx, client), headers, defaultTextMapSetter);
    call(target.href, headers).then(
      (status) => {
        client.setAttribute('http.response.status_code', status);
        client.end();
        finish(status === 200 ? 200 : 502);
      },
      (err: Error) => {
        client.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
        client.end();
        finish(502);
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    memory,
    flush: () => provider.forceFlush(),
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await provider.shutdown();
    },
  };
}
