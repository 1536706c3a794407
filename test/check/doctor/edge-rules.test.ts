import { mt011, mt010, mt012 } from '../../../src/check/doctor/edge-rules';
import { buildContext } from '../../../src/check/context';
import type { ManifestDoc } from '../../../src/check';

let n = 0;
const doc = (object: Record<string, unknown>, file = 'm.yaml'): ManifestDoc => ({ file, index: n++, object });
const collector = [
  doc({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'jaeger', namespace: 'observability' },
    spec: {
      selector: { matchLabels: { app: 'jaeger' } },
      template: {
        metadata: { labels: { app: 'jaeger' } },
        spec: { containers: [{ name: 'j', image: 'jaegertracing/jaeger:2.20.0', ports: [{ name: 'otlp-grpc', containerPort: 4317 }] }] },
      },
    },
  }),
  doc({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'jaeger-collector', namespace: 'observability' },
    spec: { selector: { app: 'jaeger' }, ports: [{ name: 'grpc-otlp', port: 4317, targetPort: 'otlp-grpc' }] },
  }),
  doc({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'np', namespace: 'observability' },
    spec: {
      podSelector: {},
      policyTypes: ['Ingress'],
      ingress: [
        { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress' } } }], ports: [{ port: 'otlp-grpc' }] },
      ],
    },
  }),
];
const traefik = (extra: Record<string, unknown>) =>
  doc(
    {
      ...extra,
      tracing: { otlp: { enabled: true, grpc: { enabled: true, endpoint: 'jaeger-collector.observability.svc:4317', insecure: true } } },
    },
    'install/traefik-values.yaml',
  );

describe('MT011 with Traefik as the sender', () => {
  test('Traefik in its default namespace is not admitted by a policy for namespace "ingress"', () => {
    const findings = mt011.run(buildContext(collector, [traefik({})]));
    expect(findings.map((f) => [f.object, f.field])).toEqual([['NetworkPolicy observability/np', 'spec.ingress']]);
    expect(findings[0]!.message).toContain('Traefik (namespace traefik)');
  });

  test('namespaceOverride: ingress is admitted (named port resolved through the pod)', () => {
    expect(mt011.run(buildContext(collector, [traefik({ namespaceOverride: 'ingress' })]))).toEqual([]);
  });
});

describe('MT010 / MT012 details', () => {
  test('Traefik v2 values (image.tag v2.x) may use tracing.jaeger and service.type', () => {
    const v2 = doc(
      { image: { tag: 'v2.11.53' }, service: { type: 'NodePort' }, tracing: { jaeger: { samplingType: 'const' } } },
      'install/traefik-values.yaml',
    );
    expect(mt010.run(buildContext([], [v2]))).toEqual([]);
  });

  test('v2 flags in additionalArguments under chart 41 are reported', () => {
    const v3 = doc({ additionalArguments: ['--tracing.jaeger.localAgentHostPort=agent:6831'] }, 'install/traefik-values.yaml');
    expect(mt010.run(buildContext([], [v3])).map((f) => f.field)).toEqual(['additionalArguments[0]']);
  });

  test('header names are matched case-insensitively; x-request-id is fine', () => {
    const tel = doc({
      apiVersion: 'telemetry.istio.io/v1',
      kind: 'Telemetry',
      metadata: { name: 't', namespace: 'istio-system' },
      spec: {
        tracing: [
          {
            customTags: {
              a: { header: { name: 'COOKIE' } },
              b: { header: { name: 'x-request-id' } },
              c: { literal: { value: 'Authorization' } },
            },
          },
        ],
      },
    });
    expect(mt012.run(buildContext([tel], [])).map((f) => f.field)).toEqual(['spec.tracing[0].customTags.a.header.name']);
  });
});
