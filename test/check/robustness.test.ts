/**
 * Bad input never crashes the check: every checker gets objects whose fields have the wrong shape
 * (strings for maps, null specs, numbers for lists) and must answer with findings, not exceptions.
 */
import { checkManifests, type ManifestDoc } from '../../src/check';

const WEIRD: Record<string, unknown>[] = [
  { apiVersion: 'apps/v1', kind: 'Deployment', metadata: 'web', spec: null },
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd', namespace: 7, labels: 'x' },
    spec: { template: { metadata: { labels: ['a'] }, spec: { containers: 'c', volumes: 5, securityContext: 'no' } } },
  },
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'e' },
    spec: {
      template: {
        spec: {
          containers: [
            null,
            3,
            { name: 'c', env: 'x', ports: [null, { name: 1 }], securityContext: { capabilities: { drop: 'ALL', add: 'X' } } },
          ],
        },
      },
    },
  },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { selector: 'app=x', ports: 'http' } },
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 't' },
    spec: { selector: { app: null }, ports: [null, { port: 'x', targetPort: {} }] },
  },
  {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c' },
    data: { 'config.yaml': 'service: [1,2\n', 'other.yaml': 'service: {extensions: 3}\nreceivers: {otlp: {protocols: 5}}\n' },
  },
  {
    apiVersion: 'telemetry.istio.io/v1',
    kind: 'Telemetry',
    metadata: { name: 't', namespace: 'istio-system' },
    spec: { tracing: [null, { providers: 'jaeger', customTags: { a: null, b: { header: 'x' } } }] },
  },
  {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'n' },
    spec: { podSelector: 'x', ingress: [{ from: 'y', ports: 3 }] },
  },
  {
    apiVersion: 'security.istio.io/v1',
    kind: 'PeerAuthentication',
    metadata: { name: 'p' },
    spec: { mtls: { mode: 'STRICT' }, portLevelMtls: 'x' },
  },
  {
    apiVersion: 'traefik.io/v1alpha1',
    kind: 'Middleware',
    metadata: { name: 'm' },
    spec: { headers: { customRequestHeaders: 'X-Request-Id' } },
  },
  {
    apiVersion: 'traefik.io/v1alpha1',
    kind: 'IngressRoute',
    metadata: { name: 'r' },
    spec: { routes: [{ services: 'x', middlewares: 1 }] },
  },
  { kind: 'Namespace' },
  {},
];

const INSTALL_WEIRD: Record<string, unknown>[] = [
  {
    apiVersion: 'install.istio.io/v1alpha1',
    kind: 'IstioOperator',
    spec: { meshConfig: { extensionProviders: 'jaeger', defaultProviders: { tracing: 'x' } }, values: 'v' },
  },
  { meshConfig: { extensionProviders: [null, { name: 'p', opentelemetry: { service: 5, port: '4317' } }] }, traceSampling: 'lots' },
  { kind: 'Cluster', apiVersion: 'kind.x-k8s.io/v1alpha4', nodes: [{ extraPortMappings: 'x' }, null] },
];

test('malformed objects produce findings, never exceptions', async () => {
  // GIVEN objects of every kind the checkers read, with wrongly shaped fields
  const docs: ManifestDoc[] = WEIRD.map((object, index) => ({ file: 'weird.yaml', index, object }));
  const installDocs: ManifestDoc[] = INSTALL_WEIRD.map((object, index) => ({
    file: index === 1 ? 'install/istiod-values.yaml' : 'install/x.yaml',
    index,
    object,
  }));
  installDocs.push({
    file: 'install/traefik-values.yaml',
    index: 0,
    object: {
      tracing: { otlp: { enabled: true, grpc: 'yes', http: { enabled: true, endpoint: 5 } }, capturedRequestHeaders: 'Authorization' },
      ports: 'web',
      env: 'x',
    },
  });
  // WHEN checked
  const findings = await checkManifests(docs, { installDocs });
  // THEN the schema checker reports the shapes as errors with fields, and nothing threw
  expect(findings.filter((f) => f.rule === 'schema' && f.severity === 'error').length).toBeGreaterThan(10);
  expect(findings.every((f) => typeof f.message === 'string' && f.message.length > 0)).toBe(true);
});
