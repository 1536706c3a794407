/**
 * What the verify model must hold for a span the OpenTelemetry JS SDK ended (its in-memory copy):
 * the reference the receiver's spans are compared with, field by field. Times are the SDK's HrTime
 * made epoch nanoseconds exactly (BigInt), then µs the way the receiver divides them.
 */
import { SpanKind, SpanStatusCode, type HrTime } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { AttributeValue, Span, SpanKind as ModelKind } from '../../../src/verify/model';

const KIND: Readonly<Record<SpanKind, ModelKind>> = {
  [SpanKind.INTERNAL]: 'internal',
  [SpanKind.SERVER]: 'server',
  [SpanKind.CLIENT]: 'client',
  [SpanKind.PRODUCER]: 'producer',
  [SpanKind.CONSUMER]: 'consumer',
};

/** OTel HrTime [s, ns] → epoch ns, exactly. */
export const hrToNanos = (t: HrTime): bigint => BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);
/** OTel HrTime [s, ns] → epoch µs (what the trace model holds). */
export const hrToMicros = (t: HrTime): number => Number(hrToNanos(t)) / 1000;
const us = hrToMicros;

function attrs(a: Readonly<Record<string, unknown>>): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [k, v] of Object.entries(a)) if (v !== undefined && v !== null) out[k] = v as AttributeValue;
  return out;
}

export function expectedSpan(s: ReadableSpan): Span {
  const ctx = s.spanContext();
  const message = s.status.message;
  const scope = s.instrumentationScope;
  return {
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    ...(s.parentSpanContext ? { parentSpanId: s.parentSpanContext.spanId } : {}),
    service: String(s.resource.attributes['service.name']),
    name: s.name,
    kind: KIND[s.kind],
    startUs: us(s.startTime),
    durationUs: us(s.endTime) - us(s.startTime),
    attributes: attrs(s.attributes),
    resource: attrs(s.resource.attributes),
    events: s.events.map((e) => ({ name: e.name, timeUs: us(e.time), attributes: attrs(e.attributes ?? {}) })),
    status: {
      code: s.status.code === SpanStatusCode.ERROR ? 'error' : s.status.code === SpanStatusCode.OK ? 'ok' : 'unset',
      ...(message ? { message } : {}),
    },
    ...(s.links.length
      ? { links: s.links.map((l) => ({ traceId: l.context.traceId, spanId: l.context.spanId, attributes: attrs(l.attributes ?? {}) })) }
      : {}),
    ...(scope.name ? { scope: scope.version ? { name: scope.name, version: scope.version } : { name: scope.name } } : {}),
  };
}

/**
 * `received` is `want` but for times, which are compared within 1 µs: the SDK's HrTime is exact ns,
 * but epoch nanoseconds held in a double (on either side) are only good to 256 ns, a duration is the
 * difference of two such values, and Jaeger's legacy API cuts times to whole µs.
 */
export function expectSameSpan(received: Span | undefined, want: Span): void {
  expect(received).toBeDefined();
  const strip = (s: Span) => ({ ...s, startUs: 0, durationUs: 0, events: s.events.map((e) => ({ ...e, timeUs: 0 })) });
  expect(strip(received!)).toEqual(strip(want));
  expect(Math.abs(received!.startUs - want.startUs)).toBeLessThan(1);
  expect(Math.abs(received!.durationUs - want.durationUs)).toBeLessThan(1);
  received!.events.forEach((e, i) => expect(Math.abs(e.timeUs - want.events[i]!.timeUs)).toBeLessThan(1));
}
