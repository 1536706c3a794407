/**
 * The trace model every source produces (Jaeger v3 / legacy APIs, trace files, the embedded
 * OTLP receiver) and every matcher, diagnosis and reporter reads.
 * Times are in microseconds since the epoch (Jaeger's unit; OTLP nanoseconds are divided).
 */

export type SpanKind = 'server' | 'client' | 'producer' | 'consumer' | 'internal' | 'unspecified';

/**
 * A typed attribute value as OTLP's AnyValue carries it: scalars, arrays, and key/value lists
 * (`kvlistValue`) kept as structured maps. Bytes arrive as base64 text. The text form every
 * matcher and report compares is `attributeText` (attribute-text.ts).
 */
export type AttributeValue = string | number | boolean | readonly AttributeValue[] | AttributeMap;

/** OTLP `kvlistValue`: keys in arrival order (a repeated key keeps its last value). */
export interface AttributeMap {
  readonly [key: string]: AttributeValue;
}

export interface SpanEvent {
  readonly name: string;
  readonly timeUs: number;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
}

export interface SpanStatus {
  readonly code: 'unset' | 'ok' | 'error';
  readonly message?: string;
}

/**
 * A link to another span (OTLP `Span.Link`; Jaeger references other than the parent, e.g.
 * FOLLOWS_FROM of a batch consumer). The linked span may be in another trace.
 */
export interface SpanLink {
  /** 32 lowercase hex characters. */
  readonly traceId: string;
  /** 16 lowercase hex characters. */
  readonly spanId: string;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  /** Jaeger's reference type when the link came from a Jaeger reference. */
  readonly refType?: 'CHILD_OF' | 'FOLLOWS_FROM';
}

/** The instrumentation scope that made a span (OTLP `InstrumentationScope`; Jaeger `otel.scope.*` tags). */
export interface InstrumentationScope {
  readonly name: string;
  readonly version?: string;
}

export interface Span {
  /** 32 lowercase hex characters. */
  readonly traceId: string;
  /** 16 lowercase hex characters. */
  readonly spanId: string;
  /** Parent span id, absent on a root span. */
  readonly parentSpanId?: string;
  /** `service.name` of the span's resource (Jaeger: the process's serviceName). */
  readonly service: string;
  /** Operation name. */
  readonly name: string;
  readonly kind: SpanKind;
  readonly startUs: number;
  readonly durationUs: number;
  /** Span attributes (Jaeger tags), values typed. */
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  /** Resource attributes (Jaeger process tags). */
  readonly resource: Readonly<Record<string, AttributeValue>>;
  readonly events: readonly SpanEvent[];
  readonly status: SpanStatus;
  /** Links to other spans; absent when the source has none. */
  readonly links?: readonly SpanLink[];
  /** Absent when the source names no scope (or an empty one). */
  readonly scope?: InstrumentationScope;
}

/** All spans that share one trace id. */
export interface Trace {
  readonly traceId: string;
  readonly spans: readonly Span[];
}
