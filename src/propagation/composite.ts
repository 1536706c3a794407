/**
 * The composite that a hop uses: read every format into one `TraceContext`, mint the hop's
 * child, write the configured formats back. Pure: no I/O, never throws.
 */
import {
  B3_MULTI_HEADERS,
  B3_SINGLE_HEADER,
  formatB3Single,
  formatB3SingleSamplingOnly,
  parseB3Multi,
  parseB3Single,
  writeB3Multi,
  writeB3MultiSamplingOnly,
  type B3Parsed,
} from './b3';
import { isAllZero } from './hex';
import {
  formatUberTraceId,
  JAEGER_BAGGAGE_PREFIX,
  JAEGER_TRACE_HEADER,
  parseJaegerBaggage,
  parseUberTraceId,
  writeJaegerBaggage,
} from './jaeger';
import { extractPassthrough } from './passthrough';
import type {
  BaggageEntry,
  ExtractedContext,
  HeaderFormat,
  PropagationFormat,
  SamplingDecision,
  SamplingOnly,
  TraceContext,
  TraceStateEntry,
} from './trace-context';
import { PASSTHROUGH_HEADERS } from './trace-context';
import type { HeaderValue } from './text';
import { BAGGAGE_HEADER, formatBaggage, limitBaggage, parseBaggage } from './w3c-baggage';
import { FLAG_RANDOM, FLAG_SAMPLED, formatTraceparent, parseTraceparent, TRACEPARENT_HEADER } from './w3c-traceparent';
import { formatTraceState, parseTraceState, TRACESTATE_HEADER, truncateTraceState } from './w3c-tracestate';

/**
 * Where new ids come from: the caller's edge (`RANDOM_IDS` in `src/random-ids.ts` in production,
 * a fixed sequence in tests). Lowercase hex, 16 and 32 characters; an all-zero draw is drawn again.
 */
export interface IdSource {
  spanId(): string;
  traceId(): string;
}

function newSpanId(ids: IdSource): string {
  let id = ids.spanId();
  while (isAllZero(id)) id = ids.spanId();
  return id;
}

function newTraceId(ids: IdSource): string {
  let id = ids.traceId();
  while (isAllZero(id)) id = ids.traceId();
  return id;
}

/** Incoming headers: Node's `IncomingHttpHeaders` or `headersDistinct` both fit (lowercase names). */
export type HeaderBag = Readonly<Record<string, HeaderValue>>;

/** Tuning for `extract`; the defaults follow the specs. */
export interface ExtractOptions {
  /**
   * Longest combined `tracestate` kept (characters, commas included); longer lists are cut by
   * whole entries, entries over 128 characters first. Values below 512 are raised to 512.
   * @default 4096 — eight times the 512 the spec asks every vendor to propagate, so nothing a
   * conforming sender writes is lost, while 32 members of 513 characters (16 KiB) are not
   * copied onto every outgoing request.
   */
  readonly traceStateMaxLength?: number;
}

export const DEFAULT_TRACESTATE_MAX_LENGTH = 4096;

/**
 * The decision of a trace the hop starts itself (no parent, no decision received).
 * Sampled: a relay without an incoming decision is the root, and a lab or CI tool that drops
 * its own root spans would hide exactly what it is there to show.
 */
export const DEFAULT_ROOT_SAMPLING: SamplingDecision = 'sampled';

const NO_FORMATS: readonly PropagationFormat[] = Object.freeze([]);
const NO_BAGGAGE: readonly BaggageEntry[] = Object.freeze([]);
const NOTHING_EXTRACTED: ExtractedContext = Object.freeze({
  baggage: NO_BAGGAGE,
  formatsSeen: NO_FORMATS,
  formatsInvalid: NO_FORMATS,
  passthrough: Object.freeze({}),
});

/** The single `traceparent` value, or `undefined` when absent; `null` when repeated (invalid: the suite requires a restart). */
function singleTraceparent(v: HeaderValue): string | undefined | null {
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  if (v.length === 0) return undefined;
  return v.length === 1 ? v[0] : null;
}

/** Same span written in two formats: keep what only the lower-precedence one says (debug, parent, 64-bit width). */
function mergeSameSpan(winner: TraceContext, other: TraceContext): TraceContext {
  if (other.traceId !== winner.traceId || other.spanId !== winner.spanId) return winner;
  const debug = winner.debug || other.debug;
  const parentSpanId = winner.parentSpanId ?? other.parentSpanId;
  const traceIdBits = other.traceIdBits === 64 ? 64 : winner.traceIdBits;
  if (debug === winner.debug && parentSpanId === winner.parentSpanId && traceIdBits === winner.traceIdBits) return winner;
  // An explicit literal, not a spread: V8 copies a spread context with optional fields slowly, and
  // this runs for every request that carries several formats (BENCHMARKS.md, Propagation).
  return {
    traceId: winner.traceId,
    traceIdBits,
    spanId: winner.spanId,
    parentSpanId,
    sampling: debug ? 'sampled' : winner.sampling,
    debug,
    random: winner.random,
    traceState: winner.traceState,
    source: winner.source,
  };
}

/**
 * Reads every supported format. Precedence for the winning context: W3C traceparent, then
 * B3 single, B3 multi, Jaeger. When a lower-precedence format carries the same trace and span
 * id, what only it can say (debug, ParentSpanId, a 64-bit width) is merged in. A repeated
 * `traceparent` is invalid (the suite requires a restart); tracestate is read only with a valid
 * traceparent. Never throws; malformed formats are listed in `formatsInvalid`.
 */
// long-function: runs once per request on every relay hop; the formats, in precedence order, fill the same
// few locals (context, samplingOnly, seen, invalid), which split steps would each have to pass on and return.
export function extract(headers: HeaderBag, options?: ExtractOptions): ExtractedContext {
  // Untyped callers (JS, JSON) may pass anything: nothing to read is not an error.
  if (headers === null || typeof headers !== 'object') return NOTHING_EXTRACTED;
  let seen: PropagationFormat[] | undefined;
  let invalid: PropagationFormat[] | undefined;
  let context: TraceContext | undefined;
  let samplingOnly: SamplingOnly | undefined;

  // W3C traceparent (+ tracestate only when traceparent is valid)
  const tp = singleTraceparent(headers[TRACEPARENT_HEADER]);
  if (tp !== undefined) {
    const parsed = tp === null ? undefined : parseTraceparent(tp);
    if (parsed) {
      let traceState: readonly TraceStateEntry[] | undefined = parseTraceState(headers[TRACESTATE_HEADER]);
      if (traceState !== undefined) {
        if (traceState.length === 0) traceState = undefined;
        else traceState = truncateTraceState(traceState, options?.traceStateMaxLength ?? DEFAULT_TRACESTATE_MAX_LENGTH);
      }
      context = {
        traceId: parsed.traceId,
        traceIdBits: 128,
        spanId: parsed.spanId,
        sampling: (parsed.flags & FLAG_SAMPLED) !== 0 ? 'sampled' : 'not-sampled',
        debug: false,
        random: (parsed.flags & FLAG_RANDOM) !== 0,
        traceState,
        source: 'w3c',
      };
      (seen ??= []).push('w3c');
    } else {
      (invalid ??= []).push('w3c');
    }
  }

  // B3 single, then B3 multi
  let b3: B3Parsed | undefined;
  if (headers[B3_SINGLE_HEADER] !== undefined) {
    b3 = parseB3Single(headers[B3_SINGLE_HEADER]);
    if (b3) (seen ??= []).push('b3single');
    else (invalid ??= []).push('b3single');
    if (b3?.context) context = context ? mergeSameSpan(context, b3.context) : b3.context;
    else if (b3?.samplingOnly && !context) samplingOnly = b3.samplingOnly;
  }
  if (
    headers[B3_MULTI_HEADERS[0]] !== undefined ||
    headers[B3_MULTI_HEADERS[1]] !== undefined ||
    headers[B3_MULTI_HEADERS[3]] !== undefined ||
    headers[B3_MULTI_HEADERS[4]] !== undefined ||
    headers[B3_MULTI_HEADERS[2]] !== undefined
  ) {
    b3 = parseB3Multi(headers);
    if (b3) (seen ??= []).push('b3multi');
    else (invalid ??= []).push('b3multi');
    if (b3?.context) context = context ? mergeSameSpan(context, b3.context) : b3.context;
    else if (b3?.samplingOnly && !context && !samplingOnly) samplingOnly = b3.samplingOnly;
  }

  // Jaeger
  if (headers[JAEGER_TRACE_HEADER] !== undefined) {
    const j = parseUberTraceId(headers[JAEGER_TRACE_HEADER]);
    if (j) {
      (seen ??= []).push('jaeger');
      context = context ? mergeSameSpan(context, j) : j;
    } else {
      (invalid ??= []).push('jaeger');
    }
  }
  if (context) samplingOnly = undefined;

  // Baggage: W3C first; uberctx-* items whose key W3C baggage already has are skipped.
  let baggage = headers[BAGGAGE_HEADER] !== undefined ? parseBaggage(headers[BAGGAGE_HEADER]) : NO_BAGGAGE;
  const jaegerBaggage = parseJaegerBaggage(headers);
  if (jaegerBaggage.length > 0) {
    if (!seen || !seen.includes('jaeger')) (seen ??= []).push('jaeger');
    if (baggage.length === 0) baggage = limitBaggage(jaegerBaggage);
    else {
      const merged = baggage.slice();
      for (const e of jaegerBaggage) if (!hasKey(baggage, e.key)) merged.push(e);
      baggage = limitBaggage(merged);
    }
  }

  return {
    context,
    samplingOnly,
    baggage,
    formatsSeen: seen ?? NO_FORMATS,
    formatsInvalid: invalid ?? NO_FORMATS,
    passthrough: extractPassthrough(headers),
  };
}

/** Header names are case-insensitive, so `uberctx-Foo` and baggage `foo` are the same key. */
function hasKey(entries: readonly BaggageEntry[], key: string): boolean {
  const k = key.toLowerCase();
  for (let i = 0; i < entries.length; i++) if (entries[i].key.toLowerCase() === k) return true;
  return false;
}

/** What a hop writes on its outgoing request. */
export interface InjectInput {
  /** The context to send (already the hop's child: its spanId is the hop's client span). */
  readonly context?: TraceContext;
  /** A bare decision to forward when there is no context (e.g. `b3: 0`). */
  readonly samplingOnly?: SamplingOnly;
  readonly baggage?: readonly BaggageEntry[];
  readonly passthrough?: Readonly<Record<string, string>>;
  /** Formats to write (`baggage`: the W3C `baggage` header, whatever the trace-context formats). */
  readonly formats: readonly HeaderFormat[];
}

/** W3C flags for a context: sampled when sampled or debug (W3C has no debug bit), random kept. */
export function w3cFlagsOf(ctx: TraceContext): number {
  return (ctx.sampling === 'sampled' || ctx.debug ? FLAG_SAMPLED : 0) | (ctx.random ? FLAG_RANDOM : 0);
}

/**
 * Returns the headers (lowercase name → value) to set on the outgoing request, one value per
 * header: callers first delete every name for which `isTraceHeaderName` is true (replace,
 * never append). Each configured format gets everything it can express: the decision (debug
 * becomes W3C sampled and Jaeger flags 3), B3's ParentSpanId, the original id width in
 * B3/Jaeger, tracestate, baggage (W3C `baggage` with `w3c` or `baggage`, `uberctx-*` with `jaeger`). A bare decision goes out
 * in the formats that can carry one without ids (B3 single and multi).
 */
export function inject(input: InjectInput): Record<string, string> {
  const out: Record<string, string> = {};
  const ctx = input.context;
  const baggage = input.baggage;
  // An untyped caller without `formats` gets nothing written rather than an exception.
  const formats = Array.isArray(input.formats) ? input.formats : NO_FORMATS;
  for (let i = 0; i < formats.length; i++) {
    switch (formats[i]) {
      case 'w3c':
        if (ctx) {
          out[TRACEPARENT_HEADER] = formatTraceparent(ctx.traceId, ctx.spanId, w3cFlagsOf(ctx));
          const ts = formatTraceState(ctx.traceState);
          if (ts !== undefined) out[TRACESTATE_HEADER] = ts;
        }
        if (baggage && baggage.length > 0) {
          const b = formatBaggage(baggage);
          if (b !== undefined) out[BAGGAGE_HEADER] = b;
        }
        break;
      case 'b3single':
        if (ctx) out[B3_SINGLE_HEADER] = formatB3Single(ctx);
        else if (input.samplingOnly) {
          const s = formatB3SingleSamplingOnly(input.samplingOnly);
          if (s !== undefined) out[B3_SINGLE_HEADER] = s;
        }
        break;
      case 'b3multi':
        if (ctx) writeB3Multi(ctx, out);
        else if (input.samplingOnly) writeB3MultiSamplingOnly(input.samplingOnly, out);
        break;
      case 'baggage':
        if (baggage && baggage.length > 0) {
          const b = formatBaggage(baggage);
          if (b !== undefined) out[BAGGAGE_HEADER] = b;
        }
        break;
      case 'jaeger':
        if (ctx) out[JAEGER_TRACE_HEADER] = formatUberTraceId(ctx);
        if (baggage && baggage.length > 0) writeJaegerBaggage(limitBaggage(baggage), out);
        break;
      default:
        // An unknown format name (from an untyped caller) writes nothing rather than throwing.
        break;
    }
  }
  const pass = input.passthrough;
  if (pass) for (const name in pass) out[name] = pass[name];
  return out;
}

/**
 * The child of `parent` for a new span id (from `ids`): same trace id, width, flags, tracestate; the parent's
 * span id becomes `parentSpanId`. A parent's decision wins; `sampling` fills in only when the
 * parent deferred it (B3 without `X-B3-Sampled`). Without a parent it starts a new trace
 * (random 128-bit trace id, W3C `random` flag not set) with `sampling`'s decision, or
 * `DEFAULT_ROOT_SAMPLING` when none (or a deferred one) is given.
 */
export function childContext(ids: IdSource, parent: TraceContext | undefined, sampling?: SamplingOnly): TraceContext {
  if (parent) {
    const decide = parent.sampling === 'deferred' && sampling !== undefined && sampling.sampling !== 'deferred';
    return {
      traceId: parent.traceId,
      traceIdBits: parent.traceIdBits,
      spanId: newSpanId(ids),
      parentSpanId: parent.spanId,
      sampling: decide ? sampling.sampling : parent.sampling,
      debug: parent.debug || (decide && sampling.debug),
      random: parent.random,
      traceState: parent.traceState,
      source: parent.source,
    };
  }
  const decided = sampling !== undefined && sampling.sampling !== 'deferred';
  return {
    traceId: newTraceId(ids),
    traceIdBits: 128,
    spanId: newSpanId(ids),
    sampling: decided ? sampling.sampling : DEFAULT_ROOT_SAMPLING,
    debug: decided ? sampling.debug : false,
    // Ids are random, but the Level 2 random flag stays off: OpenTelemetry Go 1.41 and older drop a
    // version-00 traceparent whose flags are above 02, so real HotROD (SDK 1.38) and Traefik 3.6.12
    // (1.41) behind a relay that rooted the trace started traces of their own. An incoming random
    // flag is still kept (the child keeps the parent's flags).
    random: false,
    source: 'w3c',
  };
}

/** Every fixed trace-context header name the kit reads or writes (for stripping and for `drop-context`); see also `isTraceHeaderName` for `uberctx-*`. */
export const TRACE_HEADER_NAMES: readonly string[] = Object.freeze([
  TRACEPARENT_HEADER,
  TRACESTATE_HEADER,
  BAGGAGE_HEADER,
  B3_SINGLE_HEADER,
  ...B3_MULTI_HEADERS,
  JAEGER_TRACE_HEADER,
  ...PASSTHROUGH_HEADERS,
]);

const TRACE_HEADER_SET: ReadonlySet<string> = new Set(TRACE_HEADER_NAMES);

/** True for a (lowercase) header name the kit owns: `TRACE_HEADER_NAMES` plus every `uberctx-*`. */
export function isTraceHeaderName(lowercaseName: string): boolean {
  return TRACE_HEADER_SET.has(lowercaseName) || lowercaseName.startsWith(JAEGER_BAGGAGE_PREFIX);
}

/**
 * Builds a header bag the way Node's `headersDistinct` would from raw `[name, value]` pairs:
 * names lowercased, repeated headers kept as arrays in order (single ones as strings).
 */
export function headersFromPairs(pairs: Iterable<readonly [string, string]>): Record<string, string | string[]> {
  const bag: Record<string, string | string[]> = {};
  for (const [rawName, value] of pairs) {
    const name = rawName.toLowerCase();
    const prev = bag[name];
    if (prev === undefined) bag[name] = value;
    else if (typeof prev === 'string') bag[name] = [prev, value];
    else prev.push(value);
  }
  return bag;
}
