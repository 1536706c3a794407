/**
 * Real OTLP/HTTP exports for receiver tests: a span from the OpenTelemetry SDK (attributes replaced at
 * will, since the SDK itself refuses map values) and a POST over loopback that decodes the
 * google.rpc.Status of every refusal.
 */
import { expect } from '@jest/globals';
import { request } from 'undici';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { OtlpReceiver } from '../../../src/verify/sources/otlp-receiver';
import { decodeRpcStatus } from '../../../src/verify/sources/otlp-proto';

export const PROTO = 'application/x-protobuf';
export const JSON_TYPE = 'application/json';

/** A value nesting kvlists `depth` levels deep (1 = a plain string). */
export function nested(depth: number): unknown {
  return depth <= 1 ? 'leaf' : { a: nested(depth - 1) };
}

/** One real SDK span, its attributes replaced by `attributes`. */
export async function sdkSpan(attributes: Record<string, unknown>): Promise<ReadableSpan> {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'hostile' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  provider.getTracer('t').startSpan('GET').end();
  await provider.forceFlush();
  const span = exporter.getFinishedSpans()[0]!;
  return Object.create(span, { attributes: { value: attributes } }) as ReadableSpan;
}

/** POSTs to the receiver's /v1/traces; `message` is the Status message of a refusal ('' for 200). */
export async function post(
  receiver: OtlpReceiver,
  type: string,
  body: Uint8Array | string | AsyncIterable<Uint8Array>,
  headers: Record<string, string> = {},
) {
  const res = await request(`${receiver.url}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': type, ...headers },
    body: body as never,
  });
  const raw = Buffer.from(await res.body.arrayBuffer());
  const message =
    res.statusCode === 200
      ? ''
      : res.headers['content-type'] === PROTO
        ? decodeRpcStatus(raw).message
        : (JSON.parse(raw.toString()) as { message: string }).message;
  return { status: res.statusCode, headers: res.headers, raw, message };
}

/** A plain valid export request still gets 200 and is stored: the receiver kept serving. */
export async function expectServing(receiver: OtlpReceiver): Promise<void> {
  const before = receiver.spansReceived;
  const ok = await post(receiver, PROTO, ProtobufTraceSerializer.serializeRequest([await sdkSpan({ ok: true })])!);
  expect(ok.status).toBe(200);
  expect(receiver.spansReceived).toBe(before + 1);
}
