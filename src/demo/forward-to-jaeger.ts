/**
 * `meshtrace demo --otlp-endpoint URL`: sends the spans the demo received to a real Jaeger too (its
 * OTLP/HTTP port, e.g. a port-forwarded `jaeger-collector:4318`), so a student can open the same
 * traces in the Jaeger UI. The hops export to the demo's own receiver only (a relay has one
 * exporter); the demo re-encodes what it received as OTLP/JSON, which Jaeger v2 accepts.
 */
import type { Span } from '../verify/model';
import { encodeOtlpJson } from '../verify/sources/otlp-json-encode';

/** The OTLP traces URL for a Jaeger base URL (`/v1/traces` appended unless already there); `flag` names it in errors. */
export function jaegerTracesUrl(raw: string, flag = '--otlp-endpoint'): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(
      `${flag} ${JSON.stringify(raw)}: not a URL; expected Jaeger's OTLP/HTTP endpoint, e.g. http://127.0.0.1:4318 after \`kubectl -n observability port-forward svc/jaeger-collector 4318\``,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`${flag} ${JSON.stringify(raw)}: expected an http:// or https:// URL`);
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
      body: JSON.stringify(encodeOtlpJson(spans, 'meshtrace-demo')),
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
