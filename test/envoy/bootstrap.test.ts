/**
 * The Envoy bootstraps src/envoy derives from the kit's istio config (pure): what Istio's Telemetry
 * hierarchy resolves to per workload, and how each provider flavour is rendered. The real Envoy run is
 * test/real/envoy-bookinfo.test.ts.
 */
import { parseConfig } from '../../src/config/load';
import {
  bookinfoMesh,
  bookinfoPortCount,
  bookinfoPortsFrom,
  effectiveTelemetry,
  gatewaySpawnsUpstreamSpan,
  hcmTracing,
  routeOperation,
  withSpanFlushInterval,
  ENVOY_SPAN_FLUSH_INTERVAL_KEYS,
} from '../../src/envoy';

const ports = (config: ReturnType<typeof parseConfig>) =>
  bookinfoMesh(
    config,
    bookinfoPortsFrom(
      '127.0.0.1',
      { host: '127.0.0.1', port: 4317 },
      Array.from({ length: bookinfoPortCount() }, (_, i) => 20000 + i),
    ),
  );
const hcm = (listener: any) => listener.filter_chains[0].filters[0].typed_config;

test('Telemetry hierarchy: workload over namespace over mesh; custom tags replace, never merge', () => {
  const istio = parseConfig({
    istio: {
      randomSamplingPercentage: 50,
      customTags: { mesh: { literal: { value: 'm' } } },
      namespaceOverrides: [{ namespace: 'bookinfo', randomSamplingPercentage: 10, customTags: { ns: { literal: { value: 'n' } } } }],
      workloadOverrides: [{ namespace: 'bookinfo', app: 'reviews', randomSamplingPercentage: 1 }],
    },
  }).istio;
  expect(effectiveTelemetry(istio, { app: 'reviews', namespace: 'bookinfo' })).toEqual({
    randomSamplingPercentage: 1,
    customTags: { ns: { literal: { value: 'n' } } },
    disableSpanReporting: false,
  });
  expect(effectiveTelemetry(istio, { app: 'details', namespace: 'bookinfo' }).randomSamplingPercentage).toBe(10);
  expect(effectiveTelemetry(istio, { app: 'x', namespace: 'other' })).toEqual({
    randomSamplingPercentage: 50,
    customTags: { mesh: { literal: { value: 'm' } } },
    disableSpanReporting: false,
  });
});

test('the tracing block: sampling, custom tags of every kind, the OpenTelemetry provider over gRPC by default', () => {
  const istio = parseConfig({
    istio: {
      customTags: {
        lit: { literal: { value: 'v' } },
        env: { environment: { name: 'POD_NAME', defaultValue: 'unknown' } },
        hdr: { header: { name: 'x-kit', defaultValue: 'none' } },
      },
    },
  }).istio;
  const t = hcmTracing({
    istio,
    observabilityNamespace: 'observability',
    workload: { app: 'productpage', namespace: 'bookinfo' },
    serviceName: 'productpage.bookinfo',
    spawnUpstreamSpan: false,
  }) as any;
  expect(t).toMatchObject({ client_sampling: { value: 100 }, random_sampling: { value: 100 }, overall_sampling: { value: 100 } });
  expect(t.spawn_upstream_span).toBeUndefined();
  expect(t.custom_tags.slice(0, 3)).toEqual([
    { tag: 'env', environment: { name: 'POD_NAME', default_value: 'unknown' } },
    { tag: 'hdr', request_header: { name: 'x-kit', default_value: 'none' } },
    { tag: 'lit', literal: { value: 'v' } },
  ]);
  expect(t.custom_tags.map((c: any) => c.tag)).toContain('istio.canonical_service');
  expect(t.provider).toEqual({
    name: 'envoy.tracers.opentelemetry',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig',
      grpc_service: {
        envoy_grpc: {
          cluster_name: 'outbound|4317||jaeger-collector.observability.svc.cluster.local',
          authority: 'jaeger-collector.observability.svc.cluster.local',
        },
      },
      service_name: 'productpage.bookinfo',
    },
  });
  const off = parseConfig({
    istio: { workloadOverrides: [{ namespace: 'bookinfo', app: 'productpage', disableSpanReporting: true }] },
  }).istio;
  expect(
    (
      hcmTracing({
        istio: off,
        observabilityNamespace: 'o',
        workload: { app: 'productpage', namespace: 'bookinfo' },
        serviceName: 'p',
        spawnUpstreamSpan: false,
      }) as any
    ).provider,
  ).toBeUndefined();
});

test('Zipkin: no shared span context, 128-bit ids, HTTP JSON v2, the W3C option passed through; service name from node.cluster', () => {
  const mesh = ports(parseConfig({ istio: { provider: { type: 'zipkin', traceContextOption: 'USE_B3_WITH_W3C_PROPAGATION' } } }));
  const reviews = mesh.sidecars.reviews as any;
  expect(reviews.node).toEqual({ id: 'sidecar~127.0.0.1~reviews-v2.bookinfo~bookinfo.svc.cluster.local', cluster: 'reviews.bookinfo' });
  expect(hcm(reviews.static_resources.listeners[0]).tracing.provider.typed_config).toMatchObject({
    collector_cluster: 'outbound|9411||jaeger-collector.observability.svc.cluster.local',
    collector_endpoint: '/api/v2/spans',
    collector_endpoint_version: 'HTTP_JSON',
    trace_id_128bit: true,
    shared_span_context: false,
    trace_context_option: 'USE_B3_WITH_W3C_PROPAGATION',
  });
});

test('listeners, clusters and route decorators as istiod names them', () => {
  const mesh = ports(parseConfig({}));
  const pp = mesh.sidecars.productpage as any;
  const [inbound, ...outbound] = pp.static_resources.listeners;
  expect(inbound.traffic_direction).toBe('INBOUND');
  expect(hcm(inbound).route_config.virtual_hosts[0].routes[0]).toMatchObject({
    route: { cluster: 'inbound|9080||' },
    decorator: { operation: 'productpage.bookinfo.svc.cluster.local:9080/*' },
  });
  expect(outbound.map((l: any) => [l.traffic_direction, hcm(l).route_config.virtual_hosts[0].routes[0].route.cluster])).toEqual([
    ['OUTBOUND', 'outbound|9080||details.bookinfo.svc.cluster.local'],
    ['OUTBOUND', 'outbound|9080||reviews.bookinfo.svc.cluster.local'],
  ]);
  expect(hcm(inbound)).toMatchObject({ generate_request_id: true, use_remote_address: false });
  const gw = mesh.gateway as any;
  expect(gw.node.id).toMatch(/^router~127\.0\.0\.1~istio-ingressgateway-/);
  const gwHcm = hcm(gw.static_resources.listeners[0]);
  expect(gwHcm.use_remote_address).toBe(true);
  expect(gwHcm.tracing.spawn_upstream_span).toBe(true);
  expect(gwHcm.route_config.virtual_hosts[0].routes.map((r: any) => [r.match, r.decorator.operation])).toEqual([
    [{ path: '/productpage' }, 'productpage.bookinfo.svc.cluster.local:9080/productpage'],
    [{ prefix: '/static' }, 'productpage.bookinfo.svc.cluster.local:9080/static*'],
    [{ path: '/login' }, 'productpage.bookinfo.svc.cluster.local:9080/login'],
    [{ path: '/logout' }, 'productpage.bookinfo.svc.cluster.local:9080/logout'],
    [{ prefix: '/api/v1/products' }, 'productpage.bookinfo.svc.cluster.local:9080/api/v1/products*'],
  ]);
  expect(routeOperation('a.b.svc.cluster.local', 80)).toBe('a.b.svc.cluster.local:80/*');
  expect([gatewaySpawnsUpstreamSpan('1.27.4'), gatewaySpawnsUpstreamSpan('1.28.0'), gatewaySpawnsUpstreamSpan('1.30.3')]).toEqual([
    false,
    true,
    true,
  ]);
});

test('istio.provider.http: OTLP/HTTP to port 4318 at the path; refused for the zipkin provider', () => {
  const mesh = ports(parseConfig({ istio: { provider: { http: {} } } }));
  expect(hcm((mesh.gateway as any).static_resources.listeners[0]).tracing.provider.typed_config.http_service).toEqual({
    http_uri: {
      uri: 'http://jaeger-collector.observability.svc.cluster.local:4318/v1/traces',
      cluster: 'outbound|4318||jaeger-collector.observability.svc.cluster.local',
      timeout: '3s',
    },
  });
  expect(() => parseConfig({ istio: { provider: { type: 'zipkin', http: {} } } })).toThrow(
    /istio\.provider\.http.*only applies to the opentelemetry provider/,
  );
});

test('a shorter span-export timer is a static runtime layer, beside the admin layer; the rest is unchanged', () => {
  const ports = bookinfoPortsFrom(
    '127.0.0.1',
    { host: '127.0.0.1', port: 4317 },
    Array.from({ length: bookinfoPortCount() }, (_, i) => 20000 + i),
  );
  const { gateway } = bookinfoMesh(parseConfig({}), ports);
  const flushing = withSpanFlushInterval(gateway, 250);
  const keys = { 'tracing.opentelemetry.flush_interval_ms': 250, 'tracing.zipkin.flush_interval_ms': 250 };
  expect(flushing.layered_runtime).toEqual({
    layers: [
      { name: 'span-flush', static_layer: keys },
      { name: 'admin', admin_layer: {} },
    ],
  });
  expect([...ENVOY_SPAN_FLUSH_INTERVAL_KEYS]).toEqual(Object.keys(keys));
  const { layered_runtime: _, ...rest } = flushing;
  expect(rest).toEqual(gateway);
  expect(gateway.layered_runtime).toBeUndefined();
  expect(() => withSpanFlushInterval(gateway, 0)).toThrow(
    'span flush interval: 0 is not allowed; allowed: a whole number of milliseconds ≥ 1',
  );
});
