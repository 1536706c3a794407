import { checkCrossReferences } from '../../src/check/xref';
import { buildContext } from '../../src/check/context';
import type { ManifestDoc } from '../../src/check';

let n = 0;
const doc = (object: Record<string, unknown>): ManifestDoc => ({ file: 'm.yaml', index: n++, object });
const deploy = (name: string, ns: string, ports: unknown[], env: unknown[] = []) =>
  doc({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: 'i:1', ports, env }] } },
    },
  });
const service = (name: string, ns: string, selector: Record<string, string>, ports: unknown[]) =>
  doc({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { selector, ports } });
const run = (...docs: ManifestDoc[]) => checkCrossReferences(buildContext(docs, []));

describe('cross-references', () => {
  test('matching selector, named targetPort and env endpoint: no findings', () => {
    expect(
      run(
        deploy(
          'api',
          'shop',
          [{ name: 'http', containerPort: 8080 }],
          [{ name: 'UPSTREAM_URL', value: 'http://db.shop.svc.cluster.local:5432' }],
        ),
        service('api', 'shop', { app: 'api' }, [{ name: 'http-api', port: 80, targetPort: 'http' }]),
        deploy('db', 'shop', [{ name: 'tcp-pg', containerPort: 5432 }]),
        service('db', 'shop', { app: 'db' }, [{ name: 'tcp-pg', port: 5432 }]),
      ),
    ).toEqual([]);
  });

  test('a selector in a namespace without any workload here is a warning (they may be deployed elsewhere)', () => {
    const findings = run(deploy('api', 'shop', []), service('api', 'other', { app: 'api' }, [{ name: 'http', port: 80 }]));
    expect(findings).toEqual([
      expect.objectContaining({
        rule: 'xref/selector',
        severity: 'warning',
        object: 'Service other/api',
        field: 'spec.selector',
        message: expect.stringContaining('no workloads in this namespace'),
      }),
    ]);
  });

  test('a selector that matches none of the workloads of its namespace is an error', () => {
    const findings = run(deploy('api', 'shop', []), service('api', 'shop', { app: 'apii' }, [{ name: 'http', port: 80 }]));
    expect(findings).toEqual([
      expect.objectContaining({ rule: 'xref/selector', severity: 'error', message: expect.stringContaining('Deployment api {app=api}') }),
    ]);
  });

  test('a named targetPort missing on the pods and a number no declaring pod listens on are errors naming the real ports', () => {
    const findings = run(
      deploy('api', 'shop', [{ name: 'http', containerPort: 8080 }, { containerPort: 9000 }]),
      service('api', 'shop', { app: 'api' }, [
        { name: 'http-a', port: 80, targetPort: 'web' },
        { name: 'http-b', port: 81, targetPort: 9090 },
        { name: 'http-c', port: 9000 },
      ]),
    );
    expect(findings.map((f) => [f.rule, f.severity, f.field, f.message, f.fix])).toEqual([
      [
        'xref/target-port',
        'error',
        'spec.ports[0].targetPort',
        'targetPort "web" is not a named container port of Deployment api (named ports: "http")',
        'use one of "http", or name the container port "web"',
      ],
      [
        'xref/target-port',
        'error',
        'spec.ports[1].targetPort',
        'targetPort 9090 is not a container port of Deployment api (declares 8080 "http", 9000): the Service sends its traffic to a port the pods do not listen on',
        "point targetPort at a declared port (8080, 9000), or declare 9090 under the container's ports",
      ],
    ]);
  });

  test('pods that declare no ports are not judged for a numeric targetPort, but a named one cannot resolve', () => {
    // Kubernetes forwards to an undeclared number (container ports are informational); a name needs a declaration.
    const findings = run(
      deploy('api', 'shop', []),
      service('api', 'shop', { app: 'api' }, [
        { name: 'http', port: 80, targetPort: 8080 },
        { name: 'http-n', port: 81, targetPort: 'http' },
      ]),
    );
    expect(findings.map((f) => [f.field, f.message])).toEqual([
      ['spec.ports[1].targetPort', 'targetPort "http" is not a named container port of Deployment api (named ports: none)'],
    ]);
  });

  test('a typoed containrPort is no declaration: no "undefined" in any message', () => {
    const findings = run(
      deploy('api', 'shop', [{ containrPort: 8080 }]),
      service('api', 'shop', { app: 'api' }, [{ name: 'http', port: 80, targetPort: 8080 }]),
    );
    expect(findings).toEqual([]);
  });

  test('an endpoint to a missing port or Service of a known namespace is an error', () => {
    const findings = run(
      deploy(
        'api',
        'shop',
        [],
        [
          { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://jaeger-collector.observability.svc:4319' },
          { name: 'DB_ADDR', value: 'dbx.shop.svc.cluster.local:5432' },
          { name: 'EXTERNAL_URL', value: 'https://api.example.com:443' },
        ],
      ),
      deploy('jaeger', 'observability', [{ containerPort: 4318 }]),
      service('jaeger-collector', 'observability', { app: 'jaeger' }, [{ name: 'http-otlp', port: 4318 }]),
    );
    expect(findings.map((f) => [f.rule, f.field, f.message])).toEqual([
      ['xref/endpoint', 'spec.template.spec.containers[0].env[0].value', expect.stringContaining('exposes 4318')],
      [
        'xref/endpoint',
        'spec.template.spec.containers[0].env[1].value',
        expect.stringContaining('Service shop/dbx, which is not defined here'),
      ],
    ]);
  });
});

describe('route backends', () => {
  test('IngressRoute, HTTPRoute and VirtualService backends must be Services with that port', () => {
    // GIVEN a Service web:80 and three routes, each with one wrong reference
    const findings = run(
      deploy('web', 'shop', [{ name: 'http', containerPort: 8080 }]),
      service('web', 'shop', { app: 'web' }, [{ name: 'http-web', port: 80, targetPort: 'http' }]),
      doc({
        apiVersion: 'traefik.io/v1alpha1',
        kind: 'IngressRoute',
        metadata: { name: 'r', namespace: 'shop' },
        spec: { routes: [{ kind: 'Rule', match: 'PathPrefix(`/`)', services: [{ name: 'web', port: 8080 }] }] },
      }),
      doc({
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'h', namespace: 'shop' },
        spec: { rules: [{ backendRefs: [{ name: 'webb', port: 80 }] }] },
      }),
      doc({
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'v', namespace: 'shop' },
        spec: {
          hosts: ['web'],
          http: [
            {
              route: [
                { destination: { host: 'web.shop.svc.cluster.local', port: { number: 80 } } },
                { destination: { host: 'api', port: { number: 80 } } },
              ],
            },
          ],
        },
      }),
    );
    // THEN each wrong reference is reported where it is written
    expect(findings.map((f) => [f.rule, f.object, f.field])).toEqual([
      ['xref/route-backend', 'IngressRoute shop/r', 'spec.routes[0].services[0].port'],
      ['xref/route-backend', 'HTTPRoute shop/h', 'spec.rules[0].backendRefs[0].name'],
      ['xref/route-backend', 'VirtualService shop/v', 'spec.http[0].route[1].destination.name'],
    ]);
  });
});
