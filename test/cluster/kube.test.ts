import { createServer, type Server } from 'node:http';
import { ClientNodeKube, KubeApiError } from '../../src/cluster/kube';
import { readiness, waitForWorkloads } from '../../src/cluster/wait';
import { openPortForward, resolveForwardTarget } from '../../src/cluster/port-forward';
import { FakeKubeApi } from './support/fake-kube-api';

let api: FakeKubeApi;
let kube: ClientNodeKube;

beforeEach(async () => {
  api = new FakeKubeApi();
  await api.start();
  kube = new ClientNodeKube(api.kubeConfig());
});
afterEach(async () => {
  await api.close();
});

describe('ClientNodeKube against a loopback API server', () => {
  test('reads a Deployment into a status summary; a missing one is undefined', async () => {
    // GIVEN a deployment with 1 of 2 replicas ready
    api.deployment('observability', 'jaeger', { replicas: 2, ready: 1, labels: { app: 'jaeger', component: 'all-in-one' } });
    // WHEN it is read
    const status = await kube.getWorkload({ kind: 'Deployment', namespace: 'observability', name: 'jaeger' });
    // THEN the numbers and the pod selector come through
    expect(status).toMatchObject({ kind: 'Deployment', replicas: 2, readyReplicas: 1, podSelector: 'app=jaeger,component=all-in-one' });
    expect(readiness(status)).toEqual({ ready: false, detail: '1/2 available' });
    expect(await kube.getWorkload({ kind: 'StatefulSet', namespace: 'observability', name: 'nope' })).toBeUndefined();
  });

  test('lists pods by label selector and reads the tail of a log', async () => {
    api.pod('bookinfo', 'productpage-v1-abc', { labels: { app: 'productpage' } });
    api.pod('bookinfo', 'details-v1-xyz', { labels: { app: 'details' } });
    api.logs.set('bookinfo/productpage-v1-abc/app', 'line1\nline2\nline3');
    const pods = await kube.listPods('bookinfo', 'app=productpage');
    expect(pods.map((p) => p.name)).toEqual(['productpage-v1-abc']);
    expect(api.requests.find((r) => r.path === '/api/v1/namespaces/bookinfo/pods')?.query.labelSelector).toBe('app=productpage');
    expect(await kube.readLog('bookinfo', 'productpage-v1-abc', 'app', 2)).toBe('line2\nline3');
  });

  test('an unreachable API server is an error naming the server, not "not found"', async () => {
    const url = api.url;
    await api.close();
    await expect(kube.getWorkload({ kind: 'Deployment', namespace: 'a', name: 'b' })).rejects.toThrow(KubeApiError);
    await expect(kube.getWorkload({ kind: 'Deployment', namespace: 'a', name: 'b' })).rejects.toThrow(url);
  });
});

describe('waitForWorkloads', () => {
  test('polls until every workload is ready, reporting progress per workload', async () => {
    // GIVEN istiod ready, jaeger rolling out, a StatefulSet mid-revision
    api.deployment('istio-system', 'istiod', {});
    api.deployment('observability', 'jaeger', { replicas: 1, ready: 0 });
    api.statefulset('bookinfo', 'ratings-db', { currentRevision: 'r1', updateRevision: 'r2' });
    let clock = 0;
    let polls = 0;
    const progress: string[] = [];
    // WHEN waiting, with a sleep that lets the cluster converge after the second poll
    const result = await waitForWorkloads(
      kube,
      [
        { kind: 'Deployment', namespace: 'istio-system', name: 'istiod' },
        { kind: 'Deployment', namespace: 'observability', name: 'jaeger' },
        { kind: 'StatefulSet', namespace: 'bookinfo', name: 'ratings-db' },
      ],
      {
        timeoutMs: 60_000,
        intervalMs: 2000,
        now: () => clock,
        sleep: async (ms) => {
          clock += ms;
          polls += 1;
          if (polls === 2) {
            api.deployment('observability', 'jaeger', { replicas: 1, ready: 1 });
            api.statefulset('bookinfo', 'ratings-db', { currentRevision: 'r2', updateRevision: 'r2' });
          }
        },
        onProgress: (p) => progress.push(`${p.ready}/${p.total}${p.justReady ? ` ${p.justReady.name}` : ''}`),
      },
    );
    // THEN it succeeds after three polls, each workload reported once
    expect(result).toEqual({ ok: true, elapsedMs: 4000, notReady: [] });
    expect(progress).toEqual(['0/3', '1/3 istiod', '2/3 jaeger', '3/3 ratings-db']);
  });

  test('on timeout, says which workloads and why their pods are not ready', async () => {
    api.deployment('bookinfo', 'reviews-v1', { replicas: 1, ready: 0 });
    api.pod('bookinfo', 'reviews-v1-1', {
      labels: { app: 'reviews-v1' },
      ready: false,
      containers: [
        { name: 'reviews', ready: false, waiting: 'ImagePullBackOff', restarts: 0 },
        { name: 'istio-proxy', ready: true },
      ],
    });
    api.deployment('istio-system', 'istiod', { replicas: 1, ready: 0 });
    api.pod('istio-system', 'istiod-1', {
      labels: { app: 'istiod' },
      ready: false,
      unschedulable: '0/1 nodes are available: 1 Insufficient cpu.',
    });
    let clock = 0;
    const result = await waitForWorkloads(
      kube,
      [
        { kind: 'Deployment', namespace: 'bookinfo', name: 'reviews-v1' },
        { kind: 'Deployment', namespace: 'istio-system', name: 'istiod' },
        { kind: 'Deployment', namespace: 'observability', name: 'never-applied' },
      ],
      { timeoutMs: 5000, intervalMs: 2000, now: () => clock, sleep: async (ms) => void (clock += ms) },
    );
    expect(result.ok).toBe(false);
    expect(result.elapsedMs).toBe(5000);
    expect(result.notReady).toEqual([
      {
        workload: { kind: 'Deployment', namespace: 'bookinfo', name: 'reviews-v1' },
        detail: '0/1 available',
        pods: ['pod reviews-v1-1 container reviews: waiting: ImagePullBackOff'],
      },
      {
        workload: { kind: 'Deployment', namespace: 'istio-system', name: 'istiod' },
        detail: '0/1 available',
        pods: ['pod istiod-1: Unschedulable: 0/1 nodes are available: 1 Insufficient cpu.'],
      },
      { workload: { kind: 'Deployment', namespace: 'observability', name: 'never-applied' }, detail: 'not found', pods: [] },
    ]);
  });
});

describe('port-forward through the client-node WebSocket', () => {
  let pod: Server;
  let podPort: number;
  beforeEach(async () => {
    // a real HTTP server plays the container port of the jaeger-query pod
    pod = createServer((req, res) => res.end(`jaeger-query saw ${req.method} ${req.url}`));
    await new Promise<void>((r) => pod.listen(0, '127.0.0.1', () => r()));
    podPort = (pod.address() as { port: number }).port;
  });
  afterEach(async () => {
    await new Promise<void>((r) => pod.close(() => r()));
  });

  test('a Service port with a named targetPort reaches the ready pod; close() ends every tunnel', async () => {
    // GIVEN svc jaeger-query 16686 → targetPort "http-query" on a ready pod (and an unready one before it)
    api.service('observability', 'jaeger-query', { app: 'jaeger' }, [{ name: 'http-query', port: 16686, targetPort: 'http-query' }]);
    api.pod('observability', 'jaeger-0-unready', { labels: { app: 'jaeger' }, ready: false });
    api.pod('observability', 'jaeger-1', { labels: { app: 'jaeger' }, ports: [{ name: 'http-query', containerPort: 16686 }] });
    api.podPorts.set('observability/jaeger-1:16686', podPort);
    // WHEN the kit opens a forward and two requests go through it
    const forward = await openPortForward(kube, 'jaeger-query', { namespace: 'observability', service: 'jaeger-query', port: 16686 });
    expect(forward).toMatchObject({ pod: 'jaeger-1', podPort: 16686 });
    expect(forward.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const first = await fetch(`${forward.url}/api/v3/services`, { headers: { connection: 'close' } });
    const second = await fetch(`${forward.url}/api/v3/traces/abc`, { headers: { connection: 'close' } });
    // THEN the pod answered both, through the API server's port-forward endpoint
    expect(await first.text()).toBe('jaeger-query saw GET /api/v3/services');
    expect(await second.text()).toBe('jaeger-query saw GET /api/v3/traces/abc');
    expect(api.requests.filter((r) => r.method === 'UPGRADE').map((r) => `${r.path}?ports=${r.query.ports}`)).toEqual([
      '/api/v1/namespaces/observability/pods/jaeger-1/portforward?ports=16686',
      '/api/v1/namespaces/observability/pods/jaeger-1/portforward?ports=16686',
    ]);
    // AND after close() nothing listens and no tunnel stays open
    await forward.close();
    await expect(fetch(`${forward.url}/`)).rejects.toThrow();
    for (let i = 0; i < 250 && api.openTunnels > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(api.openTunnels).toBe(0);
  });

  test('a port that is not on the Service is used as a container port (collector metrics :8888)', async () => {
    api.service('observability', 'jaeger-collector', { app: 'jaeger' }, [{ name: 'grpc-otlp', port: 4317, targetPort: 4317 }]);
    api.pod('observability', 'jaeger-1', {
      labels: { app: 'jaeger' },
      ports: [
        { name: 'grpc-otlp', containerPort: 4317 },
        { name: 'metrics', containerPort: 8888 },
      ],
    });
    expect(await resolveForwardTarget(kube, { namespace: 'observability', service: 'jaeger-collector', port: 8888 })).toEqual({
      pod: 'jaeger-1',
      podPort: 8888,
    });
  });

  test('no ready pod or no Service: the error says which and why', async () => {
    api.service('istio-system', 'istio-ingressgateway', { app: 'istio-ingressgateway' }, [{ port: 80, targetPort: 8080 }]);
    api.pod('istio-system', 'gw-1', {
      labels: { app: 'istio-ingressgateway' },
      ready: false,
      containers: [{ name: 'istio-proxy', ready: false, waiting: 'CrashLoopBackOff', restarts: 4 }],
    });
    await expect(openPortForward(kube, 'gw', { namespace: 'istio-system', service: 'istio-ingressgateway', port: 80 })).rejects.toThrow(
      'cannot port-forward to svc/istio-ingressgateway -n istio-system: no ready pod matches app=istio-ingressgateway (pod gw-1 container istio-proxy: waiting: CrashLoopBackOff, 4 restarts)',
    );
    await expect(openPortForward(kube, 'x', { namespace: 'relay', service: 'relay-0', port: 8080 })).rejects.toThrow(
      'cannot port-forward to svc/relay-0 -n relay: the Service does not exist',
    );
    api.service('traefik', 'traefik', { app: 'traefik' }, [{ name: 'web', port: 80, targetPort: 'web' }]);
    api.pod('traefik', 'traefik-1', { labels: { app: 'traefik' }, ports: [{ name: 'websecure', containerPort: 8443 }] });
    await expect(openPortForward(kube, 't', { namespace: 'traefik', service: 'traefik', port: 80 })).rejects.toThrow(
      'cannot port-forward to svc/traefik -n traefik port 80: it targets port name "web", which no container of pod traefik-1 declares',
    );
  });
});
