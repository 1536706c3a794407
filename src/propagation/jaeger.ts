/**
 * Jaeger native propagation: `uber-trace-id: {trace-id}:{span-id}:{parent-span-id}:{flags}` and
 * one `uberctx-{key}` header per baggage item.
 * @see https://www.jaegertracing.io/docs/latest/client-libraries/#propagation-format
 */
import { isAllZero, isAnyCaseHex, isLowerHex, leftPadHex, ZERO_HEX_16 } from './hex';
import { traceIdAtWidth } from './b3';
import type { BaggageEntry, TraceContext } from './trace-context';
import { BAGGAGE_MAX_MEMBERS } from './w3c-baggage';
import { asciiTable, firstValue, isToken, percentDecodeUtf8, percentEncodeUtf8, trimOws, type HeaderValue } from './text';

export const JAEGER_TRACE_HEADER = 'uber-trace-id';
/** Prefix of the Jaeger baggage headers (`uberctx-{key}`), lowercase as Node delivers names. */
export const JAEGER_BAGGAGE_PREFIX = 'uberctx-';

export const JAEGER_FLAG_SAMPLED = 0x01;
export const JAEGER_FLAG_DEBUG = 0x02;

/** Lowercase hex, without allocating when it already is (the usual case). */
function lower(hex: string): string {
  return isLowerHex(hex) ? hex : hex.toLowerCase();
}

/**
 * Parses `uber-trace-id`. The value may be URL-encoded (`%3A` for `:`); trace ids of 1..32 and
 * span ids of 1..16 hex digits are left-padded (receivers MUST); ids of 16 or fewer digits are
 * 64-bit and keep that width on output. Hex of either case is accepted, as the Jaeger clients
 * did, and stored lowercase. Flags are 1..2 hex digits: 0x01 sampled, 0x02 debug (implies
 * sampled); anything else in the flags field makes the header invalid — never "sampled".
 * A zero parent means "root". Never throws.
 */
export function parseUberTraceId(raw: HeaderValue): TraceContext | undefined {
  const first = firstValue(raw);
  if (typeof first !== 'string') return undefined;
  const v = trimOws(first.indexOf('%') === -1 ? first : percentDecodeUtf8(first));
  const c1 = v.indexOf(':');
  if (c1 === -1) return undefined;
  const c2 = v.indexOf(':', c1 + 1);
  if (c2 === -1) return undefined;
  const c3 = v.indexOf(':', c2 + 1);
  if (c3 === -1 || v.indexOf(':', c3 + 1) !== -1) return undefined;
  const rawTrace = v.slice(0, c1);
  const rawSpan = v.slice(c1 + 1, c2);
  const rawParent = v.slice(c2 + 1, c3);
  const rawFlags = v.slice(c3 + 1);
  if (rawTrace.length > 32 || !isAnyCaseHex(rawTrace) || isAllZero(rawTrace)) return undefined;
  if (rawSpan.length > 16 || !isAnyCaseHex(rawSpan) || isAllZero(rawSpan)) return undefined;
  if (rawParent.length > 16 || !isAnyCaseHex(rawParent)) return undefined;
  if (rawFlags.length > 2 || !isAnyCaseHex(rawFlags)) return undefined;
  const bits = rawTrace.length <= 16 ? 64 : 128;
  const trace = lower(rawTrace);
  const traceId = bits === 64 ? ZERO_HEX_16 + leftPadHex(trace, 16) : leftPadHex(trace, 32);
  const flags = parseInt(rawFlags, 16);
  const debug = (flags & JAEGER_FLAG_DEBUG) !== 0;
  return {
    traceId,
    traceIdBits: bits,
    spanId: leftPadHex(lower(rawSpan), 16),
    parentSpanId: isAllZero(rawParent) ? undefined : leftPadHex(lower(rawParent), 16),
    sampling: debug || (flags & JAEGER_FLAG_SAMPLED) !== 0 ? 'sampled' : 'not-sampled',
    debug,
    random: false,
    source: 'jaeger',
  };
}

/**
 * `uber-trace-id` for a context: the trace id at its original width, the parent span id (still
 * written by the Jaeger clients although receivers ignore it; `0` for a root) and the flags
 * (`3` for debug, `1` sampled, `0` otherwise — Jaeger cannot say "deferred").
 */
export function formatUberTraceId(ctx: TraceContext): string {
  const flags = ctx.debug ? '3' : ctx.sampling === 'sampled' ? '1' : '0';
  return traceIdAtWidth(ctx) + ':' + ctx.spanId + ':' + (ctx.parentSpanId ?? '0') + ':' + flags;
}

/**
 * Reads every `uberctx-{key}` header (lowercase names). Values are URL-decoded (bad `%`
 * sequences become U+FFFD, never an exception); empty keys are ignored. Never throws.
 */
export function parseJaegerBaggage(headers: Readonly<Record<string, HeaderValue>>): readonly BaggageEntry[] {
  let entries: BaggageEntry[] | undefined;
  for (const name in headers) {
    // Cheap first-character test before the prefix comparison: this loop sees every header.
    if (name.charCodeAt(0) !== 117 /* u */ || name.length <= JAEGER_BAGGAGE_PREFIX.length || !name.startsWith(JAEGER_BAGGAGE_PREFIX))
      continue;
    const value = firstValue(headers[name]);
    if (typeof value !== 'string') continue;
    (entries ??= []).push({ key: name.slice(JAEGER_BAGGAGE_PREFIX.length), value: percentDecodeUtf8(trimOws(value)) });
    // More than the W3C member bound can never be propagated: stop decoding (an oversized request costs no more).
    if (entries.length === BAGGAGE_MAX_MEMBERS) break;
  }
  return entries ?? [];
}

// encodeURIComponent's unreserved set: what the Jaeger JS clients leave unencoded.
const URI_SAFE = asciiTable(
  (c) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || "-_.!~*'()".includes(String.fromCharCode(c)),
);

/** Writes one `uberctx-{key}` header per baggage entry (keys lowercased: header names are case-insensitive). */
export function writeJaegerBaggage(entries: readonly BaggageEntry[], out: Record<string, string>): void {
  for (const e of entries) {
    // A key that is not a token cannot be part of a header name (Node would throw on it).
    if (isToken(e.key)) out[JAEGER_BAGGAGE_PREFIX + e.key.toLowerCase()] = percentEncodeUtf8(e.value, URI_SAFE);
  }
}
