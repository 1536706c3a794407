/**
 * Span export: a bounded queue, batching, OTLP/HTTP through the OpenTelemetry exporter.
 *
 * Why not the SDK's Tracer + BatchSpanProcessor: the relay's spans must carry the ids it propagates
 * (the propagation core mints them), and the BatchSpanProcessor drops spans on a full queue with only a
 * debug log — the relay must count every lost span. So the hop keeps a compact record per span on the
 * hot path (`HopSpan`, a plain object) and turns a whole batch into the SDK's `ReadableSpan` shape only
 * at export time; serialization (protobuf or JSON), retries with backoff on 429/502/503/504 and
 * `Retry-After` come from the OpenTelemetry OTLP exporter, unchanged. Building SDK `Span` objects per
 * request would cost a context object, a Span instance and an attribute copy on the hot path for nothing.
 *
 * Nothing lost: every span is either exported, or counted as dropped (queue full) or failed (the exporter
 * gave up). `flush()` / `shutdown()` export everything queued; the interval timer is unref'd so the
 * process owner must call `shutdown()` (the relay does on close, the CLI on SIGTERM).
 */
import type { Attributes as OtelAttributes, HrTime, SpanContext } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPExporterBase } from '@opentelemetry/otlp-exporter-base';
import { convertLegacyHttpOptions, createOtlpHttpExportDelegate } from '@opentelemetry/otlp-exporter-base/node-http';
import { JsonTraceSerializer, ProtobufTraceSerializer, TraceExporterMetricsHelper } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_TELEMETRY_SDK_NAME } from '@opentelemetry/semantic-conventions';
import type { HopSpan } from './span-attributes';
import type { OtlpProtocol } from './options';

/** What the batcher needs from an exporter (the OpenTelemetry `SpanExporter` shape). */
export interface SpanSink {
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
}

export interface SpanExportStats {
  /** spans handed to the queue */
  readonly created: number;
  /** spans the collector acknowledged */
  readonly exported: number;
  /** spans refused because the queue was full */
  readonly dropped: number;
  /** spans in batches the exporter gave up on (after its retries) */
  readonly failed: number;
  /** spans waiting or being exported */
  readonly pending: number;
}

const SCOPE = { name: 'meshtrace-relay', version: '0.1.0' };
const SPAN_KIND_SERVER = 1; // @opentelemetry/api SpanKind.SERVER
const SPAN_KIND_CLIENT = 2; // SpanKind.CLIENT
const STATUS_ERROR = 2; // SpanStatusCode.ERROR

function hrTime(epochMs: number): HrTime {
  const seconds = Math.floor(epochMs / 1000);
  return [seconds, Math.round((epochMs - seconds * 1000) * 1e6)];
}

/** The SDK's ReadableSpan view of a record (only what the OTLP serializers read). */
export function toReadableSpan(span: HopSpan, resource: Resource): ReadableSpan {
  const context: SpanContext = { traceId: span.traceId, spanId: span.spanId, traceFlags: span.traceFlags };
  const startTime = hrTime(span.startMs);
  const endTime = hrTime(span.endMs);
  const durationMs = Math.max(0, span.endMs - span.startMs);
  return {
    name: span.name,
    kind: span.kind === 'server' ? SPAN_KIND_SERVER : SPAN_KIND_CLIENT,
    spanContext: () => context,
    parentSpanContext: span.parentSpanId
      ? { traceId: span.traceId, spanId: span.parentSpanId, traceFlags: span.traceFlags, isRemote: span.kind === 'server' }
      : undefined,
    startTime,
    endTime,
    status: span.error !== undefined ? { code: STATUS_ERROR, message: span.error } : { code: 0 },
    attributes: span.attributes as OtelAttributes,
    links: [],
    events: [],
    duration: hrTime(durationMs),
    ended: true,
    resource,
    instrumentationScope: SCOPE,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

/** The OpenTelemetry OTLP/HTTP exporter for `url`, protobuf or JSON. */
export function createOtlpSpanSink(url: URL, protocol: OtlpProtocol, timeoutMillis = 10_000): SpanSink {
  const json = protocol === 'http/json';
  const config = convertLegacyHttpOptions({ url: url.href, timeoutMillis }, 'TRACES', 'v1/traces', {
    'Content-Type': json ? 'application/json' : 'application/x-protobuf',
  });
  const delegate = createOtlpHttpExportDelegate(
    config,
    json ? JsonTraceSerializer : ProtobufTraceSerializer,
    'otlp_http_span_exporter',
    TraceExporterMetricsHelper,
    undefined,
  );
  return new OTLPExporterBase<ReadableSpan[]>(delegate);
}

export interface SpanBatcherOptions {
  readonly serviceName: string;
  readonly maxQueueSize: number;
  /** spans per OTLP request @default 512 */
  readonly maxBatchSize?: number;
  readonly flushIntervalMs: number;
  /** longest wait for one batch's export, retries included @default 30 s */
  readonly exportDeadlineMs?: number;
}

/** A batch not acknowledged within this (the exporter's retries included) is counted as failed. */
const EXPORT_DEADLINE_MS = 30_000;

/** Waits for `promise` or until `deadline` (a `Date.now()` time, `Infinity`: no limit), whichever is first. */
async function untilDeadline(promise: Promise<unknown>, deadline: number): Promise<void> {
  if (deadline === Infinity) {
    await promise;
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now()))))]);
  clearTimeout(timer);
}

/** Bounded queue + batching in front of a `SpanSink`. One export in flight at a time. */
export class SpanBatcher {
  private queue: HopSpan[] = [];
  private inFlight: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;
  private readonly resource: Resource;
  private readonly maxBatchSize: number;
  private readonly exportDeadlineMs: number;
  private counts = { created: 0, exported: 0, dropped: 0, failed: 0, exporting: 0 };
  private closed = false;

  constructor(
    private readonly sink: SpanSink,
    private readonly options: SpanBatcherOptions,
  ) {
    this.resource = resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName, [ATTR_TELEMETRY_SDK_NAME]: 'meshtrace-relay' });
    this.maxBatchSize = options.maxBatchSize ?? 512;
    this.exportDeadlineMs = options.exportDeadlineMs ?? EXPORT_DEADLINE_MS;
    this.timer = setInterval(() => this.pump(), options.flushIntervalMs);
    this.timer.unref();
  }

  add(span: HopSpan): void {
    this.counts.created++;
    if (this.queue.length + this.counts.exporting >= this.options.maxQueueSize) {
      this.counts.dropped++;
      return;
    }
    this.queue.push(span);
    if (this.queue.length >= this.maxBatchSize && !this.inFlight) this.pump();
  }

  stats(): SpanExportStats {
    const { created, exported, dropped, failed, exporting } = this.counts;
    return { created, exported, dropped, failed, pending: this.queue.length + exporting };
  }

  /**
   * Exports everything queued now (and what arrives meanwhile) and resolves when done, or at `deadline`
   * (a `Date.now()` time): no batch is started after it, and what is left stays counted as pending.
   */
  async flush(deadline = Infinity): Promise<void> {
    while ((this.inFlight || this.queue.length) && Date.now() < deadline) {
      if (!this.inFlight) this.pump();
      await untilDeadline(this.inFlight!, deadline);
    }
  }

  /**
   * Stops the timer, exports everything (until `deadline`, a `Date.now()` time), shuts the exporter down.
   * Idempotent. Never waits past the deadline: a collector that hangs or keeps answering 503 must not
   * hold a terminating pod past its grace period (what is left is reported as pending, not exported).
   */
  async shutdown(deadline = Infinity): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.flush(deadline);
    await untilDeadline(
      this.sink.shutdown().catch(() => {}),
      deadline,
    );
  }

  private pump(): void {
    if (this.inFlight || this.queue.length === 0) return;
    const batch = this.queue.length <= this.maxBatchSize ? this.queue : this.queue.slice(0, this.maxBatchSize);
    this.queue = batch === this.queue ? [] : this.queue.slice(this.maxBatchSize);
    this.counts.exporting = batch.length;
    this.inFlight = new Promise<void>((resolve) => {
      // One outcome per batch, whichever comes first: the exporter's answer, its synchronous failure, or
      // the batch deadline (the exporter's own timeout is per attempt and idle-based: a collector that
      // trickles its answer, or retries on 503, could hold the one export slot for ever).
      let settled = false;
      const done = (ok: boolean): void => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        this.settle(batch.length, ok);
        resolve();
      };
      const deadline = setTimeout(() => done(false), this.exportDeadlineMs);
      deadline.unref();
      try {
        const spans = batch.map((s) => toReadableSpan(s, this.resource));
        this.sink.export(spans, (result) => done(result.code === ExportResultCode.SUCCESS));
      } catch {
        done(false);
      }
    }).then(() => {
      this.inFlight = undefined;
      // Keep the pipe full under load: a full batch goes out at once, not at the next tick.
      if (this.queue.length >= this.maxBatchSize) this.pump();
    });
  }

  private settle(count: number, ok: boolean): void {
    this.counts.exporting = 0;
    if (ok) this.counts.exported += count;
    else this.counts.failed += count;
  }
}
