import { jest } from '@jest/globals';
/**
 * Jaeger as the kit renders it, for real: the kit's split topology (jaeger-remote-storage,
 * jaeger-collector, jaeger-query: the configs its `Jaeger` construct synthesizes, moved to loopback
 * by one seam, test/support/kit-jaeger.ts) run as the real programs `npm run peers` builds. Real
 * OpenTelemetry JS services send a trace over OTLP/HTTP; the verifier's own Jaeger sources read it
 * back from the real query APIs (`/api/v3` and the legacy `/api/traces`), and every span must come
 * back as the SDK recorded it, but for Jaeger's own conversions (test/support/otel/jaeger-returns.ts): ids,
 * parent links, names, kinds, times, attributes, status, events, resource, scope.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { parse as load } from 'yaml';
import { request } from 'undici';
import type { Trace } from '../../src/verify/model';
import { JaegerLegacySource } from '../../src/verify/sources/jaeger-legacy';
import { JaegerV3Source } from '../../src/verify/sources/jaeger-v3';
import { connectJaeger } from '../../src/verify/sources/trace-source';
import { loopbackConfig, nonLoopbackAddresses, startKitJaeger, synthKitJaeger, type RunningKitJaeger } from '../support/kit-jaeger';
import { explainWithLogs, waitFor } from '../support/peers';
import { asJaegerReturns, withoutJaegerWarnings } from '../support/otel/jaeger-returns';
import { sdkService, type SdkService } from '../support/otel/sdk-service';
import { expectedSpan, expectSameSpan } from '../support/otel/sdk-span';

jest.setTimeout(180_000);

const BASE_PATH = '/jaeger';

let jaeger: RunningKitJaeger | undefined;
let services: SdkService[] = [];
let traceId = '';
let sent: ReadableSpan[] = [];
let window = { startUs: 0, endUs: 0 };

/** A checkout that calls payments, which writes to a database and fails: five spans over two services. */
async function sendCheckoutTrace(otlpHttpUrl: string): Promise<void> {
  const web = sdkService({ name: 'checkout', otlpUrl: otlpHttpUrl, resource: { 'deployment.environment.name': 'real-suite' } });
  const pay = sdkService({ name: 'payments', otlpUrl: otlpHttpUrl });
  services = [web, pay];
  const started = Date.now() * 1000;
  const root = web.tracer.startSpan('GET /checkout', {
    kind: SpanKind.SERVER,
    attributes: {
      'http.request.method': 'GET',
      'url.path': '/checkout',
      'http.response.status_code': 200,
      'cart.ratio': 0.25,
      'cart.express': true,
      'cart.items': ['book', 'pen'],
    },
  });
  const rootContext = trace.setSpan(ROOT_CONTEXT, root);
  const render = web.tracer.startSpan('render cart', { kind: SpanKind.INTERNAL }, rootContext);
  render.addEvent('cache miss', { 'cache.key': 'cart:42', 'cache.tier': 2 });
  render.end();
  const call = web.tracer.startSpan(
    'POST',
    { kind: SpanKind.CLIENT, attributes: { 'http.request.method': 'POST', 'server.address': 'payments', 'server.port': 8443 } },
    rootContext,
  );
  // What payments extracts from the call's traceparent: a remote parent.
  const remote = trace.setSpanContext(ROOT_CONTEXT, { ...call.spanContext(), isRemote: true });
  const serve = pay.tracer.startSpan(
    'POST /pay',
    { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'POST', 'http.route': '/pay' } },
    remote,
  );
  const insert = pay.tracer.startSpan(
    'INSERT payments',
    { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql', 'db.operation.name': 'INSERT' } },
    trace.setSpan(ROOT_CONTEXT, serve),
  );
  insert.end();
  serve.recordException(new Error('card declined'));
  serve.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined' });
  serve.end();
  call.setAttribute('http.response.status_code', 402);
  call.end();
  root.setStatus({ code: SpanStatusCode.OK });
  root.end();
  await Promise.all(services.map((s) => s.flush()));
  traceId = root.spanContext().traceId;
  sent = services.flatMap((s) => s.finished());
  window = { startUs: started - 1_000_000, endUs: Date.now() * 1000 + 1_000_000 };
}

beforeAll(async () => {
  jaeger = await startKitJaeger({ query: { basePath: BASE_PATH } });
  await explainWithLogs(jaeger.peers, () => sendCheckoutTrace(jaeger!.otlpHttpUrl));
});

afterAll(async () => {
  await Promise.all(services.map((s) => s.shutdown()));
  await jaeger?.stop();
});

/** Polls a source until it returns the whole trace (spans arrive after the collector's batch). */
function readBack(source: JaegerV3Source | JaegerLegacySource): Promise<Trace> {
  return waitFor(`trace ${traceId} with ${sent.length} spans from ${source.kind}`, async () => {
    const t = await source.getTrace(traceId, window);
    return t && t.spans.length >= sent.length ? t : undefined;
  });
}

describe('the loopback seam', () => {
  test('moves every listener and Service address of the kit configs, nothing else', () => {
    const kit = synthKitJaeger({ topology: 'split' });
    const config = load(kit['jaeger-collector']!.mounts['/etc/jaeger']!['config.yaml']!) as Record<string, unknown>;
    expect(nonLoopbackAddresses(config, ['jaeger-remote-storage']).length).toBeGreaterThan(5);
    const listen = { 4317: 1, 4318: 2, 9411: 3, 5778: 4, 5779: 5, 13133: 6, 8888: 7 };
    const moved: any = loopbackConfig(config, { listen, dial: { 'jaeger-remote-storage:17271': '127.0.0.1:9' } });
    expect(nonLoopbackAddresses(moved, ['jaeger-remote-storage'])).toEqual([]);
    expect(moved.receivers.otlp.protocols.http.endpoint).toBe('127.0.0.1:2');
    expect(moved.extensions.jaeger_storage).toEqual({
      backends: { trace_storage: { grpc: { endpoint: '127.0.0.1:9', tls: { insecure: true } } } },
    });
    // Everything but addresses is the kit's: blank the addresses out of both and they are equal.
    const blank = (v: unknown) =>
      JSON.stringify(v)
        .replace(/"(0\.0\.0\.0|127\.0\.0\.1|jaeger-remote-storage):\d+"/g, '"addr"')
        .replace(/"host":"[^"]*","port":\d+/g, '"host+port"');
    expect(blank(moved)).toBe(blank(config));
    expect(() => loopbackConfig(config, { listen: { 4317: 1 }, dial: {} })).toThrow(/the kit listens on 0\.0\.0\.0:\d+ .*no port for/);
  });
});

describe('real Jaeger (collector + query over remote-storage, as the kit renders them)', () => {
  test('the kit configs started as given: query answers under its base path, sampling serves the kit strategies', async () => {
    await explainWithLogs(jaeger!.peers, async () => {
      expect(jaeger!.configs.query.extensions.jaeger_query.base_path).toBe(BASE_PATH);
      const res = await request(`${jaeger!.samplingUrl}/?service=checkout`);
      expect(res.statusCode).toBe(200);
      // The kit's strategies file says probabilistic 1.0. Real 2.12 writes the proto enum as a number
      // (0 = PROBABILISTIC), not the name the docs of later releases show.
      expect(await res.body.json()).toEqual({ strategyType: 0, probabilisticSampling: { samplingRate: 1 } });
      await expect(connectJaeger({ baseUrl: jaeger!.queryUrl })).resolves.toBeInstanceOf(JaegerV3Source);
    });
  });

  test('/api/v3: every span comes back as the SDK recorded it', async () => {
    await explainWithLogs(jaeger!.peers, async () => {
      const t = await readBack(new JaegerV3Source({ baseUrl: jaeger!.queryUrl }));
      expect(t.traceId).toBe(traceId);
      expect(t.spans).toHaveLength(sent.length);
      for (const s of sent)
        expectSameSpan(
          withoutJaegerWarnings(t.spans.find((g) => g.spanId === s.spanContext().spanId)),
          asJaegerReturns(expectedSpan(s), s, 'v3'),
        );
    });
  });

  test('legacy /api/traces/{id}: every span comes back as the SDK recorded it', async () => {
    await explainWithLogs(jaeger!.peers, async () => {
      const t = await readBack(new JaegerLegacySource({ baseUrl: jaeger!.queryUrl }));
      expect(t.traceId).toBe(traceId);
      expect(t.spans).toHaveLength(sent.length);
      for (const s of sent)
        expectSameSpan(
          withoutJaegerWarnings(t.spans.find((g) => g.spanId === s.spanContext().spanId)),
          asJaegerReturns(expectedSpan(s), s, 'legacy'),
        );
    });
  });

  test('search and services on both APIs find the trace by service and window', async () => {
    await explainWithLogs(jaeger!.peers, async () => {
      for (const source of [new JaegerV3Source({ baseUrl: jaeger!.queryUrl }), new JaegerLegacySource({ baseUrl: jaeger!.queryUrl })]) {
        await readBack(source);
        expect(await source.services()).toEqual(expect.arrayContaining(['checkout', 'payments']));
        const found = await source.findTraces({ service: 'payments', ...window, limit: 5 });
        expect(found.map((t) => t.traceId)).toContain(traceId);
        expect(found.find((t) => t.traceId === traceId)!.spans.length).toBe(sent.length);
        // A window before the trace finds nothing (v3 answers 404 there, legacy an empty list).
        expect(
          await source.findTraces({ service: 'payments', startUs: window.startUs - 3_600_000_000, endUs: window.startUs - 3_000_000_000 }),
        ).toEqual([]);
      }
    });
  });

  test('an unknown trace id is "not there yet" on both APIs, not an error', async () => {
    await explainWithLogs(jaeger!.peers, async () => {
      const missing = '0af7651916cd43dd8448eb211c80319c';
      await expect(new JaegerV3Source({ baseUrl: jaeger!.queryUrl }).getTrace(missing)).resolves.toBeUndefined();
      await expect(new JaegerLegacySource({ baseUrl: jaeger!.queryUrl }).getTrace(missing)).resolves.toBeUndefined();
    });
  });

  test("Zipkin v2 JSON into the kit's zipkin receiver comes back through /api/v3", async () => {
    await explainWithLogs(jaeger!.peers, async () => {
      const zTrace = '5af7183fb1d4cf5f5af7183fb1d4cf5f';
      const nowUs = Date.now() * 1000;
      const spans = [
        {
          traceId: zTrace,
          id: '6b221d5bc9e6496c',
          name: 'get /api',
          kind: 'SERVER',
          timestamp: nowUs,
          duration: 1500,
          localEndpoint: { serviceName: 'zipkin-app' },
          tags: { 'http.path': '/api' },
        },
        {
          traceId: zTrace,
          parentId: '6b221d5bc9e6496c',
          id: '7c332e6cd0f7507d',
          name: 'select',
          kind: 'CLIENT',
          timestamp: nowUs + 100,
          duration: 900,
          localEndpoint: { serviceName: 'zipkin-app' },
          tags: { 'sql.query': 'select 1' },
        },
      ];
      const res = await request(jaeger!.zipkinUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(spans),
      });
      await res.body.dump();
      expect(res.statusCode).toBe(202);
      const source = new JaegerV3Source({ baseUrl: jaeger!.queryUrl });
      const t = await waitFor('the Zipkin trace', async () => {
        const got = await source.getTrace(zTrace);
        return got && got.spans.length === 2 ? got : undefined;
      });
      const child = t.spans.find((s) => s.spanId === '7c332e6cd0f7507d')!;
      expect(child).toMatchObject({
        parentSpanId: '6b221d5bc9e6496c',
        service: 'zipkin-app',
        name: 'select',
        kind: 'client',
        startUs: nowUs + 100,
        durationUs: 900,
      });
      expect(child.attributes['sql.query']).toBe('select 1');
    });
  });
});
