import { Testing } from 'cdk8s';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Service } from 'kubernetes-models/v1/Service';
import { HotRod } from '../../../src/constructs/apps/hotrod';

function synth(props: ConstructorParameters<typeof HotRod>[2] = {}) {
  const chart = Testing.chart();
  new HotRod(chart, 'hotrod', props);
  const objects = Testing.synth(chart);
  const byKind = (kind: string) => objects.find((o) => o.kind === kind);
  return { objects, ns: byKind('Namespace'), deployment: byKind('Deployment'), service: byKind('Service') };
}

describe('HotRod', () => {
  test('defaults snapshot', () => {
    expect(synth().objects).toMatchSnapshot();
  });

  test('image 2.20.0, command all, OTLP/HTTP to the Jaeger collector 4318, namespace hotrod', () => {
    // GIVEN / WHEN
    const { deployment } = synth();
    const container = deployment.spec.template.spec.containers[0];
    // THEN
    expect(deployment.metadata).toMatchObject({ name: 'hotrod', namespace: 'hotrod' });
    expect(container.image).toBe('jaegertracing/example-hotrod:2.20.0');
    expect(container.args).toEqual(['all']);
    expect(container.env).toEqual([{ name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://jaeger-collector.observability.svc:4318' }]);
    expect(container.imagePullPolicy).toBe('IfNotPresent');
    expect(deployment.spec.replicas).toBe(1);
  });

  test('runs under Pod Security restricted: non-zero UID, no capabilities, RuntimeDefault seccomp', () => {
    const { deployment, ns } = synth();
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      readOnlyRootFilesystem: true,
    });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(ns.metadata.labels).toEqual({ 'istio-injection': 'disabled', 'pod-security.kubernetes.io/enforce': 'restricted' });
  });

  test('probes and resources are set (requests + memory limit)', () => {
    const container = synth().deployment.spec.template.spec.containers[0];
    expect(container.readinessProbe.tcpSocket.port).toBe(8080);
    expect(container.livenessProbe.tcpSocket.port).toBe(8080);
    expect(container.resources.requests).toEqual({ cpu: '50m', memory: '64Mi' });
    expect(container.resources.limits).toEqual({ memory: '256Mi' });
  });

  test('the Service selects the pods and targets the frontend container port', () => {
    const { deployment, service } = synth();
    expect(service.metadata).toMatchObject({ name: 'hotrod', namespace: 'hotrod' });
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    for (const [k, v] of Object.entries(service.spec.selector)) expect(deployment.spec.template.metadata.labels[k]).toBe(v);
    expect(service.spec.ports).toEqual([{ name: 'http-frontend', port: 8080, targetPort: 8080, protocol: 'TCP', appProtocol: 'http' }]);
    const frontend = deployment.spec.template.spec.containers[0].ports.find(
      (p: any) => p.containerPort === service.spec.ports[0].targetPort,
    );
    expect(frontend).toEqual({ name: 'frontend', containerPort: 8080, protocol: 'TCP' });
  });

  test('all objects validate against the Kubernetes 1.36 schemas (kubernetes-models)', () => {
    const { ns, deployment, service } = synth({ meshed: true });
    expect(() => new Namespace(ns).validate()).not.toThrow();
    expect(() => new Deployment(deployment).validate()).not.toThrow();
    expect(() => new Service(service).validate()).not.toThrow();
  });

  test('meshed: the namespace gets Istio injection, restricted is only warned about (istio-init needs NET_ADMIN)', () => {
    expect(synth({ meshed: true }).ns.metadata.labels).toEqual({
      'istio-injection': 'enabled',
      'pod-security.kubernetes.io/warn': 'restricted',
    });
  });

  test('createNamespace false leaves namespaces to the stack', () => {
    const { objects } = synth({ createNamespace: false, namespace: 'demo' });
    expect(objects.map((o) => o.kind).sort()).toEqual(['Deployment', 'Service']);
    expect(objects.every((o) => o.metadata.namespace === 'demo')).toBe(true);
  });

  test.each([
    [{ otlpEndpoint: 'http://jaeger-collector.observability.svc:4317' }, /4317 \(OTLP\/gRPC\); HotROD exports OTLP\/HTTP only/],
    [{ otlpEndpoint: 'jaeger-collector:4318' }, /not an http\(s\) URL/],
    [{ otlpEndpoint: 'http://jaeger-collector:4318/v1/traces' }, /ends in \/v1\/traces.*use http:\/\/jaeger-collector:4318/s],
    [{ runAsUser: 0 }, /runAsUser 0 must be a non-zero UID/],
    [{ image: 'jaegertracing/example-hotrod:latest' }, /uses "latest"/],
    [{ image: 'jaegertracing/example-hotrod' }, /has no tag or digest/],
    [{ namespace: 'HotROD' }, /namespace "HotROD" is not a DNS-1123 label/],
  ])('rejects %j', (props, message) => {
    expect(() => new HotRod(Testing.chart(), 'h', props)).toThrow(message);
  });
});
