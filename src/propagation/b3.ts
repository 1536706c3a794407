/**
 * Zipkin B3, multi-header (`X-B3-*`) and single-header (`b3`) encodings.
 * @see https://github.com/openzipkin/b3-propagation
 */
import { isAllZero, isLowerHex, ZERO_HEX_16 } from './hex';
import type { SamplingDecision, SamplingOnly, TraceContext } from './trace-context';
import { firstValue, trimOws, type HeaderValue } from './text';

export const B3_SINGLE_HEADER = 'b3';
export const B3_TRACE_ID_HEADER = 'x-b3-traceid';
export const B3_SPAN_ID_HEADER = 'x-b3-spanid';
export const B3_PARENT_SPAN_ID_HEADER = 'x-b3-parentspanid';
export const B3_SAMPLED_HEADER = 'x-b3-sampled';
export const B3_FLAGS_HEADER = 'x-b3-flags';
export const B3_MULTI_HEADERS = [
  B3_TRACE_ID_HEADER,
  B3_SPAN_ID_HEADER,
  B3_PARENT_SPAN_ID_HEADER,
  B3_SAMPLED_HEADER,
  B3_FLAGS_HEADER,
] as const;

/** What a B3 encoding carried: a full context, or a bare sampling decision. */
export type B3Parsed =
  | { readonly context: TraceContext; readonly samplingOnly?: undefined }
  | { readonly context?: undefined; readonly samplingOnly: SamplingOnly };

const SAMPLED: SamplingOnly = { sampling: 'sampled', debug: false };
const NOT_SAMPLED: SamplingOnly = { sampling: 'not-sampled', debug: false };
const DEBUG: SamplingOnly = { sampling: 'sampled', debug: true };
const DEFERRED: SamplingOnly = { sampling: 'deferred', debug: false };

/** A 16 or 32 lower-hex trace id, not all zero. */
function isB3TraceId(s: string): boolean {
  return (s.length === 16 || s.length === 32) && isLowerHex(s) && !isAllZero(s);
}

/** A 16 lower-hex span id, not all zero. */
function isB3SpanId(s: string): boolean {
  return s.length === 16 && isLowerHex(s) && !isAllZero(s);
}

function buildContext(
  traceId: string,
  spanId: string,
  parentSpanId: string | undefined,
  decision: SamplingOnly,
  source: 'b3single' | 'b3multi',
): TraceContext {
  const bits = traceId.length === 16 ? 64 : 128;
  return {
    traceId: bits === 64 ? ZERO_HEX_16 + traceId : traceId,
    traceIdBits: bits,
    spanId,
    parentSpanId,
    sampling: decision.sampling,
    debug: decision.debug,
    random: false,
    source,
  };
}

/** The single-header sampling state: `1`, `0` or `d`. */
function singleSamplingState(s: string): SamplingOnly | undefined {
  if (s === '1') return SAMPLED;
  if (s === '0') return NOT_SAMPLED;
  if (s === 'd') return DEBUG;
  return undefined;
}

/**
 * Parses `b3: {traceid}-{spanid}[-{1|0|d}[-{parentspanid}]]` or a bare `b3: 1|0|d`.
 * Lowercase hex only, exact field widths (so `zz<valid>zz` is rejected). Never throws.
 */
export function parseB3Single(raw: HeaderValue): B3Parsed | undefined {
  const first = firstValue(raw);
  if (typeof first !== 'string') return undefined;
  const v = trimOws(first);
  if (v.length === 1) {
    const decision = singleSamplingState(v);
    return decision ? { samplingOnly: decision } : undefined;
  }
  const d1 = v.indexOf('-');
  if (d1 === -1) return undefined;
  const traceId = v.slice(0, d1);
  if (!isB3TraceId(traceId)) return undefined;
  const d2 = v.indexOf('-', d1 + 1);
  const spanId = d2 === -1 ? v.slice(d1 + 1) : v.slice(d1 + 1, d2);
  if (!isB3SpanId(spanId)) return undefined;
  if (d2 === -1) return { context: buildContext(traceId, spanId, undefined, DEFERRED, 'b3single') };
  const d3 = v.indexOf('-', d2 + 1);
  const decision = singleSamplingState(d3 === -1 ? v.slice(d2 + 1) : v.slice(d2 + 1, d3));
  if (!decision) return undefined;
  if (d3 === -1) return { context: buildContext(traceId, spanId, undefined, decision, 'b3single') };
  const parent = v.slice(d3 + 1);
  if (parent.length !== 16 || !isLowerHex(parent)) return undefined;
  // An all-zero parent is how some tracers write "root": treat it as absent rather than invalid.
  return { context: buildContext(traceId, spanId, isAllZero(parent) ? undefined : parent, decision, 'b3single') };
}

/** `X-B3-Sampled`: `1`/`0`, and the lenient `true`/`false` older tracers sent. */
function multiSampled(s: string): SamplingDecision | undefined {
  if (s === '1' || s === 'true') return 'sampled';
  if (s === '0' || s === 'false') return 'not-sampled';
  return undefined;
}

/** Reads one header as a trimmed string (first value wins); `undefined` when absent. */
function headerText(headers: Readonly<Record<string, HeaderValue>>, name: string): string | undefined {
  const v = firstValue(headers[name]);
  return typeof v === 'string' ? trimOws(v) : undefined;
}

/**
 * Parses the `X-B3-*` headers (lowercase names, as Node delivers them). Ids present but
 * malformed make the whole encoding invalid; `X-B3-Flags: 1` is debug (implies sampled); a
 * sampling state without ids is returned as `samplingOnly` (e.g. `X-B3-Sampled: 0` on health
 * checks) so it can be propagated. Returns `undefined` when no B3 multi header is present or
 * the headers are malformed. Never throws.
 */
export function parseB3Multi(headers: Readonly<Record<string, HeaderValue>>): B3Parsed | undefined {
  const traceId = headerText(headers, B3_TRACE_ID_HEADER);
  const spanId = headerText(headers, B3_SPAN_ID_HEADER);
  const parent = headerText(headers, B3_PARENT_SPAN_ID_HEADER);
  const sampledText = headerText(headers, B3_SAMPLED_HEADER);
  const flagsText = headerText(headers, B3_FLAGS_HEADER);
  if (traceId === undefined && spanId === undefined && parent === undefined && sampledText === undefined && flagsText === undefined)
    return undefined;

  let decision: SamplingOnly = DEFERRED;
  if (flagsText !== undefined) {
    // Only `1` (debug) is defined; `0` is what some tracers send for "no flags".
    if (flagsText === '1') decision = DEBUG;
    else if (flagsText !== '0') return undefined;
  }
  if (decision !== DEBUG && sampledText !== undefined) {
    const sampling = multiSampled(sampledText);
    if (sampling === undefined) return undefined;
    decision = sampling === 'sampled' ? SAMPLED : NOT_SAMPLED;
  }

  if (traceId === undefined && spanId === undefined) {
    if (parent !== undefined || decision === DEFERRED) return undefined;
    return { samplingOnly: decision };
  }
  if (traceId === undefined || spanId === undefined) return undefined;
  if (!isB3TraceId(traceId) || !isB3SpanId(spanId)) return undefined;
  let parentSpanId: string | undefined;
  if (parent !== undefined) {
    if (parent.length !== 16 || !isLowerHex(parent)) return undefined;
    parentSpanId = isAllZero(parent) ? undefined : parent;
  }
  return { context: buildContext(traceId, spanId, parentSpanId, decision, 'b3multi') };
}

/** The trace id at the width it arrived with (64-bit ids stay 16 characters). */
export function traceIdAtWidth(ctx: TraceContext): string {
  return ctx.traceIdBits === 64 ? ctx.traceId.slice(16) : ctx.traceId;
}

/** `b3` single-header value for a context. A deferred decision omits the state (and the parent, which cannot be written without it). */
export function formatB3Single(ctx: TraceContext): string {
  const head = traceIdAtWidth(ctx) + '-' + ctx.spanId;
  if (ctx.debug) return ctx.parentSpanId ? head + '-d-' + ctx.parentSpanId : head + '-d';
  if (ctx.sampling === 'deferred') return head;
  const state = ctx.sampling === 'sampled' ? '-1' : '-0';
  return ctx.parentSpanId ? head + state + '-' + ctx.parentSpanId : head + state;
}

/** `b3` single-header value for a bare decision (`1`, `0`, `d`); `undefined` for a deferred one. */
export function formatB3SingleSamplingOnly(decision: SamplingOnly): string | undefined {
  if (decision.debug) return 'd';
  if (decision.sampling === 'sampled') return '1';
  if (decision.sampling === 'not-sampled') return '0';
  return undefined;
}

/** Writes the `X-B3-*` headers for a context into `out`. Debug sends `X-B3-Flags: 1` and no `X-B3-Sampled`. */
export function writeB3Multi(ctx: TraceContext, out: Record<string, string>): void {
  out[B3_TRACE_ID_HEADER] = traceIdAtWidth(ctx);
  out[B3_SPAN_ID_HEADER] = ctx.spanId;
  if (ctx.parentSpanId) out[B3_PARENT_SPAN_ID_HEADER] = ctx.parentSpanId;
  if (ctx.debug) out[B3_FLAGS_HEADER] = '1';
  else if (ctx.sampling === 'sampled') out[B3_SAMPLED_HEADER] = '1';
  else if (ctx.sampling === 'not-sampled') out[B3_SAMPLED_HEADER] = '0';
}

/** Writes a bare decision as `X-B3-Sampled` / `X-B3-Flags` into `out`. */
export function writeB3MultiSamplingOnly(decision: SamplingOnly, out: Record<string, string>): void {
  if (decision.debug) out[B3_FLAGS_HEADER] = '1';
  else if (decision.sampling === 'sampled') out[B3_SAMPLED_HEADER] = '1';
  else if (decision.sampling === 'not-sampled') out[B3_SAMPLED_HEADER] = '0';
}
