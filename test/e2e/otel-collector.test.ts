/**
 * Through the real OpenTelemetry Collector (0.165, built by `npm run peers`): the SDK's
 * OTLPTraceExporter → Collector (OTLP/HTTP receiver) → its `otlp_http` exporter (protobuf or JSON,
 * gzip) → the verifier's embedded receiver. Every span must arrive equal to the SDK's in-memory copy,
 * and a mixed-propagator chain around the relay exporting through the Collector is one trace.
 */
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { startOtlpReceiver, type OtlpReceiver } from '../../src/verify';
import { BATCH, expectSameSpans, makeSpans } from '../support/otel/sdk-batch';
import { startCollector } from '../support/otel/otel-collector';

describe('the real OpenTelemetry Collector between the SDK and the receiver', () => {
  const spans = makeSpans();
  let receiver: OtlpReceiver;
  beforeEach(async () => {
    receiver = await startOtlpReceiver({ port: 0 });
  });
  afterEach(async () => {
    await receiver.close();
  });

  test.each(['proto', 'json'] as const)(
    '5,000 SDK spans, Collector exporting OTLP/%s with gzip: every span as the SDK holds it',
    async (encoding) => {
      const collector = await startCollector({ tracesUrl: `${receiver.url}/v1/traces`, encoding, compression: 'gzip' });
      try {
        // WHEN the SDK's exporter sends one 5,000-span batch (gzip) to the Collector
        const exporter = new OTLPTraceExporter({
          url: `${collector.url}/v1/traces`,
          compression: CompressionAlgorithm.GZIP,
          timeoutMillis: 30_000,
        });
        const result = await new Promise<ExportResult>((resolve) => exporter.export(spans, resolve));
        await exporter.shutdown();
        expect(result).toEqual({ code: ExportResultCode.SUCCESS });
        // THEN the Collector forwards all of them (wait for the count, bounded)
        const deadline = Date.now() + 30_000;
        while (receiver.spansReceived < BATCH && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        expect(receiver.spansReceived).toBe(BATCH);
        expectSameSpans(receiver.traces(), spans);
      } finally {
        await collector.close();
      }
    },
    180_000,
  );
});
