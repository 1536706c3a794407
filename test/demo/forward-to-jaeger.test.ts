import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { forwardToJaeger, jaegerTracesUrl } from '../../src/demo/forward-to-jaeger';
import { startOtlpReceiver } from '../../src/verify/sources/otlp-receiver';
import { bookinfoTrace } from '../report-html/bookinfo-trace';

describe('forward to Jaeger', () => {
  test('spans sent as OTLP/JSON arrive unchanged at a real OTLP/HTTP receiver', async () => {
    // GIVEN the verifier's OTLP receiver standing in for Jaeger's OTLP/HTTP port, and spans with every value type
    const receiver = await startOtlpReceiver({ port: 0 });
    try {
      const trace = bookinfoTrace({ ratingsError: true });
      const spans = trace.spans.map((s, i) => ({
        ...s,
        attributes: { ...s.attributes, 'http.response.status_code': 200, ratio: 0.5, ok: true, tags: ['a', 'b'], i },
      }));
      // WHEN forwarded
      const outcome = await forwardToJaeger(jaegerTracesUrl(receiver.url), spans);
      // THEN every span arrives with its ids, parent, service, kind, timing, attributes and status
      expect(outcome).toBe(`sent 9 spans to Jaeger at ${receiver.url}/v1/traces`);
      const received = receiver.traces();
      expect(received).toHaveLength(1);
      const byId = new Map(received[0]!.spans.map((s) => [s.spanId, s]));
      for (const sent of spans) {
        const got = byId.get(sent.spanId)!;
        expect(got).toBeDefined();
        expect({
          parent: got.parentSpanId,
          service: got.service,
          name: got.name,
          kind: got.kind,
          duration: got.durationUs,
          status: got.status.code,
        }).toEqual({
          parent: sent.parentSpanId,
          service: sent.service,
          name: sent.name,
          kind: sent.kind,
          duration: sent.durationUs,
          status: sent.status.code,
        });
        // the receiver keeps nanoseconds as doubles (~0.25 µs at today's epoch): equal to the microsecond
        expect(Math.abs(got.startUs - sent.startUs)).toBeLessThan(1);
        expect(got.attributes).toMatchObject({ 'http.response.status_code': 200, ratio: 0.5, ok: true, tags: ['a', 'b'] });
      }
    } finally {
      await receiver.close();
    }
  });

  test('Jaeger answering an error and Jaeger not running give clear errors', async () => {
    // GIVEN a server that rejects everything with 400
    const server = createServer((_req, res) => res.writeHead(400).end('bad payload'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      await expect(forwardToJaeger(jaegerTracesUrl(`http://127.0.0.1:${port}`), bookinfoTrace().spans)).rejects.toThrow(
        `Jaeger at http://127.0.0.1:${port}/v1/traces answered 400: bad payload`,
      );
    } finally {
      await new Promise((r) => server.close(r));
    }
    // WHEN nothing listens THEN the error says it could not connect
    await expect(forwardToJaeger(jaegerTracesUrl(`http://127.0.0.1:${port}`), bookinfoTrace().spans)).rejects.toThrow(
      /could not send spans to Jaeger at .*ECONNREFUSED/,
    );
  });

  test('--otlp-endpoint validation (named as the flag the user gave)', () => {
    expect(jaegerTracesUrl('http://127.0.0.1:4318').href).toBe('http://127.0.0.1:4318/v1/traces');
    expect(jaegerTracesUrl('http://collector:4318/v1/traces').href).toBe('http://collector:4318/v1/traces');
    expect(() => jaegerTracesUrl('localhost:4318')).toThrow('--otlp-endpoint "localhost:4318": expected an http:// or https:// URL');
    expect(() => jaegerTracesUrl('localhost:4318', '--jaeger-url')).toThrow(
      '--jaeger-url "localhost:4318": expected an http:// or https:// URL',
    );
    expect(() => jaegerTracesUrl('not a url')).toThrow(/--otlp-endpoint "not a url": not a URL; expected Jaeger's OTLP\/HTTP endpoint/);
  });
});
