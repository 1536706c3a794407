/**
 * Trace context on responses: the W3C `server-timing: trace;desc=00-…` metric (Trace Context
 * Level 2) and the older `traceresponse` header that HotROD still sends. A client (the verifier's
 * driver) reads the trace id of the request it made from either.
 * @see https://www.w3.org/TR/trace-context-2/#trace-context-server-timing-metric-format
 */
import type { TraceContext } from './trace-context';
import { combinedValue, firstValue, trimOws, type HeaderValue } from './text';
import { formatTraceparent, parseTraceparent, type Traceparent } from './w3c-traceparent';

export const SERVER_TIMING_HEADER = 'server-timing';
export const TRACERESPONSE_HEADER = 'traceresponse';
/** The metric name (ASCII case-insensitive on read, lowercase on write). */
export const SERVER_TIMING_TRACE_METRIC = 'trace';
/**
 * Also read, never written: the name earlier drafts used and that servers instrumented for
 * OpenTelemetry JS's browser instrumentations still send (`traceparent;desc=…`).
 */
export const SERVER_TIMING_LEGACY_TRACE_METRIC = 'traceparent';

/** Splits on `sep` outside double-quoted strings (Server-Timing descs may be quoted and contain `,` or `;`). */
function splitOutsideQuotes(s: string, sep: number): string[] {
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 34 /* " */) quoted = !quoted;
    else if (c === 92 /* \ */ && quoted) i++;
    else if (c === sep && !quoted) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts;
}

/** A param value: a token, or a quoted-string with `\` escapes removed. */
function paramValue(raw: string): string {
  const v = trimOws(raw);
  if (v.length >= 2 && v.charCodeAt(0) === 34 && v.charCodeAt(v.length - 1) === 34) return v.slice(1, -1).replace(/\\(.)/g, '$1');
  return v;
}

/**
 * The first `trace` (or legacy `traceparent`) metric of the `Server-Timing` headers whose `desc` is a valid traceparent
 * value (same grammar and rules as the request header); `undefined` when there is none. Other
 * metrics (`db;dur=53`, `cache;desc="hit, warm"`) are skipped. Never throws.
 */
export function parseServerTimingTrace(raw: HeaderValue): Traceparent | undefined {
  const s = combinedValue(raw);
  if (typeof s !== 'string') return undefined;
  for (const metric of splitOutsideQuotes(s, 44 /* , */)) {
    const [name, ...params] = splitOutsideQuotes(metric, 59 /* ; */);
    const metricName = trimOws(name).toLowerCase();
    if (metricName !== SERVER_TIMING_TRACE_METRIC && metricName !== SERVER_TIMING_LEGACY_TRACE_METRIC) continue;
    for (const param of params) {
      const eq = param.indexOf('=');
      if (eq === -1 || trimOws(param.slice(0, eq)).toLowerCase() !== 'desc') continue;
      const parsed = parseTraceparent(paramValue(param.slice(eq + 1)));
      if (parsed) return parsed;
    }
  }
  return undefined;
}

/** `traceresponse` (the pre-Level-2 draft header): a traceparent-shaped value. Never throws. */
export function parseTraceresponse(raw: HeaderValue): Traceparent | undefined {
  const v = firstValue(raw);
  return typeof v === 'string' ? parseTraceparent(v) : undefined;
}

/**
 * The trace context a response reports, from `server-timing` (preferred, the current spec) or
 * `traceresponse`. Header names are lowercase (Node's `res.headers`).
 */
export function extractResponseTrace(headers: Readonly<Record<string, HeaderValue>>): Traceparent | undefined {
  if (headers === null || typeof headers !== 'object') return undefined;
  return parseServerTimingTrace(headers[SERVER_TIMING_HEADER]) ?? parseTraceresponse(headers[TRACERESPONSE_HEADER]);
}

/** The `server-timing` metric for the server span `ctx` (flags: sampled and random only). */
export function formatServerTimingTrace(ctx: TraceContext): string {
  const flags = (ctx.sampling === 'sampled' || ctx.debug ? 1 : 0) | (ctx.random ? 2 : 0);
  return SERVER_TIMING_TRACE_METRIC + ';desc=' + formatTraceparent(ctx.traceId, ctx.spanId, flags);
}
