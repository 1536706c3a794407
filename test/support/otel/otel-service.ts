/**
 * A tiny HTTP service instrumented by hand with the real OpenTelemetry JS SDK (BasicTracerProvider,
 * one trace-context propagator, optionally composed with W3C baggage, OTLP/protobuf exporter): a
 * server span per request, a client span per downstream call, context extracted and injected by the
 * SDK's own propagators. It is what an application with only those propagators configured
 * (`OTEL_PROPAGATORS=b3multi,baggage`) does on the wire, without the http instrumentation package
 * (not installed here): the few span attributes it writes are the semantic-convention ones that
 * instrumentation would write.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  propagation,
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type TextMapPropagator,
} from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { B3InjectEncoding, B3Propagator } from '@opentelemetry/propagator-b3';
import { JaegerPropagator } from '@opentelemetry/propagator-jaeger';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { sdkService } from './sdk-service';

export type OtelPropagatorName = 'w3c' | 'b3multi' | 'jaeger';

function traceContextPropagator(name: OtelPropagatorName): TextMapPropagator {
  if (name === 'w3c') return new W3CTraceContextPropagator();
  if (name === 'b3multi') return new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER });
  return new JaegerPropagator();
}

/** The SDK's propagator for a name; with `baggage`, composed with W3C baggage (the SDK's `…,baggage`). */
export function otelPropagator(name: OtelPropagatorName, baggage = false): TextMapPropagator {
  const own = traceContextPropagator(name);
  return baggage ? new CompositePropagator({ propagators: [own, new W3CBaggagePropagator()] }) : own;
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
  /** Compose the propagator with W3C baggage (Jaeger's propagator carries baggage itself, as `uberctx-*`). */
  readonly baggage?: boolean;
  /**
   * Baggage keys whose values the server span records under the same key, what the contrib
   * BaggageSpanProcessor does (not installed here).
   */
  readonly baggageAttributes?: readonly string[];
}

export interface OtelService {
  readonly url: string;
  /** Every span this service ended, as the SDK holds it. */
  finished(): ReadableSpan[];
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
  const sdk = sdkService({
    name: o.name,
    otlpUrl: o.otlpUrl,
    processor: 'batch',
    resource: o.declarePropagator ? { 'meshtrace.propagation.accepted': o.propagator } : {},
  });
  const tracer = sdk.tracer;
  const propagator = otelPropagator(o.propagator, o.baggage);
  const server: Server = createServer((req, res) => {
    const parent = propagator.extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter);
    const captured: Record<string, string | string[]> = {};
    for (const h of o.captureRequestHeaders ?? []) {
      const v = req.headers[h];
      if (v !== undefined) captured[`http.request.header.${h}`] = Array.isArray(v) ? v : [v];
    }
    const bag = propagation.getBaggage(parent);
    for (const key of o.baggageAttributes ?? []) {
      const entry = bag?.getEntry(key);
      if (entry) captured[key] = entry.value;
    }
    const path = (req.url ?? '/').split('?')[0]!;
    const span = tracer.startSpan(
      `GET ${path}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method ?? 'GET', 'url.path': path, ...captured } },
      parent,
    );
    const ctx = trace.setSpan(parent, span);
    const finish = (status: number): void => {
      span.setAttribute('http.response.status_code', status);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
      res.writeHead(status, { 'content-type': 'text/plain' }).end(`${o.name} ${status}\n`);
    };
    if (!o.downstream) return void finish(200);
    const target = new URL(path, o.downstream);
    const client = tracer.startSpan(
      `GET`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'http.request.method': 'GET',
          'server.address': target.hostname,
          'server.port': Number(target.port),
          'url.full': target.href,
        },
      },
      ctx,
    );
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
    finished: () => sdk.finished(),
    flush: () => sdk.flush(),
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await sdk.shutdown();
    },
  };
}
