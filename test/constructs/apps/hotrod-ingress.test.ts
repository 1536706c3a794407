import { Testing } from 'cdk8s';
import { IngressRoute } from '@kubernetes-models/traefik/traefik.io/v1alpha1/IngressRoute';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { HotRod } from '../../../src/constructs/apps/hotrod';
import { HotRodIngress } from '../../../src/constructs/apps/hotrod-ingress';
import { buildTraefikV3Values, traefikV3TracingEndpoint } from '../../../src/constructs/traefik';
import { ingressRouteCrdErrors } from '../traefik/crd-schema';

function synth(props: Omit<ConstructorParameters<typeof HotRodIngress>[2], 'hotrod'> = {}) {
  const chart = Testing.chart();
  const hotrod = new HotRod(chart, 'hotrod');
  new HotRodIngress(chart, 'ingress', { hotrod, ...props });
  const objects = Testing.synth(chart);
  return {
    objects,
    deployment: objects.find((o) => o.kind === 'Deployment'),
    service: objects.find((o) => o.kind === 'Service'),
    route: objects.find((o) => o.kind === 'IngressRoute'),
    ingress: objects.find((o) => o.kind === 'Ingress'),
  };
}

describe('HotRodIngress', () => {
  test('IngressRoute: Host(`hotrod.localhost`) on web → hotrod:8080, valid for the CRD and @kubernetes-models/traefik', () => {
    // GIVEN / WHEN
    const { route } = synth();
    // THEN
    expect(route).toEqual({
      apiVersion: 'traefik.io/v1alpha1',
      kind: 'IngressRoute',
      metadata: { name: 'hotrod', namespace: 'hotrod' },
      spec: {
        entryPoints: ['web'],
        routes: [{ kind: 'Rule', match: 'Host(`hotrod.localhost`)', services: [{ name: 'hotrod', port: 8080 }] }],
      },
    });
    expect(() => new IngressRoute(route).validate()).not.toThrow();
    expect(ingressRouteCrdErrors(route)).toEqual([]);
  });

  test('HotROD objects, IngressRoute, Traefik values and Traefik endpoint all agree on names and ports', () => {
    // GIVEN the HotROD app, its route, and the Traefik values built with the kit's defaults
    const { deployment, service, route } = synth();
    const values = buildTraefikV3Values();
    const hotrodEnv = deployment.spec.template.spec.containers[0].env.find((e: any) => e.name === 'OTEL_EXPORTER_OTLP_ENDPOINT').value;

    // THEN the route's backend is the HotROD Service, in its namespace, on a port the Service exposes
    const backend = route.spec.routes[0].services[0];
    expect(route.metadata.namespace).toBe(service.metadata.namespace);
    expect(backend.name).toBe(service.metadata.name);
    const servicePort = service.spec.ports.find((p: any) => p.port === backend.port);
    expect(servicePort).toBeDefined();
    // … that port reaches a container port of the pods the Service selects
    const podPorts = deployment.spec.template.spec.containers[0].ports.map((p: any) => p.containerPort);
    expect(podPorts).toContain(servicePort.targetPort);
    // … the route listens on the entrypoint Traefik's values expose on a node port (kind maps it)
    expect(route.spec.entryPoints).toEqual(['web']);
    expect(values.ports.web.nodePort).toBe(30080);
    // … and Traefik (OTLP gRPC) and HotROD (OTLP HTTP) both export to the same jaeger-collector Service
    const traefikTarget = traefikV3TracingEndpoint();
    const hotrodTarget = new URL(hotrodEnv);
    expect(hotrodTarget.hostname).toBe(traefikTarget.host);
    expect([traefikTarget.port, Number(hotrodTarget.port)]).toEqual([4317, 4318]);
  });

  test('plain Ingress option: ingressClassName traefik (= the IngressClass the Traefik values create), web entrypoint', () => {
    const { ingress, service } = synth({ kind: 'Ingress', traceVerbosity: 'detailed' });
    expect(() => new Ingress(ingress).validate()).not.toThrow();
    expect(ingress.spec.ingressClassName).toBe(buildTraefikV3Values().ingressClass.name);
    expect(ingress.metadata.annotations).toEqual({
      'traefik.ingress.kubernetes.io/router.entrypoints': 'web',
      'traefik.ingress.kubernetes.io/router.observability.traceVerbosity': 'detailed',
    });
    expect(ingress.spec.rules[0]).toEqual({
      host: 'hotrod.localhost',
      http: {
        paths: [
          {
            path: '/',
            pathType: 'Prefix',
            backend: { service: { name: service.metadata.name, port: { number: service.spec.ports[0].port } } },
          },
        ],
      },
    });
  });

  test('route-level detailed verbosity writes an explicit observability block', () => {
    const { route } = synth({ traceVerbosity: 'detailed' });
    expect(route.spec.routes[0].observability).toEqual({ tracing: true, traceVerbosity: 'detailed' });
    expect(ingressRouteCrdErrors(route)).toEqual([]);
  });

  test('rejects an unknown kind and an Ingress host Kubernetes would refuse', () => {
    const chart = Testing.chart();
    const hotrod = new HotRod(chart, 'hotrod');
    expect(() => new HotRodIngress(chart, 'a', { hotrod, kind: 'HTTPRoute' as never })).toThrow(/kind "HTTPRoute" is not supported/);
    expect(() => new HotRodIngress(chart, 'b', { hotrod, kind: 'Ingress', host: 'HotROD.localhost' })).toThrow(
      /host "HotROD.localhost" is not a lower-case DNS name/,
    );
  });
});
