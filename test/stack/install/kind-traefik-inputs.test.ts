import { parse as load } from 'yaml';
import { IngressRoute } from '@kubernetes-models/traefik/traefik.io/v1alpha1/IngressRoute';
import { checkManifests } from '../../../src/check/index';
import type { ManifestDoc } from '../../../src/check/finding';
import { parseConfig } from '../../../src/config/load';
import { findTraefikValuesProblems } from '../../../src/constructs/traefik';
import { buildStack } from '../../../src/stack/build-stack';
import { synthesizedNodePorts, traefikJaegerNeeds } from '../../../src/stack/install/kind-traefik-inputs';
import { chartSchemaErrors } from '../../constructs/traefik/chart-schema';
import { ingressRouteCrdErrors } from '../../constructs/traefik/crd-schema';

function stackOf(raw: Record<string, unknown> = {}) {
  const config = parseConfig(raw, 'test');
  const stack = buildStack(config);
  const file = (path: string) => stack.files.find((f) => f.path === path);
  const install = (name: string) => stack.installDocs.find((d) => d.file === `install/${name}`)?.object as any;
  const objects = stack.docs.map((d) => d.object as any);
  const find = (kind: string, namespace: string, name: string) =>
    objects.find((o) => o.kind === kind && o.metadata?.namespace === namespace && o.metadata?.name === name);
  return { config, stack, file, install, objects, find };
}

/** The Service port a `host:port` (or URL) in namespace-qualified DNS form resolves to, if any. */
function resolveServicePort(objects: any[], host: string, port: number, protocol = 'TCP') {
  const [name, namespace] = host.split('.');
  const svc = objects.find((o) => o.kind === 'Service' && o.metadata.name === name && o.metadata.namespace === namespace);
  return svc?.spec.ports.find((p: any) => p.port === port && (p.protocol ?? 'TCP') === protocol);
}

describe('default profile: Traefik values, HotROD and kind config from one config', () => {
  const s = stackOf();

  test('writes install/traefik-values.yaml and install/kind.yaml with their headers', () => {
    expect(s.file('install/traefik-values.yaml')!.content).toMatch(
      /^# Traefik Helm values written by meshtrace \(chart traefik\/traefik 41\.3\.0/,
    );
    expect(s.file('install/kind.yaml')!.content).toMatch(/^# kind cluster config written by meshtrace \(kind v0\.32\.0\)/);
    // the header is a YAML comment: the file parses to the same object check reads
    expect(load(s.file('install/traefik-values.yaml')!.content)).toEqual(s.install('traefik-values.yaml'));
  });

  test("the Traefik values pass the chart 41.3.0 schema and the kit's rules", () => {
    expect(chartSchemaErrors(s.install('traefik-values.yaml'))).toEqual([]);
    expect(findTraefikValuesProblems(s.install('traefik-values.yaml'), { mode: 'v3' })).toEqual([]);
  });

  test("Traefik's OTLP endpoint resolves to a port of the synthesized jaeger-collector Service", () => {
    const endpoint: string = s.install('traefik-values.yaml').tracing.otlp.grpc.endpoint;
    const [host, port] = endpoint.split(':');
    expect(resolveServicePort(s.objects, host!, Number(port))).toMatchObject({ name: 'grpc-otlp', port: 4317 });
    for (const need of traefikJaegerNeeds(s.config)) {
      expect({ need, port: resolveServicePort(s.objects, need.host, need.port, need.protocol) }).toEqual({
        need,
        port: expect.objectContaining({ port: need.port }),
      });
    }
  });

  test('HotROD: Deployment, Service, IngressRoute and its OTLP endpoint agree on names and ports', () => {
    const deployment = s.find('Deployment', 'hotrod', 'hotrod');
    const service = s.find('Service', 'hotrod', 'hotrod');
    const route = s.find('IngressRoute', 'hotrod', 'hotrod');
    expect(() => new IngressRoute(route).validate()).not.toThrow();
    expect(ingressRouteCrdErrors(route)).toEqual([]);
    // route → Service port → container port
    const backend = route.spec.routes[0].services[0];
    expect(backend).toEqual({ name: service.metadata.name, port: 8080 });
    const servicePort = service.spec.ports.find((p: any) => p.port === backend.port);
    expect(deployment.spec.template.spec.containers[0].ports.map((p: any) => p.containerPort)).toContain(servicePort.targetPort);
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    // route entrypoint = the entrypoint the Traefik values give a node port
    expect(route.spec.entryPoints).toEqual(['web']);
    expect(s.install('traefik-values.yaml').ports.web.nodePort).toBe(30080);
    // HotROD exports OTLP/HTTP to a real jaeger-collector Service port
    const url = new URL(deployment.spec.template.spec.containers[0].env[0].value);
    expect(resolveServicePort(s.objects, url.hostname, Number(url.port))).toMatchObject({ name: 'http-otlp', port: 4318 });
    // its namespace is created in the namespaces chart (applied first) and enforces restricted
    const ns = s.stack.docs.find((d) => (d.object as any).kind === 'Namespace' && (d.object as any).metadata.name === 'hotrod')!;
    expect(ns.file).toMatch(/^0000-namespaces/);
    expect((ns.object as any).metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  test('kind: every mapped containerPort is a synthesized nodePort (Traefik web/websecure, Istio gateway), on 127.0.0.1, node image pinned', () => {
    const kind = s.install('kind.yaml');
    const mappings = kind.nodes[0].extraPortMappings;
    expect(kind.nodes[0].image).toBe('kindest/node:v1.36.1@sha256:3489c7674813ba5d8b1a9977baea8a6e553784dab7b84759d1014dbd78f7ebd5');
    // node ports as they appear in the synthesized installer inputs themselves
    const traefik = s.install('traefik-values.yaml');
    const gateway = s.install('istio-ingressgateway-values.yaml');
    const operatorGateway = s.install('istio-operator.yaml').spec.components.ingressGateways[0].k8s.service;
    const nodePorts = [
      traefik.ports.web.nodePort,
      traefik.ports.websecure.nodePort,
      ...gateway.service.ports.filter((p: any) => p.nodePort).map((p: any) => p.nodePort),
    ];
    expect(operatorGateway.ports.filter((p: any) => p.nodePort).map((p: any) => p.nodePort)).toEqual(
      gateway.service.ports.filter((p: any) => p.nodePort).map((p: any) => p.nodePort),
    );
    expect(mappings.map((m: any) => m.containerPort).sort()).toEqual([...nodePorts].sort());
    expect(new Set(nodePorts).size).toBe(nodePorts.length);
    expect(mappings.every((m: any) => m.listenAddress === '127.0.0.1')).toBe(true);
    expect(mappings.find((m: any) => m.containerPort === 30080).hostPort).toBe(8000); // http://hotrod.localhost:8000
  });

  test('meshtrace check finds no errors in the synthesized output', async () => {
    const findings = await checkManifests(s.stack.docs as ManifestDoc[], { installDocs: s.stack.installDocs as ManifestDoc[] });
    expect(findings.filter((f) => f.severity === 'error')).toEqual([]);
  }, 120_000);
});

describe('options', () => {
  test('plain Ingress instead of IngressRoute', () => {
    const s = stackOf({ hotrod: { ingress: { kind: 'Ingress' } } });
    expect(s.find('IngressRoute', 'hotrod', 'hotrod')).toBeUndefined();
    expect(s.find('Ingress', 'hotrod', 'hotrod').spec.ingressClassName).toBe(s.install('traefik-values.yaml').ingressClass.name);
  });

  test('HTTP transport: the endpoint URL resolves to jaeger-collector 4318', () => {
    const s = stackOf({ traefik: { transport: 'http' } });
    const url = new URL(s.install('traefik-values.yaml').tracing.otlp.http.endpoint);
    expect(url.pathname).toBe('/v1/traces');
    expect(resolveServicePort(s.objects, url.hostname, Number(url.port))).toMatchObject({ port: 4318 });
    expect(s.install('traefik-values.yaml').tracing.otlp).not.toHaveProperty('grpc');
  });

  test("a non-default observability namespace moves both Traefik's and HotROD's endpoints", () => {
    const s = stackOf({ namespaces: { observability: 'tracing' } });
    expect(s.install('traefik-values.yaml').tracing.otlp.grpc.endpoint).toBe('jaeger-collector.tracing.svc:4317');
    expect(s.find('Deployment', 'hotrod', 'hotrod').spec.template.spec.containers[0].env[0].value).toBe(
      'http://jaeger-collector.tracing.svc:4318',
    );
  });

  test('meshed HotROD: injection label, restricted only warned', () => {
    const s = stackOf({ hotrod: { meshed: true } });
    const ns = s.objects.find((o) => o.kind === 'Namespace' && o.metadata.name === 'hotrod');
    expect(ns.metadata.labels['istio-injection']).toBe('enabled');
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBeUndefined();
  });

  test('Traefik off: no values, no route, kind maps only the Istio gateway', () => {
    const s = stackOf({ traefik: { enabled: false } });
    expect(s.file('install/traefik-values.yaml')).toBeUndefined();
    expect(s.find('IngressRoute', 'hotrod', 'hotrod')).toBeUndefined();
    expect(s.install('kind.yaml').nodes[0].extraPortMappings.map((m: any) => m.containerPort)).toEqual([30081, 30444]);
  });

  test('kind off: no kind.yaml', () => {
    expect(stackOf({ kind: { enabled: false } }).file('install/kind.yaml')).toBeUndefined();
  });

  test('two Services on one node port is a config error naming both fields', () => {
    expect(() => parseConfig({ traefik: { service: { webNodePort: 30081 } } }, 'test')).toThrow(
      /traefik\.service\.webNodePort.*node port 30081 is also claimed by istio\.ingressGateway\.httpNodePort/s,
    );
    // a config object built by hand (bypassing the schema) is still refused before anything is built
    const config = parseConfig({}, 'test');
    const handMade = { ...config, traefik: { ...config.traefik, service: { ...config.traefik.service, webNodePort: 30081 } } };
    expect(() => synthesizedNodePorts(handMade)).toThrow(
      'node port 30081 is claimed twice: traefik.service.webNodePort (traefik web) and istio.ingressGateway.httpNodePort (istio ingress gateway http2); allowed: a different port in 30000-32767 for each',
    );
    expect(() => buildStack(handMade)).toThrow(/node port 30081 is claimed twice/);
  });

  test('opt-in Jaeger query NodePort: the UI port is published and mapped on 127.0.0.1:16686', () => {
    const s = stackOf({ jaeger: { query: { nodePort: 31686 } } });
    const query = s.find('Service', 'observability', 'jaeger-query');
    expect(query.spec.type).toBe('NodePort');
    expect(query.spec.ports.find((p: any) => p.port === 16686).nodePort).toBe(31686);
    const mapping = s.install('kind.yaml').nodes[0].extraPortMappings.find((m: any) => m.containerPort === 31686);
    expect(mapping).toEqual({ containerPort: 31686, hostPort: 16686, listenAddress: '127.0.0.1', protocol: 'TCP' });
    // all-in-one publishes the same Service
    const aio = stackOf({ jaeger: { topology: 'allInOne', query: { nodePort: 31686 } } });
    expect(aio.find('Service', 'observability', 'jaeger-query').spec.ports.find((p: any) => p.port === 16686).nodePort).toBe(31686);
    // default: ClusterIP and no mapping
    expect(stackOf().find('Service', 'observability', 'jaeger-query').spec.type).toBe('ClusterIP');
  });

  test('opt-in Jaeger query NodePort is checked against the other node ports', () => {
    expect(() => parseConfig({ jaeger: { query: { nodePort: 30080 } } }, 'test')).toThrow(
      /jaeger\.query\.nodePort.*node port 30080 is also claimed by traefik\.service\.webNodePort/s,
    );
  });
});

/** The rendered Jaeger collector config (ConfigMap `jaeger-collector-config` or `jaeger-config` for allInOne). */
function collectorConfig(objects: any[]): any {
  const cm = objects.find((o) => o.kind === 'ConfigMap' && /^jaeger(-collector)?-config$/.test(o.metadata.name));
  return load(cm.data['config.yaml']);
}

describe('Traefik v2 mode (the seed tutorial: chart 27, Jaeger client)', () => {
  test.each(['split', 'allInOne'] as const)(
    'Jaeger %s enables exactly the receivers v2 needs and every Traefik endpoint resolves to a Service port',
    (topology) => {
      // GIVEN v2 mode (HotROD not routed through Traefik: v2 cannot propagate W3C, see MT008)
      const s = stackOf({
        jaeger: { topology },
        traefik: { mode: 'v2', v2: { propagation: 'b3' } },
        hotrod: { ingress: { kind: 'none' } },
      });
      const values = s.install('traefik-values.yaml');
      // THEN the values are chart-27 values the kit's v2 rules accept
      expect(findTraefikValuesProblems(values, { mode: 'v2' })).toEqual([]);
      expect(values.tracing.jaeger.propagation).toBe('b3');
      // … Jaeger receives Jaeger Thrift over HTTP on 14268 and serves remote sampling on 5778
      const cfg = collectorConfig(s.objects);
      expect(cfg.receivers.jaeger).toEqual({ protocols: { thrift_http: { endpoint: '0.0.0.0:14268' } } });
      expect(cfg.service.pipelines.traces.receivers).toContain('jaeger');
      expect(cfg.extensions.remote_sampling.http.endpoint).toBe('0.0.0.0:5778');
      // … and both URLs Traefik dials are ports of the synthesized jaeger-collector Service
      for (const url of [values.tracing.jaeger.samplingServerURL, values.tracing.jaeger.collector.endpoint]) {
        const u = new URL(url);
        expect({ url, port: resolveServicePort(s.objects, u.hostname, Number(u.port)) }).toEqual({
          url,
          port: expect.objectContaining({ port: Number(u.port) }),
        });
      }
    },
  );

  test('v3 mode does not open the legacy Jaeger receiver (only what its senders need)', () => {
    const s = stackOf();
    expect(collectorConfig(s.objects).receivers).not.toHaveProperty('jaeger');
    expect(resolveServicePort(s.objects, 'jaeger-collector.observability.svc', 14268)).toBeUndefined();
  });

  test('v2 with HotROD behind an IngressRoute is refused by check (MT008: v2 never sends W3C traceparent)', async () => {
    const s = stackOf({ traefik: { mode: 'v2' } });
    const findings = await checkManifests(s.stack.docs as ManifestDoc[], { installDocs: s.stack.installDocs as ManifestDoc[] });
    expect(findings.filter((f) => f.severity === 'error').map((f) => f.rule)).toEqual(['MT008']);
  }, 120_000);

  test('the UDP agent reporter is refused with what is allowed', () => {
    expect(() => parseConfig({ traefik: { mode: 'v2', v2: { reporter: 'agent' } } }, 'test')).toThrow(
      /traefik\.v2\.reporter.*allowed: "collector"/s,
    );
  });
});

describe('check proves Traefik endpoints resolve to Jaeger Service ports', () => {
  test.each([
    [
      'v3 gRPC port typo',
      {},
      (v: any) => {
        v.tracing.otlp.grpc.endpoint = 'jaeger-collector.observability.svc:4319';
      },
      'tracing.otlp.grpc.endpoint',
    ],
    [
      'v2 collector port without the receiver',
      { traefik: { mode: 'v2' }, hotrod: { ingress: { kind: 'none' } } },
      (v: any) => {
        v.tracing.jaeger.collector.endpoint = 'http://jaeger-collector.observability.svc:14269/api/traces';
      },
      'tracing.jaeger.collector.endpoint',
    ],
  ])(
    '%s',
    async (_what, raw, change, field) => {
      const s = stackOf(raw);
      const installDocs = s.stack.installDocs.map((d) =>
        d.file === 'install/traefik-values.yaml' ? { ...d, object: JSON.parse(JSON.stringify(d.object)) } : d,
      ) as ManifestDoc[];
      change(installDocs.find((d) => d.file === 'install/traefik-values.yaml')!.object);
      const findings = await checkManifests(s.stack.docs as ManifestDoc[], { installDocs });
      expect(findings.filter((f) => f.severity === 'error').map((f) => [f.rule, f.field])).toEqual([['xref/endpoint', field]]);
    },
    120_000,
  );
});
