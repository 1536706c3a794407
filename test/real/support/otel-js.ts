/**
 * Real OpenTelemetry JS SDK services for the real-program suites: each a tracer provider with its
 * own resource, exporting OTLP/HTTP (protobuf) to a real collector and keeping an in-memory copy
 * (what the SDK itself recorded), so a test compares what a backend returns with what was sent.
 */
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { Tracer } from '@opentelemetry/api';

export interface SdkService {
  readonly name: string;
  readonly tracer: Tracer;
  /** Spans the SDK finished, as it recorded them. */
  finished(): ReadableSpan[];
  /** Exports everything finished so far; rejects if the collector did not take it. */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

export function sdkService(name: string, otlpHttpUrl: string, resource: Record<string, string> = {}): SdkService {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': name, ...resource }),
    // Simple (not batch) processors: each span is exported when it ends, so flush() has little to wait for.
    spanProcessors: [new SimpleSpanProcessor(memory), new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${otlpHttpUrl}/v1/traces`, timeoutMillis: 10_000 }))],
  });
  return {
    name,
    tracer: provider.getTracer('meshtrace-real-suite', '1.0.0'),
    finished: () => memory.getFinishedSpans(),
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

/** OTel hrtime [s, ns] → epoch µs (what the trace model holds). */
export function hrToMicros([s, ns]: [number, number]): number {
  return s * 1_000_000 + ns / 1000;
}
