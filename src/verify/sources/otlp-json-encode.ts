/**
 * The verify model written back as OTLP/JSON: the demo forwards what its receiver got to a real
 * Jaeger with it, and tests serve it as Jaeger `/api/v3` answers. The inverse of `spansFromOtlp`.
 */
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { AttributeValue, Span, SpanKind } from '../model';

/** OTLP `Span.SpanKind` numbers. */
const KIND_NUMBER: Record<SpanKind, number> = { unspecified: 0, internal: 1, server: 2, client: 3, producer: 4, consumer: 5 };
/** OTLP `Status.StatusCode` numbers. */
const STATUS_NUMBER = { unset: 0, ok: 1, error: 2 } as const;

type AnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number }
  | { arrayValue: { values: AnyValue[] } }
  | { kvlistValue: { values: { key: string; value: AnyValue }[] } };

function anyValue(value: AttributeValue): AnyValue {
  if (Array.isArray(value)) return { arrayValue: { values: value.map(anyValue) } };
  if (typeof value === 'object' && value !== null)
    return { kvlistValue: { values: keyValues(value as Readonly<Record<string, AttributeValue>>) } };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number') return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
  return { stringValue: String(value) };
}

function keyValues(attributes: Readonly<Record<string, AttributeValue>>): { key: string; value: AnyValue }[] {
  return Object.entries(attributes).map(([key, value]) => ({ key, value: anyValue(value) }));
}

const nanos = (us: number): string => (BigInt(Math.round(us)) * 1000n).toString();

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

/**
 * OTLP/JSON `ExportTraceServiceRequest` (= `TracesData`) for the spans, one resource per service and
 * one scope per instrumentation scope, ids as hex: what Jaeger v2's OTLP/HTTP receiver accepts and
 * `spansFromOtlp` reads back.
 * @param scopeName the instrumentation scope of spans that name none
 */
export function encodeOtlpJson(spans: readonly Span[], scopeName: string): { resourceSpans: unknown[] } {
  return {
    resourceSpans: [...groupBy(spans, (s) => s.service)].map(([service, serviceSpans]) => ({
      resource: { attributes: keyValues({ ...serviceSpans[0]!.resource, [ATTR_SERVICE_NAME]: service }) },
      scopeSpans: [...groupBy(serviceSpans, (s) => `${s.scope?.name ?? scopeName}\u0000${s.scope?.version ?? ''}`).values()].map(
        (list) => ({
          scope: { name: list[0]!.scope?.name ?? scopeName, ...(list[0]!.scope?.version ? { version: list[0]!.scope.version } : {}) },
          spans: list.map((s) => ({
            traceId: s.traceId,
            spanId: s.spanId,
            ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
            name: s.name,
            kind: KIND_NUMBER[s.kind],
            startTimeUnixNano: nanos(s.startUs),
            endTimeUnixNano: nanos(s.startUs + s.durationUs),
            attributes: keyValues(s.attributes),
            events: s.events.map((e) => ({ name: e.name, timeUnixNano: nanos(e.timeUs), attributes: keyValues(e.attributes) })),
            status: { code: STATUS_NUMBER[s.status.code], ...(s.status.message ? { message: s.status.message } : {}) },
            ...(s.links?.length
              ? { links: s.links.map((l) => ({ traceId: l.traceId, spanId: l.spanId, attributes: keyValues(l.attributes) })) }
              : {}),
          })),
        }),
      ),
    })),
  };
}
