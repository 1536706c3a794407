import { accessLines, chooseIstioInstaller, laneInputProblems, planDown, planSmoke, planUp } from '../../src/cluster/plan';
import type { RunStep, Step, WaitStep } from '../../src/cluster/plan';
import { defaultSmokeTargets, smokeTargetsFor } from '../../src/cluster/lane';
import { renderPlan } from '../../src/cluster/render';
import { laneInput, tools } from './support/fixtures';

const ISTIO_REPO = 'https://istio-release.storage.googleapis.com/charts';
const TRAEFIK_REPO = 'https://traefik.github.io/charts';

function runs(steps: readonly Step[]): string[] {
  return steps.filter((s): s is RunStep => s.kind === 'run').map((s) => [s.cmd, ...s.args].join(' '));
}

describe('planUp', () => {
  test('lab on a machine without istioctl: synth, kind, Istio charts base → istiod → gateway, Traefik, apply, wait, access notes', () => {
    // GIVEN the lab profile, no cluster yet, no istioctl
    const steps = planUp(laneInput());

    // THEN the steps come in this order
    expect(steps.map((s) => s.kind)).toEqual(['synth', 'run', 'mark-cluster', 'run', 'run', 'run', 'run', 'apply', 'wait', 'note']);
    // AND every command is exact: pinned versions, our context, never the user's helm repo list
    expect(runs(steps)).toEqual([
      'kind create cluster --name meshtrace --config dist/install/kind.yaml --wait 120s',
      `helm upgrade --install istio-base base --repo ${ISTIO_REPO} --version 1.30.3 --namespace istio-system --create-namespace --set defaultRevision=default --kube-context kind-meshtrace --wait --timeout 10m`,
      `helm upgrade --install istiod istiod --repo ${ISTIO_REPO} --version 1.30.3 --namespace istio-system --create-namespace --values dist/install/istiod-values.yaml --set pilot.resources.requests.cpu=10m --set pilot.resources.requests.memory=100Mi --set global.proxy.resources.requests.cpu=10m --set global.proxy.resources.requests.memory=40Mi --kube-context kind-meshtrace --wait --timeout 10m`,
      `helm upgrade --install istio-ingressgateway gateway --repo ${ISTIO_REPO} --version 1.30.3 --namespace istio-system --create-namespace --set service.type=ClusterIP --set resources.requests.cpu=10m --set resources.requests.memory=40Mi --kube-context kind-meshtrace --wait --timeout 10m`,
      `helm upgrade --install traefik traefik --repo ${TRAEFIK_REPO} --version 41.3.0 --namespace traefik --create-namespace --values dist/install/traefik-values.yaml --kube-context kind-meshtrace --wait --timeout 10m`,
    ]);
    const apply = steps.find((s) => s.kind === 'apply');
    expect(apply).toMatchObject({
      cmd: 'kubectl',
      args: ['--context', 'kind-meshtrace', 'apply', '--server-side', '--field-manager=meshtrace', '--force-conflicts', '-f', 'dist'],
    });
    // AND the applied files are the manifests kubectl reads, in its lexical order (no README, no install/)
    expect(apply && apply.kind === 'apply' && apply.files).toEqual([
      'dist/0000-namespaces.k8s.yaml',
      'dist/0100-jaeger.k8s.yaml',
      'dist/0200-bookinfo.k8s.yaml',
    ]);
    const wait = steps.find((s): s is WaitStep => s.kind === 'wait') as WaitStep;
    expect(wait.timeoutSeconds).toBe(600);
    expect(wait.context).toBe('kind-meshtrace');
    expect(wait.resources.map((r) => `${r.kind}/${r.namespace}/${r.name}`)).toEqual([
      'Deployment/istio-system/istiod',
      'Deployment/istio-system/istio-ingressgateway',
      'Deployment/traefik/traefik',
      'Deployment/observability/jaeger',
      'Deployment/bookinfo/productpage-v1',
      'StatefulSet/bookinfo/ratings-db',
    ]);
    // AND the kind step names the digest-pinned node image from kind.yaml
    expect(steps[1].why).toContain('kindest/node:v1.36.1@sha256:3489c767');
  });

  test("--istio-requests chart keeps the charts' own requests", () => {
    const helm = runs(planUp(laneInput({ istioRequests: 'chart' }))).filter((r) => r.startsWith('helm'));
    expect(helm).toHaveLength(4);
    expect(helm.some((r) => r.includes('resources.requests'))).toBe(false);
  });

  test('access notes use the host ports kind.yaml publishes, and only for apps in the stack: each line a comment or a command', () => {
    const dist = {
      ...laneInput().dist,
      hostPorts: { traefikWeb: 8000, istioIngressHttp: 8081 },
      workloads: [...laneInput().dist.workloads, { kind: 'Deployment' as const, namespace: 'hotrod', name: 'hotrod' }],
    };
    expect(accessLines(laneInput({ dist }))).toEqual([
      '# Jaeger UI: http://127.0.0.1:16686/ while this port-forward runs',
      'kubectl --context kind-meshtrace -n observability port-forward svc/jaeger-query 16686:16686',
      '# Bookinfo: http://127.0.0.1:8081/productpage (Istio ingress gateway NodePort, published by dist/install/kind.yaml)',
      "curl -s -o /dev/null -w '%{http_code}\\n' http://127.0.0.1:8081/productpage",
      '# HotROD: http://hotrod.localhost:8000/ (Traefik web NodePort, published by dist/install/kind.yaml)',
      "curl -s -H 'Host: hotrod.localhost' 'http://127.0.0.1:8000/dispatch?customer=123'",
      '# Tear down:',
      'npx meshtrace down --name meshtrace',
    ]);
    // without mappings: port-forward commands; without HotROD in the stack: no HotROD line
    const plain = accessLines(laneInput());
    expect(plain[3]).toBe('kubectl --context kind-meshtrace -n istio-system port-forward svc/istio-ingressgateway 8081:80');
    expect(plain.some((l) => l.startsWith('# HotROD'))).toBe(false);
  });

  test('ci waits longer than lab (image pulls on small runners)', () => {
    const wait = planUp(laneInput({ profile: 'ci' })).find((s) => s.kind === 'wait') as WaitStep;
    expect(wait.timeoutSeconds).toBe(900);
  });

  test('--wait-timeout overrides the profile default', () => {
    const wait = planUp(laneInput({ profile: 'ci', waitTimeoutSeconds: 42 })).find((s) => s.kind === 'wait') as WaitStep;
    expect(wait.timeoutSeconds).toBe(42);
  });

  test('istioctl at the pinned release installs from the IstioOperator overlay', () => {
    // GIVEN istioctl 1.30.3 on the PATH
    const steps = planUp(laneInput({ tools: tools({ istioctl: { found: true, version: '1.30.3' } }) }));
    // THEN istioctl replaces the three Istio charts, with our context
    expect(runs(steps).filter((r) => r.includes('istio'))).toEqual([
      'istioctl install --skip-confirmation --filename dist/install/istio-operator.yaml --context kind-meshtrace',
    ]);
  });

  test('istioctl of another release is not used: the Helm charts pin the release', () => {
    const choice = chooseIstioInstaller({ tools: tools({ istioctl: { found: true, version: '1.29.6' } }), versions: laneInput().versions });
    expect(choice).toEqual({ installer: 'helm', why: 'istioctl 1.29.6 is not the pinned Istio 1.30.3: using the Helm charts instead' });
  });

  test('an existing cluster is reused, not created or marked', () => {
    const steps = planUp(laneInput({ cluster: { exists: true, ownedByKit: false } }));
    expect(runs(steps).some((r) => r.startsWith('kind create'))).toBe(false);
    expect(steps.some((s) => s.kind === 'mark-cluster')).toBe(false);
    expect(steps[1]).toMatchObject({ kind: 'note' });
    expect((steps[1] as unknown as { lines: string[] }).lines[0]).toContain('not created by meshtrace');
  });

  test('the dry-run text is a script: a comment per step, then commands to paste as printed', () => {
    const text = renderPlan('steps:', planUp(laneInput()));
    expect(text).toContain('# 1. write dist/ and dist/install/ from profile lab\nnpx meshtrace synth --profile lab --outdir dist\n');
    expect(text).toContain('\nkind create cluster --name meshtrace --config dist/install/kind.yaml --wait 120s\n');
    expect(text).toContain('#   applies dist/0200-bookinfo.k8s.yaml\n');
    expect(text).toContain('\nkubectl --context kind-meshtrace -n bookinfo rollout status statefulset/ratings-db --timeout=600s\n');
    // what the lane does itself is a comment, never prose posing as a command
    expect(text).toMatch(/\n#   meshtrace does this itself: mark cluster meshtrace/);
    for (const line of text.trimEnd().split('\n')) expect(line).toMatch(/^(#|npx meshtrace |kind |helm |kubectl |curl |rm |kill )/);
  });
});

describe('laneInputProblems', () => {
  test('objects of an API group whose CRDs no step installs make the plan impossible', () => {
    const dist = { ...laneInput().dist, apiGroups: ['', 'apps', 'monitoring.coreos.com'] };
    expect(laneInputProblems(laneInput({ dist }))).toEqual([
      "dist/ has objects of API group monitoring.coreos.com, whose CRDs nothing in this plan installs (installed: Istio's base chart, Traefik's chart, the Gateway API standard channel)",
    ]);
  });

  test('missing installer inputs are named with their path', () => {
    const dist = { ...laneInput().dist, kindConfig: undefined, traefikValues: undefined };
    expect(laneInputProblems(laneInput({ dist }))).toEqual([
      'dist/install/kind.yaml is missing: synth writes it (traefik/kind inputs)',
      'dist/install/traefik-values.yaml is missing: synth writes it',
    ]);
  });
});

describe('planSmoke', () => {
  const targets = defaultSmokeTargets();

  test('after up: port-forwards, one verify per spec, reports always, artifacts on failure, forwards closed, created cluster deleted', () => {
    // GIVEN the ci profile, no cluster yet, the three shipped specs
    const full = planSmoke({ ...laneInput({ profile: 'ci' }), targets });
    // THEN after the wait come the smoke steps, each with when it runs
    const tail = full.slice(full.findIndex((s) => s.kind === 'wait') + 1);
    expect(tail.map((s) => `${s.kind}:${s.when ?? 'ok'}`)).toEqual([
      'port-forward:ok',
      'port-forward:ok',
      'port-forward:ok',
      'port-forward:ok',
      'verify:ok',
      'verify:ok',
      'verify:ok',
      'report:always',
      'collect-artifacts:on-failure',
      'close-port-forwards:always',
      'run:always',
      'unmark-cluster:always',
    ]);
    expect(tail[0]).toMatchObject({ id: 'jaeger-query', target: { namespace: 'observability', service: 'jaeger-query', port: 16686 } });
    expect(tail.filter((s) => s.kind === 'verify')).toEqual([
      expect.objectContaining({
        name: 'bookinfo',
        spec: 'samples/expectations/bookinfo.yaml',
        trigger: 'istio-ingressgateway.istio-system:80',
        path: '/productpage',
        jaeger: 'jaeger-query',
        timeoutSeconds: 150,
      }),
      expect.objectContaining({ name: 'hotrod', trigger: 'traefik.traefik:80', headers: { Host: 'hotrod.localhost' } }),
      expect.objectContaining({ name: 'relay-chain', spec: 'samples/expectations/relay-chain.yaml' }),
    ]);
    expect(tail.find((s) => s.kind === 'report')).toMatchObject({
      junitFile: 'meshtrace-smoke/junit.xml',
      jsonFile: 'meshtrace-smoke/results.json',
    });
    expect(tail.find((s) => s.kind === 'collect-artifacts')).toMatchObject({
      dir: 'meshtrace-smoke/artifacts',
      collector: { service: 'jaeger-collector', port: 8888 },
      namespaces: ['bookinfo', 'istio-system', 'observability', 'traefik'],
    });
    expect(runs(tail)).toEqual(['kind delete cluster --name meshtrace']);
    // the teardown only touches a cluster this very run created and marked
    expect(tail.slice(-2).map((s) => s.onlyIfMarked)).toEqual([true, true]);
    expect(renderPlan('steps:', full)).toContain(
      '(always, if this run created and marked the cluster)\nkind delete cluster --name meshtrace\n',
    );
    // the verify steps print as the `npx meshtrace verify` a person would run against the printed port-forwards
    const text = renderPlan('steps:', full);
    expect(text).toContain('\nkubectl --context kind-meshtrace -n observability port-forward svc/jaeger-query 16686:16686 &\n');
    expect(text).toContain('\nkubectl --context kind-meshtrace -n istio-system port-forward svc/istio-ingressgateway 18080:80 &\n');
    expect(text).toContain(
      '\nnpx meshtrace verify --spec samples/expectations/bookinfo.yaml --jaeger-url http://127.0.0.1:16686 --trigger http://127.0.0.1:18080/productpage --timeout 150s\n',
    );
    expect(text).toContain(" --trigger 'http://127.0.0.1:18081/dispatch?customer=123' --header 'Host: hotrod.localhost' --timeout 150s\n");
  });

  test('targets follow the stack: no HotROD or relay chain in the manifests, no spec run for them', () => {
    const { targets, skipped } = smokeTargetsFor(laneInput().dist);
    expect(targets.map((t) => t.name)).toEqual(['bookinfo']);
    expect(skipped).toEqual([
      'hotrod: not in this stack (no Deployment hotrod in dist/), spec not run',
      'relay-chain: not in this stack (no Deployment edge in dist/), spec not run',
    ]);
    const withRelay = {
      ...laneInput().dist,
      workloads: [...laneInput().dist.workloads, { kind: 'Deployment' as const, namespace: 'mesh-relay', name: 'edge' }],
    };
    expect(smokeTargetsFor(withRelay).targets.find((t) => t.name === 'relay-chain')?.entry).toEqual({
      namespace: 'mesh-relay',
      service: 'edge',
      port: 8080,
    });
  });

  test('specs that will not run are carried to the report step (skipped test cases)', () => {
    const steps = planSmoke({
      ...laneInput(),
      targets: defaultSmokeTargets().slice(0, 1),
      skipped: ['hotrod: samples/expectations/hotrod.yaml does not exist, spec not run'],
    });
    expect(steps.find((s) => s.kind === 'report')).toMatchObject({
      skipped: ['hotrod: samples/expectations/hotrod.yaml does not exist, spec not run'],
    });
    expect(renderPlan('steps:', steps)).toContain(
      '#   meshtrace does this itself: reports as skipped: hotrod: samples/expectations/hotrod.yaml does not exist, spec not run\n',
    );
  });

  test('a cluster that existed before, or --keep-cluster, is not deleted', () => {
    const existed = planSmoke({ ...laneInput({ cluster: { exists: true, ownedByKit: true } }), targets });
    const kept = planSmoke({ ...laneInput(), targets, keepCluster: true });
    for (const steps of [existed, kept]) expect(runs(steps).some((r) => r.startsWith('kind delete'))).toBe(false);
  });
});

describe('planDown', () => {
  test('an existing cluster: check ownership first, then delete, then drop the marker', () => {
    const steps = planDown({ clusterName: 'meshtrace', cluster: { exists: true, ownedByKit: true } });
    expect(steps.map((s) => s.kind)).toEqual(['check-owner', 'run', 'unmark-cluster']);
    expect(steps[0]).toMatchObject({ context: 'kind-meshtrace', markerFile: '.meshtrace/clusters/meshtrace.json' });
    expect(runs(steps)).toEqual(['kind delete cluster --name meshtrace']);
  });

  test('no cluster: nothing to delete (idempotent), a stale marker is dropped', () => {
    expect(planDown({ clusterName: 'x', cluster: { exists: false, ownedByKit: false } }).map((s) => s.kind)).toEqual(['note']);
    expect(planDown({ clusterName: 'x', cluster: { exists: false, ownedByKit: true } }).map((s) => s.kind)).toEqual([
      'note',
      'unmark-cluster',
    ]);
  });

  test('kind missing: the plan says it cannot tell, and shows what down would run if the cluster exists', () => {
    const steps = planDown({ clusterName: 'x', cluster: { exists: false, ownedByKit: false, unknown: 'kind is not installed' } });
    expect(steps.map((s) => s.kind)).toEqual(['note', 'check-owner', 'run', 'unmark-cluster']);
    expect(renderPlan('down', steps)).toContain('cannot tell whether kind cluster "x" exists (kind is not installed)');
    expect(renderPlan('down', steps)).not.toContain('nothing to delete');
  });
});
