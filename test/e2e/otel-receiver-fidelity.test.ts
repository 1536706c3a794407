/**
 * The embedded OTLP receiver against the OpenTelemetry JS SDK's own export path, over loopback:
 * 5,000-span batches of varied spans (every attribute type, events, links, error status, five
 * kinds, two services, two scopes each) sent as OTLP/protobuf by the real OTLPTraceExporter (plain
 * and gzip) and as OTLP/JSON written by the SDK's JsonTraceSerializer (plain and gzip; no JSON
 * exporter package is installed). Every received span must equal the SDK's in-memory copy.
 */
import { gzipSync } from 'node:zlib';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { request } from 'undici';
import { startOtlpReceiver, type OtlpReceiver } from '../../src/verify';
import { BATCH, expectSameSpans, makeSpans } from '../support/otel/sdk-batch';

function exportWith(exporter: OTLPTraceExporter, spans: ReadableSpan[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(spans, resolve));
}

describe('OTLP receiver vs the OpenTelemetry JS SDK: 5,000-span batches, field by field', () => {
  const spans = makeSpans();
  let receiver: OtlpReceiver;
  beforeEach(async () => {
    receiver = await startOtlpReceiver({ port: 0 });
  });
  afterEach(async () => {
    await receiver.close();
  });

  const check = (): void => {
    expect(receiver.spansReceived).toBe(BATCH);
    expectSameSpans(receiver.traces(), spans);
  };

  test.each([CompressionAlgorithm.NONE, CompressionAlgorithm.GZIP])(
    'OTLP/protobuf from the real OTLPTraceExporter, compression %s',
    async (compression) => {
      // GIVEN the SDK's exporter pointed at the receiver WHEN it exports one 5,000-span batch
      const exporter = new OTLPTraceExporter({ url: `${receiver.url}/v1/traces`, compression, timeoutMillis: 30_000 });
      const result = await exportWith(exporter, spans);
      await exporter.shutdown();
      // THEN the export succeeded and every span arrived as the SDK holds it
      expect(result).toEqual({ code: ExportResultCode.SUCCESS });
      check();
    },
    120_000,
  );

  test.each([false, true])(
    'OTLP/JSON written by the SDK serializer, gzip %s',
    async (gzip) => {
      const json = Buffer.from(JsonTraceSerializer.serializeRequest(spans)!);
      const res = await request(`${receiver.url}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(gzip ? { 'content-encoding': 'gzip' } : {}) },
        body: gzip ? gzipSync(json) : json,
      });
      await res.body.text();
      expect(res.statusCode).toBe(200);
      check();
    },
    120_000,
  );
});
