import { Testing } from 'cdk8s';
import { Telemetry } from '@kubernetes-models/istio/telemetry.istio.io/v1/Telemetry';
import { MeshTelemetry } from '../../../src/constructs/istio/mesh-telemetry';
import { ingressGatewayHelmValues, istioOperatorOverlay, istiodHelmValues } from '../../../src/constructs/istio/installer-inputs';
import { providerAddress, tracingExtensionProvider } from '../../../src/constructs/istio/tracing-provider';
import { parseConfig } from '../../../src/config/load';

type Obj = Record<string, any>;

function telemetry(props: ConstructorParameters<typeof MeshTelemetry>[2] = {}): Obj {
  const chart = Testing.chart();
  new MeshTelemetry(chart, 'T', props);
  return (Testing.synth(chart) as Obj[])[0]!;
}

describe('MeshTelemetry', () => {
  test('defaults: mesh-wide in istio-system, provider jaeger, 100 % written explicitly; valid against the Istio model', () => {
    // WHEN
    const t = telemetry();
    // THEN
    expect(t).toMatchObject({
      apiVersion: 'telemetry.istio.io/v1',
      kind: 'Telemetry',
      metadata: { name: 'mesh-default', namespace: 'istio-system' },
    });
    expect(t.spec).toEqual({ tracing: [{ providers: [{ name: 'jaeger' }], randomSamplingPercentage: 100 }] });
    expect(() => new Telemetry(t as never).validate()).not.toThrow();
    expect(t).toMatchSnapshot();
  });

  test('custom tags of every kind and a per-namespace override validate against the Istio model', () => {
    const t = telemetry({
      name: 'namespace-tracing',
      namespace: 'bookinfo',
      randomSamplingPercentage: 12.5,
      disableSpanReporting: false,
      customTags: {
        'meshtrace.run': { literal: { value: 'ci-42' } },
        'k8s.pod': { environment: { name: 'POD_NAME', defaultValue: 'unknown' } },
        scenario: { header: { name: 'x-scenario', defaultValue: 'none' } },
      },
    });
    expect(t.metadata).toMatchObject({ name: 'namespace-tracing', namespace: 'bookinfo' });
    expect(t.spec.tracing[0]).toMatchObject({
      randomSamplingPercentage: 12.5,
      disableSpanReporting: false,
      customTags: { scenario: { header: { name: 'x-scenario', defaultValue: 'none' } } },
    });
    expect(() => new Telemetry(t as never).validate()).not.toThrow();
  });

  test.each([[150], [-1], [Number.NaN]])('refuses randomSamplingPercentage %p', (value) => {
    expect(() => telemetry({ randomSamplingPercentage: value })).toThrow(/out of range; allowed: 0-100/);
  });
});

describe('tracing extension provider', () => {
  const lab = parseConfig({});

  test('default: opentelemetry to jaeger-collector.<observability>.svc.cluster.local:4317', () => {
    expect(tracingExtensionProvider({ provider: lab.istio.provider, observabilityNamespace: 'observability' })).toEqual({
      name: 'jaeger',
      opentelemetry: { service: 'jaeger-collector.observability.svc.cluster.local', port: 4317 },
    });
  });

  test('zipkin alternative: port 9411 and traceContextOption', () => {
    const zipkin = parseConfig({ istio: { provider: { type: 'zipkin', traceContextOption: 'USE_B3_WITH_W3C_PROPAGATION' } } }).istio
      .provider;
    expect(tracingExtensionProvider({ provider: zipkin, observabilityNamespace: 'tracing' })).toEqual({
      name: 'jaeger',
      zipkin: { service: 'jaeger-collector.tracing.svc.cluster.local', port: 9411, traceContextOption: 'USE_B3_WITH_W3C_PROPAGATION' },
    });
  });

  test('an explicit service and port win', () => {
    const p = parseConfig({ istio: { provider: { service: 'otel-collector.otel.svc.cluster.local', port: 4318 } } }).istio.provider;
    expect(providerAddress({ provider: p, observabilityNamespace: 'observability' })).toEqual({
      service: 'otel-collector.otel.svc.cluster.local',
      port: 4318,
    });
  });
});

describe('installer inputs', () => {
  const config = parseConfig({});
  const options = { istio: config.istio, observabilityNamespace: config.namespaces.observability };
  const overlay = istioOperatorOverlay(options) as Obj;
  const values = istiodHelmValues(options) as Obj;

  test('IstioOperator overlay and istiod values carry the SAME provider list', () => {
    expect(overlay.spec.meshConfig.extensionProviders).toEqual(values.meshConfig.extensionProviders);
    expect(overlay.spec.meshConfig.extensionProviders).toEqual([
      tracingExtensionProvider({ provider: config.istio.provider, observabilityNamespace: 'observability' }),
    ]);
  });

  test('legacy MeshConfig tracing is off and the sampling fallback matches the Telemetry', () => {
    expect(overlay.spec.meshConfig).toMatchObject({ enableTracing: true, defaultConfig: { tracing: {} } });
    expect(overlay.spec.values.pilot.traceSampling).toBe(config.istio.randomSamplingPercentage);
    expect(values.traceSampling).toBe(config.istio.randomSamplingPercentage);
  });

  test('the ingress gateway is a NodePort reachable from kind, with the same ports in both installers', () => {
    const gw = overlay.spec.components.ingressGateways[0];
    expect(gw).toMatchObject({ name: 'istio-ingressgateway', enabled: true, k8s: { service: { type: 'NodePort' } } });
    const http = gw.k8s.service.ports.find((p: Obj) => p.name === 'http2');
    expect(http).toMatchObject({ port: 80, targetPort: 8080, nodePort: config.istio.ingressGateway.httpNodePort });
    expect((ingressGatewayHelmValues(options) as Obj).service.ports).toEqual(gw.k8s.service.ports);
  });

  test('LoadBalancer drops the nodePorts', () => {
    const lb = parseConfig({ istio: { ingressGateway: { serviceType: 'LoadBalancer' } } });
    const ports = (istioOperatorOverlay({ istio: lb.istio, observabilityNamespace: 'observability' }) as Obj).spec.components
      .ingressGateways[0].k8s.service.ports;
    for (const p of ports) expect(p.nodePort).toBeUndefined();
  });
});
