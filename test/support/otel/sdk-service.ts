/**
 * A real OpenTelemetry JS SDK tracer provider the way the tests' services use one: its own resource,
 * an OTLP/HTTP (protobuf) exporter to a real receiver or collector, and an in-memory copy of every
 * ended span (what the SDK itself recorded), so a test compares what a backend returns with what was
 * sent. `startOtelService` (an HTTP service around it) and the real suites' hand-made traces share it.
 */
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import type { AttributeValue, Tracer } from '@opentelemetry/api';

export interface SdkServiceOptions {
  /** `service.name`; also names the tracer (`meshtrace-test/<name>`, version 1.0.0). */
  readonly name: string;
  /** The OTLP/HTTP base URL (`/v1/traces` is appended). */
  readonly otlpUrl: string;
  /** More resource attributes. */
  readonly resource?: Readonly<Record<string, AttributeValue>>;
  /**
   * `batch`: a BatchSpanProcessor (20 ms delay), as a service under load runs; `simple`: each span
   * exported when it ends, so flush() has little to wait for.
   * @default 'simple'
   */
  readonly processor?: 'simple' | 'batch';
}

export interface SdkService {
  readonly name: string;
  readonly tracer: Tracer;
  /** Spans the SDK finished, as it recorded them. */
  finished(): ReadableSpan[];
  /** Exports everything finished so far; rejects if the collector did not take it. */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

export function sdkService(o: SdkServiceOptions): SdkService {
  const memory = new InMemorySpanExporter();
  const exporter = new OTLPTraceExporter({ url: `${o.otlpUrl}/v1/traces`, timeoutMillis: 10_000 });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': o.name, ...o.resource }),
    spanProcessors: [
      o.processor === 'batch' ? new BatchSpanProcessor(exporter, { scheduledDelayMillis: 20 }) : new SimpleSpanProcessor(exporter),
      new SimpleSpanProcessor(memory),
    ],
  });
  return {
    name: o.name,
    tracer: provider.getTracer(`meshtrace-test/${o.name}`, '1.0.0'),
    finished: () => memory.getFinishedSpans(),
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
