import { readFileSync } from 'node:fs';
import { referencePath } from '../../../src/paths';
import { JaegerV3Source } from '../../../src/verify/sources/jaeger-v3';
import { JaegerLegacySource } from '../../../src/verify/sources/jaeger-legacy';
import { connectJaeger, jaegerSource } from '../../../src/verify/sources/trace-source';
import { BackendUnreachableError } from '../../../src/verify/sources/http-get';
import { pollAndVerify } from '../../../src/verify/poller';
import { parseSpec } from '../../../src/verify/spec';
import { closedPort, startFakeJaeger, type FakeJaeger } from '../helpers/fake-jaeger';
import { bookinfo, toOtlpJson, TraceBuilder } from '../helpers/trace-builder';

const fixture = (name: string): unknown => JSON.parse(readFileSync(referencePath('jaeger', 'query-api-fixtures', name), 'utf8'));

describe('Jaeger query sources against a loopback Jaeger-shaped server', () => {
  let jaeger: FakeJaeger;
  afterEach(async () => {
    await jaeger?.close();
  });

  test('v3 under base path /jaeger: GetTrace snapshot by id; 404 means not there', async () => {
    // GIVEN Jaeger with base_path /jaeger serving the recorded v3 GetTrace response
    jaeger = await startFakeJaeger({ basePath: '/jaeger' });
    jaeger.put('00000000000000000000000000000001', { v3: fixture('jaeger_jaegerquery_apiv3_snapshots_GetTrace.json') });
    const v3 = new JaegerV3Source({ baseUrl: jaeger.url });
    // WHEN the trace and an unknown one are fetched
    const trace = await v3.getTrace('00000000000000000000000000000001');
    const missing = await v3.getTrace('0af7651916cd43dd8448eb211c80319c');
    // THEN the recorded span is parsed, the unknown id is "not yet", and the base path was used
    expect(trace!.spans.map((s) => [s.name, s.kind, s.status.code])).toEqual([['foobar', 'server', 'error']]);
    expect(missing).toBeUndefined();
    expect(jaeger.requests.every((r) => r.startsWith('/jaeger/api/v3/traces/'))).toBe(true);
  });

  test('legacy /api/traces/{id}: the UI JSON fixture, a 64-bit id looked up as 32 hex', async () => {
    jaeger = await startFakeJaeger({ basePath: '/jaeger' });
    jaeger.put('0000000000000001', {
      legacy: {
        data: [fixture('jaeger_internal_uimodel_converter_v1_json_fixtures_ui_01.json')],
        total: 0,
        limit: 0,
        offset: 0,
        errors: null,
      },
    });
    const legacy = new JaegerLegacySource({ baseUrl: jaeger.url });
    const trace = await legacy.getTrace('00000000000000000000000000000001');
    expect(trace!.spans).toHaveLength(5);
    expect(new Set(trace!.spans.map((s) => s.service))).toEqual(new Set(['service-x', 'service-y']));
    expect(await legacy.getTrace('0af7651916cd43dd8448eb211c80319c')).toBeUndefined();
  });

  test('v3 search uses snake_case names and an explicit time window; 404 = no traces', async () => {
    jaeger = await startFakeJaeger();
    const t = bookinfo().builder.build();
    jaeger.put(t.traceId, { v3: { result: toOtlpJson([t]) }, services: ['productpage.default'] });
    const v3 = new JaegerV3Source({ baseUrl: jaeger.url });
    const found = await v3.findTraces({ service: 'productpage.default', startUs: Date.now() * 1000 - 60e6, endUs: Date.now() * 1000 });
    expect(found.map((x) => x.traceId)).toEqual([t.traceId]);
    expect(await v3.findTraces({ service: 'nobody', startUs: 0, endUs: 1 })).toEqual([]);
    const q = new URL(jaeger.requests[0]!, 'http://x').searchParams;
    expect([...q.keys()].sort()).toEqual(['query.num_traces', 'query.service_name', 'query.start_time_max', 'query.start_time_min']);
    expect(q.get('query.start_time_min')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  test('auto-detection picks v3 when /api/v3/services answers and legacy when only /api/services does', async () => {
    jaeger = await startFakeJaeger({ basePath: '/jaeger', v3: false });
    expect((await connectJaeger({ baseUrl: jaeger.url })).kind).toBe('legacy');
    await jaeger.close();
    jaeger = await startFakeJaeger({ basePath: '/jaeger' });
    expect((await connectJaeger({ baseUrl: jaeger.url })).kind).toBe('v3');
    // a URL without the base path reaches the server but finds no API: the error says to add it
    await expect(connectJaeger({ baseUrl: jaeger.url.replace('/jaeger', '') })).rejects.toThrow(
      /add it, e\.g\. http:\/\/127\.0\.0\.1:\d+\/jaeger/,
    );
  });

  test('an unreachable Jaeger is BackendUnreachableError naming the URL', async () => {
    const port = await closedPort();
    const v3 = new JaegerV3Source({ baseUrl: `http://127.0.0.1:${port}/jaeger`, timeoutMs: 2000 });
    const err = await v3.getTrace('0af7651916cd43dd8448eb211c80319c').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnreachableError);
    expect((err as Error).message).toBe(
      `cannot reach http://127.0.0.1:${port}/jaeger/api/v3/traces/0af7651916cd43dd8448eb211c80319c: ECONNREFUSED`,
    );
  });

  test('the poller keeps polling through 404s until the trace lands, then reports polls made', async () => {
    // GIVEN a trace Jaeger only returns from the third lookup on
    jaeger = await startFakeJaeger({ basePath: '/jaeger' });
    const t = bookinfo().builder.build();
    jaeger.put(t.traceId, { v3: { result: toOtlpJson([t]) }, services: ['x'], hiddenFor: 2 });
    const spec = parseSpec(
      'name: t\nspans:\n  pp: { service: /^productpage/, kind: server }\n  r: { service: /^ratings/ }\nedges: ["pp >> r"]\n',
    );
    const client = await connectJaeger({ baseUrl: jaeger.url });
    // WHEN polled every 20 ms
    const out = await pollAndVerify(spec, jaegerSource(client, jaeger.url), { traceIds: [t.traceId], intervalMs: 20, timeoutMs: 5000 });
    // THEN it matches on the third poll
    expect(out.stoppedBy).toBe('matched');
    expect(out.polls).toBe(3);
    expect(out.result.passed).toBe(true);
  });

  test("without trace ids the spec's services are searched over the lookback window and the entry span picks the traces", async () => {
    jaeger = await startFakeJaeger({ basePath: '/jaeger' });
    const t1 = bookinfo(new TraceBuilder('1'.repeat(32))).builder.build();
    const t2 = bookinfo(new TraceBuilder('2'.repeat(32))).builder.build();
    jaeger.put(t1.traceId, { v3: { result: toOtlpJson([t1]) }, services: ['istio-ingressgateway.istio-system', 'productpage.default'] });
    jaeger.put(t2.traceId, { v3: { result: toOtlpJson([t2]) }, services: ['istio-ingressgateway.istio-system'] });
    const spec = parseSpec(
      'name: t\nspans:\n  gw: { service: /^istio-ingressgateway/, kind: server }\n  pp: { service: /^productpage/, kind: server }\nedges: ["gw >> pp"]\n',
    );
    const out = await pollAndVerify(spec, jaegerSource(await connectJaeger({ baseUrl: jaeger.url }), jaeger.url, { lookbackUs: 60e6 }), {
      intervalMs: 20,
      timeoutMs: 3000,
    });
    expect(out.result.passed).toBe(true);
    expect(out.result.traces.map((v) => v.traceId).sort()).toEqual([t1.traceId, t2.traceId]);
    const searches = jaeger.requests.filter((r) => r.includes('/api/v3/traces?'));
    expect(searches.map((r) => new URL(r, 'http://x').searchParams.get('query.service_name')).sort()).toEqual([
      'istio-ingressgateway.istio-system',
      'productpage.default',
    ]);
  });

  test('the poller gives up at the deadline with the closest partial match, and finds the split-off fragment by search', async () => {
    jaeger = await startFakeJaeger();
    const b = new TraceBuilder();
    const { spans } = bookinfo(b, { ratings: false });
    const main = { traceId: b.traceId, spans: b.spans.filter((s) => s !== spans.reviews) };
    const frag = new TraceBuilder('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 0x900);
    frag.add('reviews.default', 'reviews.default.svc.cluster.local:9080/*', 'server', 31, 78);
    jaeger.put(main.traceId, { v3: { result: toOtlpJson([main]) }, services: ['productpage.default'] });
    jaeger.put(frag.traceId, { v3: { result: toOtlpJson([frag.build()]) }, services: ['reviews.default'] });
    const spec = parseSpec(
      'name: t\npoll: { stablePolls: 2 }\nspans:\n  pp: { service: productpage.default, kind: server }\n  rv: { service: reviews.default, kind: server }\nedges: ["pp >> rv"]\n',
    );
    const started = Date.now();
    const out = await pollAndVerify(spec, jaegerSource(await connectJaeger({ baseUrl: jaeger.url }), jaeger.url), {
      traceIds: [main.traceId],
      window: { startUs: b.spans[0]!.startUs, endUs: b.spans[0]!.startUs + 200_000 },
      intervalMs: 20,
      timeoutMs: 3000,
    });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(out.stoppedBy).toBe('stable');
    expect(out.polls).toBe(3);
    expect(out.result.passed).toBe(false);
    expect(out.result.closest!.traceId).toBe(main.traceId);
    expect(out.result.diagnoses.map((d) => d.title)).toEqual([
      'productpage.default → reviews.default lost context; check header propagation',
    ]);
  });
});
