import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { executePlan, type VerifyRequest } from '../../src/cluster/executor';
import { ClientNodeKube } from '../../src/cluster/kube';
import { planDown, planSmoke, planUp } from '../../src/cluster/plan';
import { defaultSmokeTargets } from '../../src/cluster/lane';
import { collectArtifacts } from '../../src/cluster/artifacts';
import { writeMarker } from '../../src/cluster/marker';
import { FakeKubeApi } from './support/fake-kube-api';
import { RecordingRunner, ok } from './support/fake-runner';
import { laneInput } from './support/fixtures';

let api: FakeKubeApi;
let root: string;
const servers: Server[] = [];
const logs: string[] = [];

async function podServer(handler: (path: string) => string): Promise<number> {
  const server = createServer((req, res) => res.end(handler(req.url ?? '/')));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  servers.push(server);
  return (server.address() as { port: number }).port;
}

/** Every workload of the fixture plan, ready. */
function readyCluster(): void {
  for (const [ns, name] of [
    ['istio-system', 'istiod'],
    ['istio-system', 'istio-ingressgateway'],
    ['traefik', 'traefik'],
    ['observability', 'jaeger'],
    ['bookinfo', 'productpage-v1'],
  ]) {
    api.deployment(ns, name, {});
  }
  api.statefulset('bookinfo', 'ratings-db', {});
}

function deps(runner: RecordingRunner, extra: Partial<Parameters<typeof executePlan>[1]> = {}): Parameters<typeof executePlan>[1] {
  return {
    runner,
    kubeFor: (context) => {
      expect(context).toBe('kind-meshtrace');
      return new ClientNodeKube(api.kubeConfig(context));
    },
    root,
    log: (l) => logs.push(l),
    synthDone: true,
    newToken: () => 'token-1234',
    now: () => new Date('2026-11-21T12:00:00Z'),
    waitIntervalMs: 10,
    ...extra,
  };
}

beforeEach(async () => {
  api = new FakeKubeApi();
  await api.start();
  root = mkdtempSync(join(tmpdir(), 'executor-'));
  logs.length = 0;
});
afterEach(async () => {
  await api.close();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  rmSync(root, { recursive: true, force: true });
});

describe('executePlan: up', () => {
  test('runs every command in order, marks the cluster it created, waits through the API', async () => {
    // GIVEN a runner where every command succeeds and a cluster whose workloads are ready
    const runner = new RecordingRunner().on('kind', ok()).on('helm', ok()).on('kubectl', ok());
    readyCluster();
    // WHEN the lab plan runs
    const result = await executePlan(planUp(laneInput()), deps(runner));
    // THEN it succeeds and ran exactly the plan's commands, plus the owner ConfigMap after the cluster exists
    expect(result.exitCode).toBe(0);
    expect(runner.commandLines().map((l) => l.split(' ').slice(0, 5).join(' '))).toEqual([
      'kind create cluster --name meshtrace',
      'kubectl --context kind-meshtrace --namespace kube-system',
      'helm upgrade --install istio-base base',
      'helm upgrade --install istiod istiod',
      'helm upgrade --install istio-ingressgateway gateway',
      'helm upgrade --install traefik traefik',
      'kubectl --context kind-meshtrace apply --server-side',
    ]);
    expect(runner.commandLines()[1]).toBe(
      'kubectl --context kind-meshtrace --namespace kube-system create configmap meshtrace-owner --from-literal=token=token-1234 --from-literal=createdAt=2026-11-21T12:00:00.000Z',
    );
    expect(JSON.parse(readFileSync(join(root, '.meshtrace/clusters/meshtrace.json'), 'utf8'))).toEqual({
      cluster: 'meshtrace',
      context: 'kind-meshtrace',
      token: 'token-1234',
      createdAt: '2026-11-21T12:00:00.000Z',
    });
    // AND the wait read each workload from the API server
    expect(api.requests.map((r) => r.path)).toContain('/apis/apps/v1/namespaces/bookinfo/statefulsets/ratings-db');
    expect(logs.some((l) => l.includes('6/6 ready'))).toBe(true);
  });

  test('a failing helm install stops the run with exit 2 and its stderr; later steps are skipped', async () => {
    const runner = new RecordingRunner()
      .on('kind', ok())
      .on('kubectl', ok())
      .on('helm', { exitCode: 1, stdout: '', stderr: 'Error: INSTALLATION FAILED: context deadline exceeded\n' });
    const result = await executePlan(planUp(laneInput()), deps(runner));
    expect(result.exitCode).toBe(2);
    expect(result.summary).toMatch(/^stopped at "helm upgrade --install istio-base base .*": helm upgrade .* failed \(exit 1\):$/);
    expect(result.outcomes.find((o) => o.status === 'error')?.message).toContain('Error: INSTALLATION FAILED: context deadline exceeded');
    expect(result.outcomes.filter((o) => o.status === 'skipped').map((o) => o.step.kind)).toEqual([
      'run',
      'run',
      'run',
      'apply',
      'wait',
      'note',
    ]);
  });
});

describe('executePlan: smoke', () => {
  /** Services and pods behind the forwards the smoke plan opens, each a real loopback server. */
  async function meshBehindForwards(): Promise<void> {
    const entries: [string, string, number, Record<string, string>, (p: string) => string][] = [
      ['observability', 'jaeger-query', 16686, { app: 'jaeger' }, (p) => `jaeger ${p}`],
      ['istio-system', 'istio-ingressgateway', 80, { app: 'istio-ingressgateway' }, (p) => `gateway ${p}`],
      ['traefik', 'traefik', 80, { 'app.kubernetes.io/name': 'traefik' }, (p) => `traefik ${p}`],
      ['relay', 'edge', 8080, { app: 'edge' }, (p) => `relay ${p}`],
    ];
    for (const [ns, svc, port, labels, handler] of entries) {
      api.service(ns, svc, labels, [{ port, targetPort: port + 1 }]);
      api.pod(ns, `${svc}-pod`, {
        labels,
        ports: [{ containerPort: port + 1 }, ...(svc === 'jaeger-query' ? [{ containerPort: 8888 }] : [])],
      });
      api.podPorts.set(`${ns}/${svc}-pod:${port + 1}`, await podServer(handler));
    }
    // the collector's self-metrics on :8888 (a container port, not on the Service)
    api.service('observability', 'jaeger-collector', { app: 'jaeger' }, [{ name: 'grpc-otlp', port: 4317, targetPort: 4317 }]);
    api.podPorts.set(
      'observability/jaeger-query-pod:8888',
      await podServer(
        () => 'otelcol_receiver_accepted_spans{receiver="otlp"} 40\notelcol_receiver_refused_spans{receiver="otlp"} 3\nprocess_uptime 12\n',
      ),
    );
    api.pod('bookinfo', 'reviews-v2-abc', { labels: { app: 'reviews' }, containers: [{ name: 'reviews' }, { name: 'istio-proxy' }] });
    api.logs.set('bookinfo/reviews-v2-abc/reviews', 'reviews log: dropped traceparent');
    api.logs.set('bookinfo/reviews-v2-abc/istio-proxy', 'envoy access log');
    api.logs.set('observability/jaeger-query-pod/app', 'collector log');
    api.events.push({
      metadata: { namespace: 'bookinfo', name: 'e1' },
      involvedObject: { kind: 'Pod', name: 'reviews-v2-abc' },
      type: 'Warning',
      reason: 'BackOff',
      message: 'Back-off restarting',
      count: 2,
    });
  }

  test('verifies through real port-forwards; a failed spec gives exit 1, reports, artifacts, and clean-up', async () => {
    // GIVEN a ready stack, a verifier that really calls the forwarded entry points, and hotrod failing
    readyCluster();
    await meshBehindForwards();
    const runner = new RecordingRunner().on('kind', ok()).on('helm', ok()).on('kubectl', ok());
    const seen: string[] = [];
    const verifier = async (req: VerifyRequest) => {
      const trigger = await (await fetch(req.triggerUrl, { headers: { ...req.headers, connection: 'close' } })).text();
      const jaeger = await (await fetch(`${req.jaegerUrl}/api/v3/services`, { headers: { connection: 'close' } })).text();
      seen.push(`${req.name}: ${trigger} | ${jaeger}`);
      const passed = req.name !== 'hotrod';
      return {
        name: req.name,
        spec: req.spec,
        passed,
        durationMs: 5,
        traceIds: ['4bf92f3577b34da6a3ce929d0e0e4736'],
        message: passed ? 'trace matched' : 'split trace: 2 traces instead of 1',
        diagnosis: passed ? undefined : 'context lost between frontend and reviews',
        failingServices: passed ? [] : ['reviews.bookinfo'],
      };
    };
    const steps = planSmoke({ ...laneInput({ profile: 'ci' }), targets: defaultSmokeTargets() });
    // WHEN smoke runs
    const result = await executePlan(steps, deps(runner, { verifier, collect: collectArtifacts }));
    // THEN every spec ran through its own entry point and Jaeger, even after hotrod failed
    expect(seen).toEqual([
      'bookinfo: gateway /productpage | jaeger /api/v3/services',
      'hotrod: traefik /dispatch?customer=123 | jaeger /api/v3/services',
      'relay-chain: relay / | jaeger /api/v3/services',
    ]);
    expect(result.exitCode).toBe(1);
    expect(result.summary).toBe('1 of 3 specs failed: hotrod');
    // AND JUnit has bring-up + 3 cases with one failure; JSON has the specs
    const junit = readFileSync(join(root, 'meshtrace-smoke/junit.xml'), 'utf8');
    expect(junit).toContain('tests="4" failures="1" errors="0"');
    expect(junit).toContain('<testcase classname="meshtrace smoke" name="hotrod"');
    expect(junit).toContain(
      '<failure message="split trace: 2 traces instead of 1">split trace: 2 traces instead of 1\n\ncontext lost between frontend and reviews</failure>',
    );
    expect(
      JSON.parse(readFileSync(join(root, 'meshtrace-smoke/results.json'), 'utf8')).specs.map((s: { passed: boolean }) => s.passed),
    ).toEqual([true, false, true]);
    // AND the artifacts hold the diagnosis, pods, events, logs of the blamed hop and the collector, and the span counters
    const art = join(root, 'meshtrace-smoke/artifacts');
    expect(readFileSync(join(art, 'diagnosis.md'), 'utf8')).toContain('hops blamed: reviews.bookinfo');
    expect(readFileSync(join(art, 'pods.txt'), 'utf8')).toContain('bookinfo\treviews-v2-abc\tRunning\tyes');
    expect(readFileSync(join(art, 'events.txt'), 'utf8')).toContain('Warning\tBackOff\tPod/reviews-v2-abc\t(x2)\tBack-off restarting');
    expect(readFileSync(join(art, 'logs/bookinfo/reviews-v2-abc/reviews.log'), 'utf8')).toBe('reviews log: dropped traceparent');
    expect(readFileSync(join(art, 'logs/bookinfo/reviews-v2-abc/istio-proxy.log'), 'utf8')).toBe('envoy access log');
    expect(readFileSync(join(art, 'logs/observability/jaeger-query-pod/app.log'), 'utf8')).toBe('collector log');
    expect(readFileSync(join(art, 'collector-span-counters.txt'), 'utf8')).toBe(
      'otelcol_receiver_accepted_spans{receiver="otlp"} 40\notelcol_receiver_refused_spans{receiver="otlp"} 3\n',
    );
    // AND every forward is closed, and the cluster this run created is deleted and unmarked
    for (let i = 0; i < 250 && api.openTunnels > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(api.openTunnels).toBe(0);
    expect(runner.commandLines().at(-1)).toBe('kind delete cluster --name meshtrace');
    expect(existsSync(join(root, '.meshtrace/clusters/meshtrace.json'))).toBe(false);
  });

  test('a spec that cannot be checked (entry point down) is exit 2 but the other specs still run', async () => {
    readyCluster();
    await meshBehindForwards();
    const runner = new RecordingRunner().on('kind', ok()).on('helm', ok()).on('kubectl', ok());
    const ran: string[] = [];
    const verifier = async (req: VerifyRequest) => {
      ran.push(req.name);
      if (req.name === 'hotrod') throw new Error('hotrod: every request to http://127.0.0.1:1/dispatch failed (ECONNREFUSED)');
      return { name: req.name, spec: req.spec, passed: true, durationMs: 1, traceIds: [], message: 'trace matched', failingServices: [] };
    };
    const result = await executePlan(
      planSmoke({ ...laneInput(), targets: defaultSmokeTargets() }),
      deps(runner, { verifier, collect: collectArtifacts }),
    );
    expect(ran).toEqual(['bookinfo', 'hotrod', 'relay-chain']);
    expect(result.exitCode).toBe(2);
    expect(result.summary).toBe('1 of 3 specs failed: hotrod (could not check)');
    const junit = readFileSync(join(root, 'meshtrace-smoke/junit.xml'), 'utf8');
    expect(junit).toContain('tests="4" failures="0" errors="1"');
    expect(runner.commandLines().at(-1)).toBe('kind delete cluster --name meshtrace');
  });

  test('a stack that never gets ready: exit 1, no verification, a red bring-up case, artifacts, clean-up', async () => {
    readyCluster();
    api.deployment('bookinfo', 'productpage-v1', { replicas: 1, ready: 0 });
    api.pod('bookinfo', 'productpage-v1-x', {
      labels: { app: 'productpage-v1' },
      ready: false,
      containers: [{ name: 'productpage', ready: false, waiting: 'ErrImagePull' }],
    });
    const runner = new RecordingRunner().on('kind', ok()).on('helm', ok()).on('kubectl', ok());
    let verified = 0;
    const steps = planSmoke({ ...laneInput({ waitTimeoutSeconds: 0 }), targets: defaultSmokeTargets() });
    const result = await executePlan(
      steps,
      deps(runner, {
        verifier: async () => {
          verified += 1;
          throw new Error('not reached');
        },
        collect: collectArtifacts,
      }),
    );
    expect(result.exitCode).toBe(1);
    expect(verified).toBe(0);
    expect(result.summary).toBe('stopped at "wait up to 0s (context kind-meshtrace) for 6 workloads:": 1 workload(s) not ready after 0s:');
    expect(result.outcomes.find((o) => o.status === 'broken')?.message).toContain('deployment/productpage-v1 -n bookinfo: 0/1 available');
    const junit = readFileSync(join(root, 'meshtrace-smoke/junit.xml'), 'utf8');
    expect(junit).toContain('tests="4" failures="1" errors="0" skipped="3"');
    expect(junit).toContain(
      '<testcase classname="meshtrace smoke" name="hotrod" time="0.000">\n      <skipped message="not run: the stack did not come up"/>',
    );
    expect(junit).toContain('pod productpage-v1-x container productpage: waiting: ErrImagePull');
    expect(readdirSync(join(root, 'meshtrace-smoke/artifacts')).sort()).toEqual(
      expect.arrayContaining(['diagnosis.md', 'events.txt', 'pods.txt', 'collection-errors.txt']),
    );
    expect(runner.commandLines().at(-1)).toBe('kind delete cluster --name meshtrace');
  });
});

test('kind create failing (e.g. the name was taken meanwhile) never leads to deleting that cluster', async () => {
  const runner = new RecordingRunner()
    .on('kind create', {
      exitCode: 1,
      stdout: '',
      stderr: 'ERROR: failed to create cluster: node(s) already exist for a cluster with the name "meshtrace"\n',
    })
    .on('kind delete', ok());
  const steps = planSmoke({ ...laneInput(), targets: defaultSmokeTargets() });
  const result = await executePlan(
    steps,
    deps(runner, {
      verifier: async () => {
        throw new Error('not reached');
      },
    }),
  );
  expect(result.exitCode).toBe(2);
  expect(runner.commandLines().some((l) => l.startsWith('kind delete'))).toBe(false);
  expect(result.outcomes.filter((o) => o.step.onlyIfMarked).map((o) => o.status)).toEqual(['skipped', 'skipped']);
  // the reports are still written: a red CI run shows the bring-up error
  expect(readFileSync(join(root, 'meshtrace-smoke/junit.xml'), 'utf8')).toContain('node(s) already exist for a cluster with the name');
});

test('a cluster that cannot be marked is left alone and no marker file is written', async () => {
  const runner = new RecordingRunner()
    .on('kind', ok())
    .on('kubectl', { exitCode: 1, stdout: '', stderr: 'The connection to the server 127.0.0.1:41234 was refused\n' });
  const result = await executePlan(planSmoke({ ...laneInput(), targets: defaultSmokeTargets() }), deps(runner));
  expect(result.exitCode).toBe(2);
  expect(result.outcomes.find((o) => o.step.kind === 'mark-cluster')?.message).toContain(
    'the cluster was created but could not be marked, so meshtrace will not delete it: kind delete cluster --name meshtrace',
  );
  expect(existsSync(join(root, '.meshtrace/clusters/meshtrace.json'))).toBe(false);
  expect(runner.commandLines().some((l) => l.startsWith('kind delete'))).toBe(false);
});

describe('executePlan: down', () => {
  const marker = { cluster: 'meshtrace', context: 'kind-meshtrace', token: 'abc', createdAt: '2026-11-21T00:00:00Z' };

  test('deletes a cluster whose in-cluster token matches the marker', async () => {
    writeMarker(root, '.meshtrace/clusters/meshtrace.json', marker);
    const runner = new RecordingRunner().on('kubectl', ok('abc')).on('kind', ok());
    const result = await executePlan(planDown({ clusterName: 'meshtrace', cluster: { exists: true, ownedByKit: true } }), deps(runner));
    expect(result.exitCode).toBe(0);
    expect(runner.commandLines()).toEqual([
      'kubectl --context kind-meshtrace --namespace kube-system get configmap meshtrace-owner --output=jsonpath={.data.token}',
      'kind delete cluster --name meshtrace',
    ]);
    expect(existsSync(join(root, '.meshtrace/clusters/meshtrace.json'))).toBe(false);
  });

  test('refuses a same-named cluster with another token, and one without a marker (exit 1, nothing deleted)', async () => {
    const runner = new RecordingRunner().on('kubectl', ok('someone-else')).on('kind', ok());
    const noMarker = await executePlan(planDown({ clusterName: 'meshtrace', cluster: { exists: true, ownedByKit: false } }), deps(runner));
    expect(noMarker.exitCode).toBe(1);
    expect(noMarker.summary).toMatch(/^stopped at "check that meshtrace created meshtrace: /);
    expect(noMarker.outcomes[0].message).toBe(
      'refusing to delete kind cluster "meshtrace": meshtrace did not create it (no .meshtrace/clusters/meshtrace.json). Delete it yourself with: kind delete cluster --name meshtrace',
    );
    writeMarker(root, '.meshtrace/clusters/meshtrace.json', marker);
    const mismatch = await executePlan(planDown({ clusterName: 'meshtrace', cluster: { exists: true, ownedByKit: true } }), deps(runner));
    expect(mismatch.exitCode).toBe(1);
    expect(mismatch.outcomes[0].message).toContain('its owner token does not match');
    expect(runner.commandLines().some((l) => l.startsWith('kind delete'))).toBe(false);
    expect(existsSync(join(root, '.meshtrace/clusters/meshtrace.json'))).toBe(true);
  });
});
