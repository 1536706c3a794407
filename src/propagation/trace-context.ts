/**
 * The one model of propagated trace context. Every format's parser produces it and every
 * serializer reads it, so a hop can read one format and write others without losing the
 * sampled / deny / debug decision, the W3C random flag, B3's ParentSpanId or 64-bit ids.
 *
 * Ids are always lowercase hex: `traceId` 32 characters (64-bit ids left-padded with zeros,
 * the original width kept in `traceIdBits`), `spanId` 16 characters.
 */

/** The sampling decision as the formats can express it. */
export type SamplingDecision =
  /** sampled (W3C flag 0x01, B3 `1`, Jaeger flag 0x01) */
  | 'sampled'
  /** explicitly not sampled (W3C flag unset, B3 `0`, Jaeger flags 0) */
  | 'not-sampled'
  /** no decision was sent (B3 without `X-B3-Sampled`): the receiver decides */
  | 'deferred';

/** The trace-context formats the kit reads and writes. */
export type PropagationFormat = 'w3c' | 'b3multi' | 'b3single' | 'jaeger';

/**
 * What a hop can be told to read or write: a trace-context format, or `baggage` — the W3C `baggage`
 * header on its own. Baggage is a spec of its own, not part of a trace-context format: OpenTelemetry
 * composes `W3CBaggagePropagator` with any of them (B3 plus W3C baggage is its usual composite). `w3c`
 * still writes `baggage` too (OpenTelemetry's default `tracecontext,baggage` pair), and `jaeger` its
 * own `uberctx-*`. Tracestate has no such entry: it is defined only next to a `traceparent` (W3C Trace
 * Context §3.3), so it travels with `w3c`.
 */
export type HeaderFormat = PropagationFormat | 'baggage';

/** One W3C tracestate member, in header order (leftmost = most recently updated). */
export interface TraceStateEntry {
  readonly key: string;
  readonly value: string;
}

/** One W3C baggage (or Jaeger `uberctx-*`) member. */
export interface BaggageEntry {
  /** The key, as sent (W3C: a token; Jaeger: the header suffix). */
  readonly key: string;
  /** The decoded value (percent-decoding applied; invalid UTF-8 became U+FFFD). May be empty. */
  readonly value: string;
  /** W3C member properties, raw (`;k=v` parts without the leading `;`), in order. */
  readonly properties?: readonly string[];
}

/** A trace context carried by a request. */
export interface TraceContext {
  /** 32 lowercase hex characters, never all zeros. */
  readonly traceId: string;
  /** Whether the id arrived as 64 bits (B3/Jaeger) so it can be re-emitted at its original width. */
  readonly traceIdBits: 64 | 128;
  /** 16 lowercase hex characters, never all zeros: the span of the sender (our parent). */
  readonly spanId: string;
  /** The sender's parent span, when the format carries it (B3 `X-B3-ParentSpanId`, Jaeger). */
  readonly parentSpanId?: string;
  readonly sampling: SamplingDecision;
  /** Debug / force-trace (B3 `X-B3-Flags: 1` or `d`, Jaeger flag 0x02). Implies sampled. */
  readonly debug: boolean;
  /**
   * W3C Level 2 random flag (0x02): the trace id's right 7 bytes are random. Kept while the trace
   * id is kept; false for contexts read from B3 or Jaeger (they cannot say); true on new traces.
   */
  readonly random: boolean;
  /**
   * W3C tracestate, already validated (and cut by whole entries to the extract limit);
   * `undefined` when absent, empty or discarded. Only read alongside a valid traceparent.
   */
  readonly traceState?: readonly TraceStateEntry[];
  /** The format the context was taken from. */
  readonly source: PropagationFormat;
}

/**
 * A sampling decision that travels without ids (B3 `b3: 0`, `b3: 1`, `b3: d`, or
 * `X-B3-Sampled` alone, e.g. on health checks). It must be propagated, never dropped.
 */
export interface SamplingOnly {
  readonly sampling: SamplingDecision;
  readonly debug: boolean;
}

/** Headers passed through untouched for Envoy / Istio (log and trace sampling consistency). */
export const PASSTHROUGH_HEADERS = ['x-request-id', 'x-client-trace-id', 'x-ot-span-context', 'x-envoy-force-trace'] as const;

/** Everything a hop extracts from an incoming request. */
export interface ExtractedContext {
  /** The winning context (see `extract` for precedence), if any format held a valid one. */
  readonly context?: TraceContext;
  /** A bare sampling decision when no ids came but a decision did. */
  readonly samplingOnly?: SamplingOnly;
  /** Baggage from W3C `baggage` and Jaeger `uberctx-*`, merged, within W3C limits. */
  readonly baggage: readonly BaggageEntry[];
  /** Every format that carried something parseable, in the order checked. */
  readonly formatsSeen: readonly PropagationFormat[];
  /** Formats that were present but invalid (for diagnostics and the verifier). */
  readonly formatsInvalid: readonly PropagationFormat[];
  /** Passthrough header values (lowercase names), unchanged. */
  readonly passthrough: Readonly<Record<string, string>>;
}
