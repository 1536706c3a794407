/**
 * OTLP/protobuf `ExportTraceServiceRequest` → spans in one pass over the wire format, without
 * building protobufjs message objects or Long values first (3× less work than decode + convert,
 * measured in scripts/bench-verify.ts). Field numbers as in otlp-proto.ts. Malformed input makes
 * protobufjs's Reader throw a RangeError, a value beyond otlp-limits.ts an OtlpLimitError; the
 * receiver answers 400 to both. Key/value lists stay structured maps (never JSON text).
 */
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import protobuf from 'protobufjs';
import type { AttributeValue, InstrumentationScope, Span, SpanEvent, SpanKind, SpanLink, SpanStatus } from '../model';
import { enterValue, OtlpLimitError, setAttribute, type ValueCount } from './otlp-limits';
import { runToEnd, type Steps } from './stepwise';

type Reader = protobuf.Reader;
const KINDS: readonly SpanKind[] = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const TWO_32 = 4294967296;

/** fixed64 nanoseconds → µs as a double (exact to ~0.25 µs at today's epoch). */
function fixed64Us(r: Reader): number {
  const lo = r.fixed32();
  const hi = r.fixed32();
  return (hi * TWO_32 + lo) / 1000;
}

function hexOf(r: Reader): string {
  const b = r.bytes() as Buffer;
  return b.length === 0 ? '' : Buffer.isBuffer(b) ? b.toString('hex') : Buffer.from(b).toString('hex');
}

function readAnyValue(r: Reader, end: number, depth: number): AttributeValue | undefined {
  let out: AttributeValue | undefined;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1:
        out = r.string();
        break;
      case 2:
        out = r.bool();
        break;
      case 3: {
        const v = r.int64() as unknown as { toNumber(): number; toString(): string } | number;
        if (typeof v === 'number') out = v;
        else {
          const n = v.toNumber();
          out = Number.isSafeInteger(n) ? n : v.toString();
        }
        break;
      }
      case 4:
        out = r.double();
        break;
      case 5: {
        const len = r.uint32();
        const stop = r.pos + len;
        const values: AttributeValue[] = [];
        while (r.pos < stop) {
          const t = r.uint32();
          if (t >>> 3 === 1 && (t & 7) === 2) {
            enterValue(depth + 1, COUNT);
            const l = r.uint32();
            const v = readAnyValue(r, r.pos + l, depth + 1);
            if (v !== undefined) values.push(v);
          } else r.skipType(t & 7);
        }
        out = values;
        break;
      }
      case 6: {
        const len = r.uint32();
        const stop = r.pos + len;
        const map: Record<string, AttributeValue> = {};
        while (r.pos < stop) {
          const t = r.uint32();
          if (t >>> 3 === 1 && (t & 7) === 2) {
            enterValue(depth + 1, COUNT);
            const l = r.uint32();
            readKeyValue(r, r.pos + l, map, depth + 1);
          } else r.skipType(t & 7);
        }
        out = map;
        break;
      }
      case 7:
        out = Buffer.from(r.bytes()).toString('base64');
        break;
      default:
        r.skipType(tag & 7);
    }
  }
  return out;
}

/**
 * Values inside the top-level attribute being read, for the bounds in otlp-limits.ts. An attribute is
 * read synchronously and never re-entered (decodes pause only between spans, see ITEMS_PER_STEP), so
 * one counter, reset per top-level attribute, serves every call.
 */
const COUNT: ValueCount = { values: 0 };

function readKeyValue(r: Reader, end: number, into: Record<string, AttributeValue>, depth: number): void {
  let key: string | undefined;
  let value: AttributeValue | undefined;
  if (depth === 1) COUNT.values = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    if (field === 1) key = r.string();
    else if (field === 2 && (tag & 7) === 2) {
      const len = r.uint32();
      try {
        value = readAnyValue(r, r.pos + len, depth);
      } catch (err) {
        throw depth === 1 && err instanceof OtlpLimitError ? err.forKey(key) : err;
      }
    } else r.skipType(tag & 7);
  }
  if (key !== undefined && value !== undefined) setAttribute(into, key, value);
}

function readAttributesField(r: Reader, into: Record<string, AttributeValue>): void {
  const len = r.uint32();
  readKeyValue(r, r.pos + len, into, 1);
}

function readEvent(r: Reader, end: number): SpanEvent {
  let name = '';
  let timeUs = 0;
  const attributes: Record<string, AttributeValue> = {};
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1:
        timeUs = fixed64Us(r);
        break;
      case 2:
        name = r.string();
        break;
      case 3:
        readAttributesField(r, attributes);
        break;
      default:
        r.skipType(tag & 7);
    }
  }
  return { name, timeUs, attributes };
}

function readStatus(r: Reader, end: number): SpanStatus {
  let code = 0;
  let message = '';
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag >>> 3 === 2) message = r.string();
    else if (tag >>> 3 === 3) code = r.int32();
    else r.skipType(tag & 7);
  }
  const c = code === 2 ? 'error' : code === 1 ? 'ok' : 'unset';
  return message === '' ? { code: c } : { code: c, message };
}

/** A link (`Span.Link`): trace id 1, span id 2, attributes 4; undefined when an id is missing. */
function readLink(r: Reader, end: number): SpanLink | undefined {
  let traceId = '';
  let spanId = '';
  const attributes: Record<string, AttributeValue> = {};
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    if (field === 1 && (tag & 7) === 2) traceId = hexOf(r);
    else if (field === 2 && (tag & 7) === 2) spanId = hexOf(r);
    else if (field === 4 && (tag & 7) === 2) readAttributesField(r, attributes);
    else r.skipType(tag & 7);
  }
  if (traceId.length !== 32 || spanId.length !== 16 || /^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId, attributes };
}

/** `InstrumentationScope`: name 1, version 2; undefined without a name. */
function readScope(r: Reader, end: number): InstrumentationScope | undefined {
  let name = '';
  let version = '';
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    if (field === 1 && (tag & 7) === 2) name = r.string();
    else if (field === 2 && (tag & 7) === 2) version = r.string();
    else r.skipType(tag & 7);
  }
  if (name === '') return undefined;
  return version === '' ? { name } : { name, version };
}

const UNSET: SpanStatus = Object.freeze({ code: 'unset' });
const NO_EVENTS: readonly SpanEvent[] = Object.freeze([]);

// long-function: runs once per span of every OTLP batch (the decoder's 3× win): one switch over the span's
// fields into locals; split up, the fields would need an accumulator object allocated per span.
function readSpan(
  r: Reader,
  end: number,
  service: string,
  resource: Readonly<Record<string, AttributeValue>>,
  scope: InstrumentationScope | undefined,
  out: Span[],
): void {
  let traceId = '';
  let spanId = '';
  let parentSpanId = '';
  let name = '';
  let kind = 0;
  let startUs = 0;
  let endUs = 0;
  const attributes: Record<string, AttributeValue> = {};
  let events: SpanEvent[] | undefined;
  let links: SpanLink[] | undefined;
  let status = UNSET;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1:
        traceId = hexOf(r);
        break;
      case 2:
        spanId = hexOf(r);
        break;
      case 4:
        parentSpanId = hexOf(r);
        break;
      case 5:
        name = r.string();
        break;
      case 6:
        kind = r.int32();
        break;
      case 7:
        startUs = fixed64Us(r);
        break;
      case 8:
        endUs = fixed64Us(r);
        break;
      case 9:
        readAttributesField(r, attributes);
        break;
      case 11: {
        const len = r.uint32();
        (events ??= []).push(readEvent(r, r.pos + len));
        break;
      }
      case 13: {
        const len = r.uint32();
        const link = readLink(r, r.pos + len);
        if (link) (links ??= []).push(link);
        break;
      }
      case 15: {
        const len = r.uint32();
        status = readStatus(r, r.pos + len);
        break;
      }
      default:
        r.skipType(tag & 7);
    }
  }
  if (traceId.length !== 32 || spanId.length !== 16) return;
  out.push({
    traceId,
    spanId,
    ...(parentSpanId.length === 16 && parentSpanId !== '0000000000000000' ? { parentSpanId } : {}),
    service,
    name,
    kind: KINDS[kind] ?? 'unspecified',
    startUs,
    durationUs: endUs > startUs ? endUs - startUs : 0,
    attributes,
    resource,
    events: events ?? NO_EVENTS,
    status,
    ...(links ? { links } : {}),
    ...(scope ? { scope } : {}),
  });
}

/**
 * Spans (or ResourceSpans) read between two steps: small enough that a step takes well under a
 * millisecond, large enough that the generator costs nothing measurable. Steps fall between spans,
 * never inside an attribute, so the shared COUNT above is never seen by two decodes at once.
 */
const ITEMS_PER_STEP = 64;

function* readResourceSpans(r: Reader, end: number, out: Span[]): Generator<void, void, void> {
  const resource: Record<string, AttributeValue> = {};
  const scopes: [number, number][] = [];
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    if (field === 1 && (tag & 7) === 2) {
      const len = r.uint32();
      const stop = r.pos + len;
      while (r.pos < stop) {
        const t = r.uint32();
        if (t >>> 3 === 1 && (t & 7) === 2) readAttributesField(r, resource);
        else r.skipType(t & 7);
      }
    } else if (field === 2 && (tag & 7) === 2) {
      // Scope spans may precede the resource on the wire: remember where they are, read them after.
      const len = r.uint32();
      scopes.push([r.pos, r.pos + len]);
      r.pos += len;
    } else r.skipType(tag & 7);
  }
  const sn = resource[ATTR_SERVICE_NAME];
  const service = typeof sn === 'string' && sn !== '' ? sn : 'unknown_service';
  const after = r.pos;
  for (const [start, stop] of scopes) {
    // The scope (field 1) may follow its spans on the wire: find it first.
    r.pos = start;
    let scope: InstrumentationScope | undefined;
    let read = 0;
    while (r.pos < stop) {
      const tag = r.uint32();
      if (tag >>> 3 === 1 && (tag & 7) === 2) {
        const len = r.uint32();
        scope = readScope(r, r.pos + len);
      } else r.skipType(tag & 7);
      // Skipping past 100 000 spans to find the scope takes tens of ms too.
      if (++read % (16 * ITEMS_PER_STEP) === 0) yield;
    }
    r.pos = start;
    read = 0;
    while (r.pos < stop) {
      const tag = r.uint32();
      if (tag >>> 3 === 2 && (tag & 7) === 2) {
        const len = r.uint32();
        readSpan(r, r.pos + len, service, resource, scope, out);
        if (++read % ITEMS_PER_STEP === 0) yield;
      } else r.skipType(tag & 7);
    }
  }
  r.pos = after;
}

/** Decodes an OTLP/protobuf export request body straight into spans. Throws on malformed input. */
export function spansFromOtlpProtobuf(body: Uint8Array): Span[] {
  return runToEnd(otlpProtobufSpanSteps(body));
}

/** The same decode in steps (stepwise.ts): the receiver spreads a large body over event-loop turns. */
export function* otlpProtobufSpanSteps(body: Uint8Array): Steps<Span[]> {
  const r = protobuf.Reader.create(body);
  const out: Span[] = [];
  let read = 0;
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag >>> 3 === 1 && (tag & 7) === 2) {
      const len = r.uint32();
      yield* readResourceSpans(r, r.pos + len, out);
      if (++read % ITEMS_PER_STEP === 0) yield;
    } else if (tag >>> 3 === 0) {
      // Field number 0 is reserved by the protobuf encoding: a body of zeros or random bytes is refused
      // at its first byte instead of being skipped through, varint by varint.
      throw new RangeError(`invalid field number 0 at offset ${r.pos - 1}`);
    } else r.skipType(tag & 7);
  }
  return out;
}
