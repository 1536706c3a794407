/**
 * What real Jaeger 2.12 (the kit's collector + query over remote-storage, `npm run peers`) gives back
 * of a span an OpenTelemetry SDK exported to it, as the verifier's sources read it: the span the SDK
 * recorded (`expectedSpan`) with Jaeger's own conversions applied. Each conversion was read off the
 * real APIs (test/real/otel-services-jaeger.test.ts compares a whole batch field by field):
 *   - attribute arrays come back as their JSON text, on both APIs: Jaeger's storage model (behind
 *     remote-storage) has no array type (`["a","b"]`, a string);
 *   - a span link loses its attributes (a Jaeger reference has none): /api/v3 returns the
 *     FOLLOWS_FROM reference it became as a link whose one attribute is `opentracing.ref_type:
 *     follows_from`; the legacy API returns it as a FOLLOWS_FROM reference (`refType`);
 *   - the legacy API keeps as tags what the OTLP → Jaeger translation put there: `span.kind`,
 *     `otel.scope.name` / `.version`, `otel.status_code`, `otel.status_description` and `error: true`,
 *     and `w3c.tracestate`; the source reads kind, scope and status from them and leaves them among
 *     the attributes. /api/v3 gives all of them back as OTLP fields instead (`traceState` too, which the
 *     trace model does not hold);
 *   - the legacy API cuts times to whole µs (Go's integer division of the exact ns: start, duration
 *     = end − start, event times each truncated); /api/v3 keeps nanoseconds;
 *   - /api/v3 adds `@jaeger@warnings` (a string array) where the query's adjusters had something to say
 *     (clock skew adjustment disabled; a parent not in the trace): that is Jaeger's, not the span's,
 *     and `withoutJaegerWarnings` takes it off before a comparison.
 */
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { AttributeValue, Span, SpanLink } from '../../../src/verify/model';
import { hrToNanos } from './sdk-span';

export type JaegerApi = 'v3' | 'legacy';

/** Jaeger's storage model has no arrays: it keeps their JSON text. */
function stored(attrs: Readonly<Record<string, AttributeValue>>): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, Array.isArray(v) ? JSON.stringify(v) : v]));
}

/** The tags the OTLP → Jaeger translation adds, which the legacy API returns as attributes. */
function legacyTags(want: Span, traceState: string): Record<string, AttributeValue> {
  return {
    ...(want.kind !== 'unspecified' ? { 'span.kind': want.kind } : {}),
    ...(want.scope
      ? { 'otel.scope.name': want.scope.name, ...(want.scope.version ? { 'otel.scope.version': want.scope.version } : {}) }
      : {}),
    ...(want.status.code === 'error'
      ? { 'otel.status_code': 'ERROR', error: true }
      : want.status.code === 'ok'
        ? { 'otel.status_code': 'OK' }
        : {}),
    ...(want.status.code === 'error' && want.status.message ? { 'otel.status_description': want.status.message } : {}),
    ...(traceState ? { 'w3c.tracestate': traceState } : {}),
  };
}

/** `want` (the SDK's span as the model holds it, `expectedSpan(sdk)`) as Jaeger's `api` returns it. */
export function asJaegerReturns(want: Span, sdk: ReadableSpan, api: JaegerApi): Span {
  const traceState = sdk.spanContext().traceState?.serialize() ?? '';
  const links = want.links?.map((l): SpanLink =>
    api === 'v3'
      ? { traceId: l.traceId, spanId: l.spanId, attributes: { 'opentracing.ref_type': 'follows_from' } }
      : { traceId: l.traceId, spanId: l.spanId, attributes: {}, refType: 'FOLLOWS_FROM' },
  );
  const wholeUs = (ns: bigint): number => Number(ns / 1000n);
  const times =
    api === 'legacy'
      ? { startUs: wholeUs(hrToNanos(sdk.startTime)), durationUs: wholeUs(hrToNanos(sdk.endTime) - hrToNanos(sdk.startTime)) }
      : {};
  return {
    ...want,
    ...times,
    attributes: { ...stored(want.attributes), ...(api === 'legacy' ? legacyTags(want, traceState) : {}) },
    resource: stored(want.resource),
    events: want.events.map((e, i) => ({
      ...e,
      attributes: stored(e.attributes),
      ...(api === 'legacy' ? { timeUs: wholeUs(hrToNanos(sdk.events[i]!.time)) } : {}),
    })),
    ...(links ? { links } : {}),
  };
}

/** The span without the `@jaeger@warnings` attribute Jaeger's query adds (see above). */
export function withoutJaegerWarnings(span: Span | undefined): Span | undefined {
  if (!span || !('@jaeger@warnings' in span.attributes)) return span;
  const { '@jaeger@warnings': _warnings, ...attributes } = span.attributes;
  void _warnings;
  return { ...span, attributes };
}
