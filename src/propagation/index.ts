/**
 * Public API of the propagation core (pure: no I/O, never throws).
 * CONTRACT for the relay and the verifier's driver; the implementation lives in one file per
 * format beside this one. Header names are lowercase (Node's `req.headers` / `headersDistinct`).
 */
import type { BaggageEntry, ExtractedContext, PropagationFormat, SamplingOnly, TraceContext } from './trace-context';

export * from './trace-context';

/** Incoming headers: Node's `IncomingHttpHeaders` or `headersDistinct` both fit. */
export type HeaderBag = Readonly<Record<string, string | readonly string[] | undefined>>;

/** What a hop writes on its outgoing request. */
export interface InjectInput {
  /** The context to send (already the hop's child: its spanId is the hop's client span). */
  readonly context?: TraceContext;
  /** A bare decision to forward when there is no context (e.g. `b3: 0`). */
  readonly samplingOnly?: SamplingOnly;
  readonly baggage?: readonly BaggageEntry[];
  readonly passthrough?: Readonly<Record<string, string>>;
  /** Formats to write. */
  readonly formats: readonly PropagationFormat[];
}

// Placeholder bodies: replaced by the propagation implementation (issue 3).
/* eslint-disable @typescript-eslint/no-unused-vars */

/**
 * Reads every supported format. Precedence for the winning context: W3C traceparent, then
 * B3 single, B3 multi, Jaeger. Never throws; malformed formats are listed in `formatsInvalid`.
 */
export function extract(_headers: HeaderBag): ExtractedContext {
  throw new Error('propagation.extract not implemented yet');
}

/**
 * Returns the headers (lowercase name → value) to set on the outgoing request, one value per
 * header: callers first delete every name in `TRACE_HEADER_NAMES` (replace, never append).
 */
export function inject(_input: InjectInput): Record<string, string> {
  throw new Error('propagation.inject not implemented yet');
}

/**
 * The child of `parent` for a new span id: same trace id, width, flags, tracestate; the parent's
 * span id becomes `parentSpanId`. Without a parent it starts a new trace (random ids, `random` set)
 * with the given sampling decision.
 */
export function childContext(_parent: TraceContext | undefined, _sampling?: SamplingOnly): TraceContext {
  throw new Error('propagation.childContext not implemented yet');
}

/** Every trace-context header name the kit reads or writes (for stripping and for `drop-context`). */
export const TRACE_HEADER_NAMES: readonly string[] = [];
