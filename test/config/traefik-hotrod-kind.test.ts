import { hotrodSchema } from '../../src/config/hotrod';
import { kindSchema } from '../../src/config/kind';
import { traefikSchema } from '../../src/config/traefik';

const messages = (r: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) =>
  (r.error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`);

describe('config section traefik', () => {
  test('defaults: v3, gRPC, sample everything, detailed spans, NodePort 30080/30443', () => {
    expect(traefikSchema.parse({})).toEqual({
      enabled: true,
      mode: 'v3',
      namespace: 'traefik',
      serviceName: 'traefik',
      sampleRate: 1,
      transport: 'grpc',
      traceVerbosity: 'detailed',
      propagators: [],
      capturedRequestHeaders: ['X-Request-Id'],
      capturedResponseHeaders: [],
      safeQueryParams: [],
      service: { type: 'NodePort', webNodePort: 30080, websecureNodePort: 30443 },
      resources: { cpuRequest: '50m', memoryRequest: '64Mi', memoryLimit: '256Mi' },
      v2: { reporter: 'collector', propagation: 'jaeger', samplingType: 'const', samplingParam: 1, imageTag: 'v2.11.53' },
    });
  });

  test.each([
    [{ capturedRequestHeaders: ['Authorization'] }, /capturedRequestHeaders.0: carries credentials/],
    [{ transport: 'both' }, /transport: /],
    [{ sampleRate: 2 }, /sampleRate: is above 1/],
    [{ service: { webNodePort: 80 } }, /service.webNodePort: is below the NodePort range/],
    [{ service: { webNodePort: 30100, websecureNodePort: 30100 } }, /service.websecureNodePort: equals webNodePort/],
    [{ mode: 'v2', propagators: ['b3multi'] }, /propagators: only applies to mode v3/],
    [{ v2: { propagation: 'tracecontext' } }, /v2.propagation/],
    [{ tracing: {} }, /Unrecognized key/],
  ])('rejects %j', (input, message) => {
    const result = traefikSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(messages(result).join('\n')).toMatch(message);
  });
});

describe('config section hotrod', () => {
  test('defaults', () => {
    expect(hotrodSchema.parse({})).toEqual({
      enabled: true,
      image: 'jaegertracing/example-hotrod:2.20.0',
      namespace: 'hotrod',
      meshed: false,
      runAsUser: 65532,
      ingress: { kind: 'IngressRoute', host: 'hotrod.localhost' },
      resources: { cpuRequest: '50m', memoryRequest: '64Mi', memoryLimit: '256Mi' },
    });
  });
  test.each([
    [{ image: 'jaegertracing/example-hotrod:latest' }, /image: uses the moving tag "latest"/],
    [{ runAsUser: 0 }, /runAsUser: is 0 \(root\)/],
    [{ ingress: { host: 'Hotrod.localhost' } }, /ingress.host: is not a lower-case DNS name/],
  ])('rejects %j', (input, message) => {
    expect(messages(hotrodSchema.safeParse(input)).join('\n')).toMatch(message);
  });
});

describe('config section kind', () => {
  test('defaults: pinned node image, 127.0.0.1, tutorial host port 8000', () => {
    const kind = kindSchema.parse({});
    expect(kind.nodeImage).toBe('kindest/node:v1.36.1@sha256:3489c7674813ba5d8b1a9977baea8a6e553784dab7b84759d1014dbd78f7ebd5');
    expect(kind.listenAddress).toBe('127.0.0.1');
    expect(kind.hostPorts.traefikWeb).toBe(8000);
  });
  test.each([
    [{ nodeImage: 'kindest/node' }, /nodeImage: has no tag or digest/],
    [{ listenAddress: 'localhost' }, /listenAddress: is not an IP address/],
    [{ hostPorts: { traefikWeb: 0 } }, /hostPorts.traefikWeb/],
  ])('rejects %j', (input, message) => {
    expect(messages(kindSchema.safeParse(input)).join('\n')).toMatch(message);
  });
});
