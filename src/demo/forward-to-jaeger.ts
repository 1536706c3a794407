/**
 * `meshtrace demo --jaeger-url URL`: sends the spans the demo received to a real Jaeger too (its
 * OTLP/HTTP port, e.g. a port-forwarded `jaeger-collector:4318`), so a student can open the same
 * traces in the Jaeger UI. The hops export to the demo's own receiver only (a relay has one
 * exporter); the demo re-encodes what it received as OTLP/JSON, which Jaeger v2 accepts.
 */
import type { AttributeValue, Span, SpanKind } from '../verify/model';

/** OTLP `Span.SpanKind` numbers. */
const KIND_NUMBER: Record<SpanKind, number> = { unspecified: 0, internal: 1, server: 2, client: 3, producer: 4, consumer: 5 };
/** OTLP `Status.StatusCode` numbers. */
const STATUS_NUMBER = { unset: 0, ok: 1, error: 2 } as const;

type AnyValue = { stringValue: string } | { boolValue: boolean } | { intValue: string } | { doubleValue: number } | { arrayValue: { values: AnyValue[] } };

function anyValue(value: AttributeValue): AnyValue {
  if (Array.isArray(value)) return { arrayValue: { values: value.map(anyValue) } };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number') return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
  return { stringValue: String(value) };
}

function keyValues(attributes: Readonly<Record<string, AttributeValue>>): { key: string; value: AnyValue }[] {
  return Object.entries(attributes).map(([key, value]) => ({ key, value: anyValue(value) }));
}

const nanos = (us: number): string => (BigInt(Math.round(us)) * 1000n).toString();

/** OTLP/JSON `ExportTraceServiceRequest` for the spans, one resource per service. */
export function toOtlpJson(spans: readonly Span[]): { resourceSpans: unknown[] } {
  const byService = new Map<string, Span[]>();
  for (const span of spans) {
    const list = byService.get(span.service) ?? [];
    list.push(span);
    byService.set(span.service, list);
  }
  return {
    resourceSpans: [...byService].map(([service, list]) => ({
      resource: { attributes: keyValues({ ...list[0]!.resource, 'service.name': service }) },
      scopeSpans: [
        {
          scope: { name: 'meshtrace-demo' },
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
          })),
        },
      ],
    })),
  };
}

/** The OTLP traces URL for a Jaeger base URL (`/v1/traces` appended unless already there). */
export function jaegerTracesUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`--jaeger-url ${JSON.stringify(raw)}: not a URL; expected Jaeger's OTLP/HTTP endpoint, e.g. http://127.0.0.1:4318 after \`kubectl -n observability port-forward svc/jaeger-collector 4318\``);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`--jaeger-url ${JSON.stringify(raw)}: expected an http:// or https:// URL`);
  }
  if (!url.pathname.endsWith('/v1/traces')) url.pathname = `${url.pathname.replace(/\/+$/, '')}/v1/traces`;
  return url;
}

/** POSTs the spans to Jaeger; resolves to a one-line outcome, rejects with what went wrong. */
export async function forwardToJaeger(url: URL, spans: readonly Span[], timeoutMs = 5000): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(toOtlpJson(spans)),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const cause = (err as Error & { cause?: Error }).cause?.message ?? (err as Error).message;
    throw new Error(`could not send spans to Jaeger at ${url.href}: ${cause}`);
  }
  const body = await response.text();
  if (!response.ok) throw new Error(`Jaeger at ${url.href} answered ${response.status}: ${body.slice(0, 200)}`);
  return `sent ${spans.length} spans to Jaeger at ${url.href}`;
}
