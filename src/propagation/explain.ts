/**
 * Why a trace header was rejected, in words: what was wrong, the value, what is allowed. The
 * parsers stay silent (`undefined`, fast, on every request); these run only when someone asks —
 * the relay's logs, the verifier's "format mismatch at hop X" diagnosis, a user debugging a
 * broken trace. Never throw.
 */
import {
  B3_FLAGS_HEADER,
  B3_PARENT_SPAN_ID_HEADER,
  B3_SAMPLED_HEADER,
  B3_SINGLE_HEADER,
  B3_SPAN_ID_HEADER,
  B3_TRACE_ID_HEADER,
  parseB3Multi,
  parseB3Single,
} from './b3';
import { isAllZero, isAnyCaseHex, isLowerHex } from './hex';
import { JAEGER_TRACE_HEADER, parseUberTraceId } from './jaeger';
import { combinedValue, firstValue, isOws, trimOws, type HeaderValue } from './text';
import { parseTraceparent, TRACEPARENT_HEADER } from './w3c-traceparent';
import { isValidTraceStateKey, isValidTraceStateValue, parseTraceState, TRACESTATE_HEADER, TRACESTATE_MAX_MEMBERS } from './w3c-tracestate';

const MAX_SHOWN = 80;

/** The value as shown in a message: JSON-quoted, long values cut. */
function show(v: string): string {
  return JSON.stringify(v.length > MAX_SHOWN ? v.slice(0, MAX_SHOWN) + '…' : v);
}

function hexField(name: string, v: string, width: number): string | undefined {
  if (v.length !== width || !isLowerHex(v)) return `${name} ${show(v)} must be ${width} lowercase hex digits`;
  if (isAllZero(v)) return `${name} must not be all zeros`;
  return undefined;
}

/** Why a `traceparent` value (or repeated header) is invalid; `undefined` when it is valid. */
export function explainTraceparent(raw: HeaderValue): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') {
    if (raw.length > 1) return `traceparent: sent ${raw.length} times; a request carries one (a repeated traceparent restarts the trace)`;
    if (raw.length === 0) return undefined;
    return explainTraceparent(raw[0]);
  }
  if (parseTraceparent(raw)) return undefined;
  const v = trimOws(raw);
  const prefix = `traceparent ${show(raw)}:`;
  const expected = 'expected version-traceid-parentid-flags, e.g. 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  if (v.length < 55) return `${prefix} ${v.length} characters; ${expected} (55 characters)`;
  if (v[2] !== '-' || v[35] !== '-' || v[52] !== '-')
    return `${prefix} fields must be separated by "-" after 2, 32 and 16 hex digits; ${expected}`;
  const version = v.slice(0, 2);
  if (!isLowerHex(version)) return `${prefix} version ${show(version)} must be 2 lowercase hex digits`;
  if (version === 'ff') return `${prefix} version ff is forbidden`;
  if (version === '00' && v.length !== 55)
    return `${prefix} version 00 must be exactly 55 characters, got ${v.length} (trailing ${show(v.slice(55))})`;
  if (version !== '00' && v.length > 55 && v[55] !== '-')
    return `${prefix} a future version may add fields only after "-", got ${show(v.slice(55))}`;
  return (
    [
      hexField('trace-id', v.slice(3, 35), 32),
      hexField('parent-id', v.slice(36, 52), 16),
      isLowerHex(v.slice(53, 55)) ? undefined : `trace-flags ${show(v.slice(53, 55))} must be 2 lowercase hex digits`,
    ]
      .filter((m): m is string => m !== undefined)
      .map((m) => `${prefix} ${m}`)[0] ?? `${prefix} invalid; ${expected}`
  );
}

/** Why the combined `tracestate` is discarded; `undefined` when it is kept (or absent). */
export function explainTraceState(raw: HeaderValue): string | undefined {
  if (parseTraceState(raw) !== undefined) return undefined;
  const s = combinedValue(raw) ?? '';
  const keys = new Set<string>();
  for (const part of s.split(',')) {
    let a = 0;
    let b = part.length;
    while (a < b && isOws(part.charCodeAt(a))) a++;
    while (b > a && isOws(part.charCodeAt(b - 1))) b--;
    const member = part.slice(a, b);
    if (!member) continue;
    const eq = member.indexOf('=');
    if (eq === -1) return `tracestate member ${show(member)} has no "=": expected key=value (the whole header is discarded)`;
    const key = member.slice(0, eq);
    const value = member.slice(eq + 1);
    if (!isValidTraceStateKey(key)) {
      return `tracestate key ${show(key)} is invalid: 1-256 characters of a-z 0-9 _ - * / @, starting with a-z or 0-9 (the whole header is discarded)`;
    }
    if (!isValidTraceStateValue(value)) {
      return `tracestate value ${show(value)} of key ${show(key)} is invalid: 1-256 printable ASCII characters except "," and "=", not ending in a space (the whole header is discarded)`;
    }
    keys.add(key);
  }
  return `tracestate has ${keys.size} members; at most ${TRACESTATE_MAX_MEMBERS} (the whole header is discarded)`;
}

/** Why a `b3` single header is invalid; `undefined` when valid or absent. */
export function explainB3Single(raw: HeaderValue): string | undefined {
  const v = firstValue(raw);
  if (v === undefined || parseB3Single(raw)) return undefined;
  return `b3 ${show(String(v))}: expected {traceid}-{spanid}[-{1|0|d}[-{parentspanid}]] (trace id 16 or 32, span ids 16 lowercase hex digits, not all zeros) or 1, 0, d alone`;
}

/** Why the `X-B3-*` headers are invalid; `undefined` when valid or absent. */
export function explainB3Multi(headers: Readonly<Record<string, HeaderValue>>): string | undefined {
  const names = [B3_TRACE_ID_HEADER, B3_SPAN_ID_HEADER, B3_PARENT_SPAN_ID_HEADER, B3_SAMPLED_HEADER, B3_FLAGS_HEADER];
  const present = names.filter((n) => headers[n] !== undefined);
  if (present.length === 0 || parseB3Multi(headers)) return undefined;
  const get = (n: string) => trimOws(String(firstValue(headers[n]) ?? ''));
  const traceId = headers[B3_TRACE_ID_HEADER] !== undefined ? get(B3_TRACE_ID_HEADER) : undefined;
  const spanId = headers[B3_SPAN_ID_HEADER] !== undefined ? get(B3_SPAN_ID_HEADER) : undefined;
  if ((traceId === undefined) !== (spanId === undefined))
    return `X-B3-TraceId and X-B3-SpanId come together; only ${traceId === undefined ? 'X-B3-SpanId' : 'X-B3-TraceId'} was sent`;
  if (traceId !== undefined && ((traceId.length !== 16 && traceId.length !== 32) || !isLowerHex(traceId) || isAllZero(traceId)))
    return `X-B3-TraceId ${show(traceId)} must be 16 or 32 lowercase hex digits, not all zeros`;
  if (spanId !== undefined && (spanId.length !== 16 || !isLowerHex(spanId) || isAllZero(spanId)))
    return `X-B3-SpanId ${show(spanId)} must be 16 lowercase hex digits, not all zeros`;
  if (headers[B3_PARENT_SPAN_ID_HEADER] !== undefined) {
    const p = get(B3_PARENT_SPAN_ID_HEADER);
    if (p.length !== 16 || !isLowerHex(p)) return `X-B3-ParentSpanId ${show(p)} must be 16 lowercase hex digits`;
    if (traceId === undefined) return 'X-B3-ParentSpanId without X-B3-TraceId and X-B3-SpanId';
  }
  if (headers[B3_FLAGS_HEADER] !== undefined && !['0', '1'].includes(get(B3_FLAGS_HEADER)))
    return `X-B3-Flags ${show(get(B3_FLAGS_HEADER))} must be 1 (debug) or 0`;
  if (headers[B3_SAMPLED_HEADER] !== undefined && !['0', '1', 'true', 'false'].includes(get(B3_SAMPLED_HEADER)))
    return `X-B3-Sampled ${show(get(B3_SAMPLED_HEADER))} must be 1 or 0 (true/false accepted)`;
  return `X-B3-* headers ${present.join(', ')} carry no decision and no ids`;
}

/** Why `uber-trace-id` is invalid; `undefined` when valid or absent. */
export function explainUberTraceId(raw: HeaderValue): string | undefined {
  const v = firstValue(raw);
  if (v === undefined || parseUberTraceId(raw)) return undefined;
  const parts = String(v).replace(/%3a/gi, ':').split(':');
  const prefix = `uber-trace-id ${show(String(v))}:`;
  if (parts.length !== 4) return `${prefix} ${parts.length} fields; expected {trace-id}:{span-id}:{parent-span-id}:{flags}`;
  const [t, s, p, f] = parts.map(trimOws);
  if (t.length > 32 || !isAnyCaseHex(t) || isAllZero(t)) return `${prefix} trace-id ${show(t)} must be 1-32 hex digits, not zero`;
  if (s.length > 16 || !isAnyCaseHex(s) || isAllZero(s)) return `${prefix} span-id ${show(s)} must be 1-16 hex digits, not zero`;
  if (p.length > 16 || !isAnyCaseHex(p)) return `${prefix} parent-span-id ${show(p)} must be 1-16 hex digits (0 for a root)`;
  if (f.length > 2 || !isAnyCaseHex(f)) return `${prefix} flags ${show(f)} must be 1-2 hex digits (0x01 sampled, 0x02 debug)`;
  return `${prefix} invalid`;
}

/**
 * Every problem with the trace headers of a request, one sentence each (empty when all present
 * formats are valid). Header names lowercase, as Node delivers them.
 */
export function explainTraceHeaders(headers: Readonly<Record<string, HeaderValue>>): string[] {
  if (headers === null || typeof headers !== 'object') return [];
  const out: string[] = [];
  const tp = explainTraceparent(headers[TRACEPARENT_HEADER]);
  if (tp) out.push(tp);
  else if (headers[TRACEPARENT_HEADER] !== undefined) {
    const ts = explainTraceState(headers[TRACESTATE_HEADER]);
    if (ts) out.push(ts);
  }
  for (const m of [explainB3Single(headers[B3_SINGLE_HEADER]), explainB3Multi(headers), explainUberTraceId(headers[JAEGER_TRACE_HEADER])])
    if (m) out.push(m);
  return out;
}
