/**
 * OTLP `TracesData` → the Trace model. One converter serves every OTLP shape we meet:
 * OTLP/JSON (Jaeger `/api/v3` inside `{"result": …}`, trace files, the receiver's JSON path) and
 * the objects protobufjs decodes from OTLP/protobuf (ids as bytes, 64-bit times as Long,
 * scalar defaults on the prototype). Pure; unknown or malformed members are skipped, never thrown;
 * only a value beyond the bounds of otlp-limits.ts throws (OtlpLimitError).
 */
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { AttributeValue, InstrumentationScope, Span, SpanEvent, SpanKind, SpanLink, SpanStatus, Trace } from '../model';
import { isEmptyId, normalizeSpanId, normalizeTraceId } from '../ids';
import { enterValue, OtlpLimitError, setAttribute, type ValueCount } from './otlp-limits';
import { runToEnd, type Steps } from './stepwise';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Loose = any;

const KIND_BY_NUMBER: readonly SpanKind[] = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const KIND_BY_NAME: Readonly<Record<string, SpanKind>> = {
  SPAN_KIND_UNSPECIFIED: 'unspecified',
  SPAN_KIND_INTERNAL: 'internal',
  SPAN_KIND_SERVER: 'server',
  SPAN_KIND_CLIENT: 'client',
  SPAN_KIND_PRODUCER: 'producer',
  SPAN_KIND_CONSUMER: 'consumer',
};

function spanKind(kind: unknown): SpanKind {
  if (typeof kind === 'number') return KIND_BY_NUMBER[kind] ?? 'unspecified';
  if (typeof kind === 'string') return KIND_BY_NAME[kind] ?? 'unspecified';
  return 'unspecified';
}

function statusOf(status: Loose): SpanStatus {
  if (!status) return { code: 'unset' };
  const c = status.code;
  const code = c === 2 || c === 'STATUS_CODE_ERROR' ? 'error' : c === 1 || c === 'STATUS_CODE_OK' ? 'ok' : 'unset';
  const message = typeof status.message === 'string' && status.message !== '' ? status.message : undefined;
  return message === undefined ? { code } : { code, message };
}

/** OTLP/JSON ids are hex (the OTLP spec's exception to proto3 JSON); some producers still send base64. */
function idToHex(id: unknown, bytes: number): string {
  if (id === undefined || id === null) return '';
  if (typeof id === 'string') {
    if (id.length === bytes * 2 && /^[0-9a-fA-F]+$/.test(id)) return id.toLowerCase();
    if (id.length > 0 && id.length !== bytes * 2 && /^[A-Za-z0-9+/]+=*$/.test(id)) {
      const buf = Buffer.from(id, 'base64');
      if (buf.length === bytes) return buf.toString('hex');
    }
    return id;
  }
  if (id instanceof Uint8Array) {
    return id.length === 0 ? '' : Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex');
  }
  return '';
}

/** Nanosecond stamps (string, number or Long) → microseconds. */
function micros(v: unknown): number {
  if (typeof v === 'number') return v / 1000;
  if (typeof v === 'string') {
    // Split off the nanoseconds so microseconds stay exact (a double holds ~16 digits, epoch ns has 19).
    if (v.length > 3 && /^\d+$/.test(v)) return Number(v.slice(0, -3)) + Number(v.slice(-3)) / 1000;
    return v === '' ? 0 : Number(v) / 1000;
  }
  // Long: doubles keep ~0.25 µs at today's epoch, enough for span timing.
  if (v && typeof (v as Loose).toNumber === 'function') return (v as Loose).toNumber() / 1000;
  return 0;
}

/** Exact difference of two nanosecond stamps when they come as strings or Longs (durations under 1 µs survive). */
function nanoDiff(end: unknown, start: unknown): number {
  if (typeof end === 'string' && typeof start === 'string' && end !== '' && start !== '') {
    return Number(BigInt(end) - BigInt(start));
  }
  if (end && start && typeof (end as Loose).subtract === 'function') {
    return (end as Loose).subtract(start).toNumber();
  }
  return (micros(end) - micros(start)) * 1000;
}

const ANY_VALUE_FIELDS = ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue'] as const;

/**
 * OTLP AnyValue → AttributeValue; kvlists become structured maps. `depth` is the value's nesting
 * level (1 = an attribute's own value); bounds from otlp-limits.ts throw an OtlpLimitError.
 */
export function anyValue(v: Loose, depth = 1, count: ValueCount = { values: 0 }): AttributeValue | undefined {
  if (v === null || v === undefined) return undefined;
  // protobufjs exposes the set member of the oneof as `value`; OTLP/JSON sets only that member.
  const field: string | undefined = typeof v.value === 'string' ? v.value : ANY_VALUE_FIELDS.find((f) => v[f] !== undefined);
  switch (field) {
    case 'stringValue':
      return String(v.stringValue);
    case 'boolValue':
      return v.boolValue === true || v.boolValue === 'true';
    case 'intValue': {
      const n = v.intValue;
      if (typeof n === 'number') return n;
      if (n && typeof n.toNumber === 'function') {
        const num = n.toNumber();
        return Number.isSafeInteger(num) ? num : n.toString();
      }
      const num = Number(n);
      return Number.isSafeInteger(num) ? num : String(n);
    }
    case 'doubleValue':
      return typeof v.doubleValue === 'number' ? v.doubleValue : Number(v.doubleValue);
    case 'arrayValue': {
      const values: Loose = v.arrayValue?.values;
      if (!Array.isArray(values)) return [];
      const out: AttributeValue[] = [];
      for (const element of values) {
        enterValue(depth + 1, count);
        const x = anyValue(element, depth + 1, count);
        if (x !== undefined) out.push(x);
      }
      return out;
    }
    case 'kvlistValue':
      return keyValues(v.kvlistValue?.values, depth + 1, count);
    case 'bytesValue':
      return v.bytesValue instanceof Uint8Array ? Buffer.from(v.bytesValue).toString('base64') : String(v.bytesValue);
    default:
      return undefined;
  }
}

function keyValues(list: Loose, depth: number, count: ValueCount): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  if (!Array.isArray(list)) return out;
  for (const kv of list) {
    if (!kv || typeof kv.key !== 'string') continue;
    if (depth > 1) enterValue(depth, count);
    else count.values = 0;
    let value: AttributeValue | undefined;
    try {
      value = anyValue(kv.value, depth, count);
    } catch (err) {
      throw depth === 1 && err instanceof OtlpLimitError ? err.forKey(kv.key) : err;
    }
    if (value !== undefined) setAttribute(out, kv.key, value);
  }
  return out;
}

/** An OTLP `repeated KeyValue` (span, event or resource attributes) → a record. */
export function attributesOf(list: Loose): Record<string, AttributeValue> {
  return keyValues(list, 1, { values: 0 });
}

function eventsOf(list: Loose): SpanEvent[] {
  if (!Array.isArray(list) || list.length === 0) return [];
  return list.map((e: Loose) => ({
    name: typeof e?.name === 'string' ? e.name : '',
    timeUs: micros(e?.timeUnixNano),
    attributes: attributesOf(e?.attributes),
  }));
}

function linksOf(list: Loose): SpanLink[] | undefined {
  if (!Array.isArray(list) || list.length === 0) return undefined;
  const out: SpanLink[] = [];
  for (const l of list) {
    const traceId = idToHex(l?.traceId ?? l?.trace_id, 16);
    const spanId = idToHex(l?.spanId ?? l?.span_id, 8);
    if (isEmptyId(traceId) || isEmptyId(spanId)) continue;
    out.push({ traceId: normalizeTraceId(traceId), spanId: normalizeSpanId(spanId), attributes: attributesOf(l?.attributes) });
  }
  return out.length ? out : undefined;
}

/** OTLP `InstrumentationScope` (older: `instrumentationLibrary`); undefined when it has no name. */
export function scopeOf(scope: Loose): InstrumentationScope | undefined {
  const name = scope?.name;
  if (typeof name !== 'string' || name === '') return undefined;
  const version = scope?.version;
  return typeof version === 'string' && version !== '' ? { name, version } : { name };
}

/**
 * Flattens OTLP `resourceSpans` into spans. Accepts the snake_case spelling too
 * (`resource_spans`, `scope_spans`), which older collectors' file exporters wrote.
 */
export function spansFromOtlp(data: Loose): Span[] {
  return runToEnd(otlpSpanSteps(data));
}

/** Items (ResourceSpans, ScopeSpans, spans) converted between two steps (stepwise.ts): well under a millisecond. */
const ITEMS_PER_STEP = 64;

/** The same conversion in steps: the receiver spreads a large OTLP/JSON body over event-loop turns. */
export function* otlpSpanSteps(data: Loose): Steps<Span[]> {
  const out: Span[] = [];
  const resourceSpans: Loose[] = data?.resourceSpans ?? data?.resource_spans ?? [];
  if (!Array.isArray(resourceSpans)) return out;
  let items = 0;
  for (const rs of resourceSpans) {
    if (++items % ITEMS_PER_STEP === 0) yield;
    const resource = attributesOf(rs?.resource?.attributes);
    const serviceName = resource[ATTR_SERVICE_NAME];
    const service = typeof serviceName === 'string' && serviceName !== '' ? serviceName : 'unknown_service';
    const scopeSpans: Loose[] = rs?.scopeSpans ?? rs?.scope_spans ?? rs?.instrumentationLibrarySpans ?? [];
    if (!Array.isArray(scopeSpans)) continue;
    for (const ss of scopeSpans) {
      if (++items % ITEMS_PER_STEP === 0) yield;
      const spans: Loose[] = ss?.spans ?? [];
      if (!Array.isArray(spans)) continue;
      const scope = scopeOf(ss?.scope ?? ss?.instrumentationLibrary);
      for (const s of spans) {
        const span = spanFromOtlp(s, service, resource, scope);
        if (span) out.push(span);
        if (++items % ITEMS_PER_STEP === 0) yield;
      }
    }
  }
  return out;
}

function spanFromOtlp(
  s: Loose,
  service: string,
  resource: Record<string, AttributeValue>,
  scope: InstrumentationScope | undefined,
): Span | undefined {
  if (!s) return undefined;
  const traceId = idToHex(s.traceId ?? s.trace_id, 16);
  const spanId = idToHex(s.spanId ?? s.span_id, 8);
  if (traceId === '' || spanId === '') return undefined;
  const parent = idToHex(s.parentSpanId ?? s.parent_span_id, 8);
  const start = s.startTimeUnixNano ?? s.start_time_unix_nano;
  const end = s.endTimeUnixNano ?? s.end_time_unix_nano;
  const span: Span = {
    traceId: normalizeTraceId(traceId),
    spanId: normalizeSpanId(spanId),
    ...(isEmptyId(parent) ? {} : { parentSpanId: normalizeSpanId(parent) }),
    service,
    name: typeof s.name === 'string' ? s.name : '',
    kind: spanKind(s.kind),
    startUs: micros(start),
    durationUs: Math.max(0, nanoDiff(end, start) / 1000),
    attributes: attributesOf(s.attributes),
    resource,
    events: eventsOf(s.events),
    status: statusOf(s.status),
  };
  const links = linksOf(s.links);
  if (links === undefined && scope === undefined) return span;
  return { ...span, ...(links ? { links } : {}), ...(scope ? { scope } : {}) };
}

/** Groups spans by trace id, keeping first-seen order of traces and spans. */
export function groupTraces(spans: readonly Span[]): Trace[] {
  const byId = new Map<string, Span[]>();
  for (const s of spans) {
    let list = byId.get(s.traceId);
    if (!list) byId.set(s.traceId, (list = []));
    list.push(s);
  }
  return [...byId].map(([traceId, list]) => ({ traceId, spans: list }));
}
