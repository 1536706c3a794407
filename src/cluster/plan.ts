/**
 * The kind lane as data: `planUp`, `planSmoke` and `planDown` are pure functions from what the
 * user asked for, the tools found, the cluster's state and the synthesized files to an ordered
 * list of steps. `--dry-run` prints the list; the executor runs it. Nothing here touches the
 * machine, so the tests pin every command, argument, version and wait.
 */
import { posix } from 'node:path';
import type { DetectedTools } from './tools';
import { sameRelease } from './tools';
import type { LaneVersions } from './versions';
import { gatewayApiStandardInstall, ISTIO_CHART_REPO, TRAEFIK_CHART_REPO } from './versions';
import { EDGE_COLLECTOR_DEPLOYMENT, JAEGER_PORTS, JAEGER_QUERY_SERVICE } from '../constructs/jaeger/jaeger-ports';

export type WorkloadKind = 'Deployment' | 'StatefulSet';

/** A Deployment or StatefulSet to wait for. */
export interface WorkloadRef {
  readonly kind: WorkloadKind;
  readonly namespace: string;
  readonly name: string;
}

/** A Service in the synthesized manifests. */
export interface ServiceRef {
  readonly namespace: string;
  readonly name: string;
}

/** A Service port to reach through a port-forward (client-node, to one ready pod behind it). */
export interface ServicePortRef {
  readonly namespace: string;
  readonly service: string;
  /** Service port number (resolved to the pod's target port), or a container port when no Service port matches. */
  readonly port: number;
}

/** When a step runs: in order while all went well (default), only after a failure, or always (clean-up). */
export type StepWhen = 'ok' | 'on-failure' | 'always';

interface StepBase {
  /** One line saying why the step is there (printed by --dry-run). */
  readonly why: string;
  /** @default 'ok' */
  readonly when?: StepWhen;
  /**
   * Run only if this run's `mark-cluster` step succeeded: a teardown must never delete a
   * same-named cluster that `kind create` found already there (a race with another creator).
   */
  readonly onlyIfMarked?: boolean;
}

export interface SynthStep extends StepBase {
  readonly kind: 'synth';
  readonly profile: string;
  readonly configFile?: string;
  readonly outdir: string;
}

export interface RunStep extends StepBase {
  readonly kind: 'run';
  readonly cmd: string;
  readonly args: readonly string[];
  /** Kill the command after this long (seconds). */
  readonly timeoutSeconds?: number;
}

export interface ApplyStep extends StepBase {
  readonly kind: 'apply';
  /** The manifests `kubectl apply -f <dir>` reads, in the order kubectl applies them. */
  readonly files: readonly string[];
  readonly cmd: 'kubectl';
  readonly args: readonly string[];
}

export interface WaitStep extends StepBase {
  readonly kind: 'wait';
  readonly context: string;
  readonly resources: readonly WorkloadRef[];
  readonly timeoutSeconds: number;
}

export interface MarkClusterStep extends StepBase {
  readonly kind: 'mark-cluster';
  readonly clusterName: string;
  readonly context: string;
  /** Where the marker file goes. */
  readonly markerFile: string;
}

export interface CheckOwnerStep extends StepBase {
  readonly kind: 'check-owner';
  readonly clusterName: string;
  readonly context: string;
  readonly markerFile: string;
}

export interface UnmarkClusterStep extends StepBase {
  readonly kind: 'unmark-cluster';
  readonly markerFile: string;
}

export interface PortForwardStep extends StepBase {
  readonly kind: 'port-forward';
  /** Name other steps use to find the local address. */
  readonly id: string;
  readonly context: string;
  readonly target: ServicePortRef;
  /**
   * Local port of the equivalent `kubectl port-forward` command the dry-run prints (the lane
   * itself binds a free port, so parallel runs never collide).
   */
  readonly localPort: number;
}

export interface VerifyStep extends StepBase {
  readonly kind: 'verify';
  /** Name of the check in the reports (JUnit test case). */
  readonly name: string;
  /** Path of the trace spec (samples/expectations/*). */
  readonly spec: string;
  /** Port-forward id of the entry point the request is sent to. */
  readonly trigger: string;
  /** Path of the triggering request. */
  readonly path: string;
  /** Extra request headers (e.g. `Host` for a Traefik router). */
  readonly headers: Readonly<Record<string, string>>;
  /** Port-forward id of jaeger-query. */
  readonly jaeger: string;
  readonly timeoutSeconds: number;
}

export interface ReportStep extends StepBase {
  readonly kind: 'report';
  readonly junitFile: string;
  readonly jsonFile: string;
  /** Specs not run, each `name: why` (reported as skipped test cases, so a smaller run is visible). */
  readonly skipped?: readonly string[];
}

export interface CollectArtifactsStep extends StepBase {
  readonly kind: 'collect-artifacts';
  readonly context: string;
  readonly dir: string;
  /** Namespaces whose pods, events and logs are collected. */
  readonly namespaces: readonly string[];
  /** Jaeger collector: its logs and the refused/failed span counters on :8888. */
  readonly collector: ServicePortRef;
  /** Whether `istioctl proxy-config` can be used for the tracing config the proxies received. */
  readonly istioctl: boolean;
}

export interface ClosePortForwardsStep extends StepBase {
  readonly kind: 'close-port-forwards';
}

export interface NoteStep extends StepBase {
  readonly kind: 'note';
  readonly lines: readonly string[];
}

export type Step =
  | SynthStep
  | RunStep
  | ApplyStep
  | WaitStep
  | MarkClusterStep
  | CheckOwnerStep
  | UnmarkClusterStep
  | PortForwardStep
  | VerifyStep
  | ReportStep
  | CollectArtifactsStep
  | ClosePortForwardsStep
  | NoteStep;

/** What synth put in the output folder, as the plan needs it (see `readDistLayout`). */
export interface DistLayout {
  /** The output folder, as printed (e.g. `dist`). */
  readonly dir: string;
  /** Manifests `kubectl apply -f <dir>` applies, in kubectl's (lexical) order. */
  readonly manifests: readonly string[];
  /** `install/kind.yaml`. */
  readonly kindConfig?: string;
  /** Node image named in kind.yaml (first node). */
  readonly kindNodeImage?: string;
  /** IstioOperator overlay for `istioctl install -f`. */
  readonly istioOperator?: string;
  /** Values for the `istiod` Helm chart. */
  readonly istiodValues?: string;
  /** Values for the Istio `gateway` Helm chart (optional). */
  readonly istioGatewayValues?: string;
  /** Values for the Traefik Helm chart. */
  readonly traefikValues?: string;
  /** The Traefik chart version the values file was written for (v3 values: 41.x; v2 values: 27.0.2). */
  readonly traefikChart?: string;
  /** API groups of the applied objects (`''` is the core group): what CRDs must exist before the apply. */
  readonly apiGroups?: readonly string[];
  /** Host ports kind.yaml publishes for the entry points' NodePorts (absent: reach them by port-forward). */
  readonly hostPorts?: { readonly traefikWeb?: number; readonly istioIngressHttp?: number };
  /** Deployments and StatefulSets in the manifests. */
  readonly workloads: readonly WorkloadRef[];
  /** Services in the manifests (what the lane's port-forwards and access notes point at). */
  readonly services: readonly ServiceRef[];
  /** Ingress routes in the manifests (Traefik IngressRoutes, Ingresses): how an entry point reaches an app. */
  readonly routes?: readonly ServiceRef[];
  /** Namespaces the manifests create or use. */
  readonly namespaces: readonly string[];
}

/** Inputs shared by `up` and `smoke`. */
export interface LaneInput {
  /** Profile name (`lab` or `ci`; `production` is not a kind profile). */
  readonly profile: string;
  /** Config file passed to synth instead of a profile. */
  readonly configFile?: string;
  readonly clusterName: string;
  readonly versions: LaneVersions;
  readonly tools: DetectedTools;
  readonly cluster: ClusterState;
  readonly dist: DistLayout;
  /** Folder for the ownership marker. @default '.meshtrace' */
  readonly stateDir?: string;
  /** Seconds to wait for every Deployment/StatefulSet. @default - by profile (lab 600, ci 900) */
  readonly waitTimeoutSeconds?: number;
  /** Namespace of the Traefik release. @default 'traefik' */
  readonly traefikNamespace?: string;
  /**
   * How Istio is installed. `auto` uses istioctl when its client is the pinned release, otherwise
   * the Helm charts (a mismatched istioctl would install another Istio than the one the kit pins).
   * @default 'auto'
   */
  readonly istioInstaller?: 'auto' | 'istioctl' | 'helm';
  /**
   * Resource requests of the Istio Helm charts: `demo` (istiod and every proxy 10m CPU; what
   * Istio's demo profile uses, so Bookinfo fits a 2-vCPU runner) or the charts' own (`chart`:
   * istiod 500m/2Gi, 100m/128Mi per proxy, >2 CPUs requested in total with Bookinfo).
   * @default 'demo'
   */
  readonly istioRequests?: 'demo' | 'chart';
}

/** Istio's demo-profile requests (istio/istio manifests/profiles/demo.yaml; traefik-kind.md §5). */
export const DEMO_ISTIOD_REQUESTS = [
  '--set',
  'pilot.resources.requests.cpu=10m',
  '--set',
  'pilot.resources.requests.memory=100Mi',
  '--set',
  'global.proxy.resources.requests.cpu=10m',
  '--set',
  'global.proxy.resources.requests.memory=40Mi',
];
export const DEMO_GATEWAY_REQUESTS = ['--set', 'resources.requests.cpu=10m', '--set', 'resources.requests.memory=40Mi'];

export interface ClusterState {
  /** `kind get clusters` lists the cluster (false when that could not be asked: see `unknown`). */
  readonly exists: boolean;
  /** Why the cluster's existence could not be checked (kind or Docker unusable); absent when it was. */
  readonly unknown?: string;
  /** A marker of this kit for the cluster exists (it created the cluster). */
  readonly ownedByKit: boolean;
}

/** A request the smoke test sends through the mesh, and the trace spec that must come out of it. */
export interface SmokeTarget {
  readonly name: string;
  readonly spec: string;
  readonly entry: ServicePortRef;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface SmokeInput extends LaneInput {
  readonly targets: readonly SmokeTarget[];
  /** Folder for junit.xml, results.json and (on failure) the artifacts. @default 'meshtrace-smoke' */
  readonly outDir?: string;
  /** Keep a cluster this run created (the default deletes it at the end, after artifacts are collected). */
  readonly keepCluster?: boolean;
  /** Specs that will not run, each `name: why` (shown as skipped in the reports). */
  readonly skipped?: readonly string[];
  /** Seconds each spec may take to show up complete in Jaeger. @default 150 (Istio's own tracing tests) */
  readonly verifyTimeoutSeconds?: number;
}

export interface DownInput {
  readonly clusterName: string;
  readonly cluster: ClusterState;
  readonly stateDir?: string;
}

/** Stable names of the stack (DESIGN.md contracts; istio.md §5 for the gateway). */
export const JAEGER_NAMESPACE = 'observability';
export const JAEGER_QUERY: ServicePortRef = { namespace: JAEGER_NAMESPACE, service: JAEGER_QUERY_SERVICE, port: JAEGER_PORTS.queryHttp };
/** Collector self-telemetry (Prometheus) port: a container port, not on the Service. */
export const JAEGER_COLLECTOR_METRICS: ServicePortRef = { namespace: JAEGER_NAMESPACE, service: 'jaeger-collector', port: 8888 };
export const ISTIO_NAMESPACE = 'istio-system';
export const ISTIO_INGRESS: ServicePortRef = { namespace: ISTIO_NAMESPACE, service: 'istio-ingressgateway', port: 80 };

/** First local port of the entry points' port-forwards in a printed smoke plan. */
const FIRST_ENTRY_LOCAL_PORT = 18080;

const DEFAULT_WAIT_SECONDS: Readonly<Record<string, number>> = { lab: 600, ci: 900 };
/** Per helm release: image pulls dominate on a fresh kind node. */
const HELM_TIMEOUT = '10m';
/** `kind create cluster --wait`: control plane ready before the installers talk to it. */
const KIND_WAIT = '120s';

export function kubeContext(clusterName: string): string {
  return `kind-${clusterName}`;
}

export function markerFile(stateDir: string, clusterName: string): string {
  return posix.join(stateDir, 'clusters', `${clusterName}.json`);
}

/** Which installer `auto` picks, and why (pure, printed by the plan). */
export function chooseIstioInstaller(input: Pick<LaneInput, 'tools' | 'versions' | 'istioInstaller'>): {
  installer: 'istioctl' | 'helm';
  why: string;
} {
  const wanted = input.istioInstaller ?? 'auto';
  const istioctl = input.tools.istioctl;
  if (wanted === 'helm') return { installer: 'helm', why: 'Helm charts requested (--istio-installer helm)' };
  if (wanted === 'istioctl') return { installer: 'istioctl', why: 'istioctl requested (--istio-installer istioctl)' };
  if (!istioctl.found || istioctl.problem)
    return { installer: 'helm', why: 'istioctl not found: Istio Helm charts base → istiod → gateway' };
  if (!sameRelease(istioctl.version, input.versions.istio)) {
    return {
      installer: 'helm',
      why: `istioctl ${istioctl.version ?? '(unknown version)'} is not the pinned Istio ${input.versions.istio}: using the Helm charts instead`,
    };
  }
  return { installer: 'istioctl', why: `istioctl ${istioctl.version} matches the pinned Istio release` };
}

/** Problems that make a plan impossible (missing synthesized inputs, wrong profile); empty when fine. */
export function laneInputProblems(input: LaneInput, command: 'up' | 'smoke' = 'up'): string[] {
  const problems: string[] = [];
  const d = input.dist;
  for (const group of groupsWithoutCrds(d)) {
    problems.push(
      `${d.dir}/ has objects of API group ${group}, whose CRDs nothing in this plan installs (installed: Istio's base chart, Traefik's chart, the Gateway API standard channel)`,
    );
  }
  if (!d.kindConfig) problems.push(`${d.dir}/install/kind.yaml is missing: synth writes it (traefik/kind inputs)`);
  if (!d.traefikValues) problems.push(`${d.dir}/install/traefik-values.yaml is missing: synth writes it`);
  const { installer } = chooseIstioInstaller(input);
  if (installer === 'istioctl' && !d.istioOperator) problems.push(`no IstioOperator overlay in ${d.dir}/install/ for istioctl`);
  if (installer === 'helm' && !d.istiodValues) problems.push(`no istiod Helm values in ${d.dir}/install/`);
  if (d.manifests.length === 0) problems.push(`${d.dir}/ holds no manifests to apply`);
  else if (command === 'smoke' && !hasJaegerQuery(d)) {
    problems.push(
      `${d.dir}/ has no Service ${JAEGER_QUERY.namespace}/${JAEGER_QUERY.service}: this stack runs no Jaeger of its own` +
        `${hasEdgeCollector(d) ? ' (a multi-cluster edge: its spans go to the central collector)' : ''}, and smoke verifies traces in this cluster's Jaeger; ` +
        "run smoke with a config that includes Jaeger (e.g. the central cluster's), `up` for an edge",
    );
  }
  return problems;
}

/** API groups every Kubernetes API server serves (no CRD needed). */
export const BUILT_IN_GROUPS = new Set([
  '',
  'apps',
  'batch',
  'policy',
  'autoscaling',
  'networking.k8s.io',
  'rbac.authorization.k8s.io',
  'scheduling.k8s.io',
  'storage.k8s.io',
  'coordination.k8s.io',
  'discovery.k8s.io',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'certificates.k8s.io',
  'node.k8s.io',
  'events.k8s.io',
  'flowcontrol.apiserver.k8s.io',
  'resource.k8s.io',
]);

/** Where the CRDs of the other groups the kit emits come from, in the order the plan installs them. */
export type CrdSource = 'gateway-api' | 'istio-base' | 'traefik-chart';
const CRD_SOURCE: Readonly<Record<string, CrdSource>> = {
  'gateway.networking.k8s.io': 'gateway-api',
  'networking.istio.io': 'istio-base',
  'security.istio.io': 'istio-base',
  'telemetry.istio.io': 'istio-base',
  'extensions.istio.io': 'istio-base',
  'traefik.io': 'traefik-chart',
  // chart 27 (Traefik v2.11) still serves the old group beside traefik.io
  'traefik.containo.us': 'traefik-chart',
};

/** The CRD sources the applied objects need (pure). */
export function crdSourcesFor(dist: DistLayout): Set<CrdSource> {
  const sources = new Set<CrdSource>();
  for (const g of dist.apiGroups ?? []) {
    const source = CRD_SOURCE[g];
    if (source) sources.add(source);
  }
  return sources;
}

function groupsWithoutCrds(dist: DistLayout): string[] {
  return (dist.apiGroups ?? []).filter((g) => !BUILT_IN_GROUPS.has(g) && CRD_SOURCE[g] === undefined);
}

function helmInstall(
  release: string,
  chart: string,
  repo: string,
  version: string,
  namespace: string,
  context: string,
  extra: readonly string[],
): string[] {
  return [
    'upgrade',
    '--install',
    release,
    chart,
    '--repo',
    repo,
    '--version',
    version,
    '--namespace',
    namespace,
    '--create-namespace',
    ...extra,
    '--kube-context',
    context,
    '--wait',
    '--timeout',
    HELM_TIMEOUT,
  ];
}

function istioSteps(input: LaneInput, context: string): { steps: Step[]; workloads: WorkloadRef[] } {
  const choice = chooseIstioInstaller(input);
  const istiod: WorkloadRef = { kind: 'Deployment', namespace: ISTIO_NAMESPACE, name: 'istiod' };
  const gateway: WorkloadRef = { kind: 'Deployment', namespace: ISTIO_NAMESPACE, name: ISTIO_INGRESS.service };
  if (choice.installer === 'istioctl') {
    return {
      steps: [
        {
          kind: 'run',
          cmd: 'istioctl',
          args: [
            'install',
            '--skip-confirmation',
            '--filename',
            input.dist.istioOperator ?? `${input.dist.dir}/install/istio-operator.yaml`,
            '--context',
            context,
          ],
          why: `install Istio ${input.versions.istio} from the synthesized IstioOperator overlay (${choice.why})`,
          timeoutSeconds: 900,
        },
      ],
      workloads: [istiod, gateway],
    };
  }
  const v = input.versions.istio;
  const demo = (input.istioRequests ?? 'demo') === 'demo';
  const gatewayValues = [
    ...(input.dist.istioGatewayValues
      ? ['--values', input.dist.istioGatewayValues]
      : // Helm's gateway chart defaults to a LoadBalancer that stays pending on kind; the smoke test port-forwards instead
        ['--set', 'service.type=ClusterIP']),
    ...(demo ? DEMO_GATEWAY_REQUESTS : []),
  ];
  const sizing = demo ? '; demo-sized requests (10m CPU) so it fits small runners' : '';
  return {
    steps: [
      {
        kind: 'run',
        cmd: 'helm',
        args: helmInstall('istio-base', 'base', ISTIO_CHART_REPO, v, ISTIO_NAMESPACE, context, ['--set', 'defaultRevision=default']),
        why: `Istio ${v} CRDs and cluster roles (chart base; ${choice.why})`,
        timeoutSeconds: 900,
      },
      {
        kind: 'run',
        cmd: 'helm',
        args: helmInstall('istiod', 'istiod', ISTIO_CHART_REPO, v, ISTIO_NAMESPACE, context, [
          '--values',
          input.dist.istiodValues ?? `${input.dist.dir}/install/istiod-values.yaml`,
          ...(demo ? DEMO_ISTIOD_REQUESTS : []),
        ]),
        why: `Istio ${v} control plane with the synthesized tracing providers (chart istiod${sizing})`,
        timeoutSeconds: 900,
      },
      {
        kind: 'run',
        cmd: 'helm',
        args: helmInstall('istio-ingressgateway', 'gateway', ISTIO_CHART_REPO, v, ISTIO_NAMESPACE, context, gatewayValues),
        // release name istio-ingressgateway reproduces istioctl's labels and the span service name (istio.md §5)
        why: `Istio ${v} ingress gateway (chart gateway, release istio-ingressgateway: same labels and span service name as istioctl's${sizing})`,
        timeoutSeconds: 900,
      },
    ],
    workloads: [istiod, gateway],
  };
}

/** Reuse the kind cluster named in the input, or create it and mark it as the kit's (so `down` deletes only it). */
function clusterSteps(input: LaneInput, context: string, stateDir: string): Step[] {
  const d = input.dist;
  const steps: Step[] = [];
  if (input.cluster.exists) {
    steps.push({
      kind: 'note',
      lines: [
        `kind cluster "${input.clusterName}" exists: reusing it (${input.cluster.ownedByKit ? 'created by meshtrace' : 'not created by meshtrace: `down` will leave it alone'})`,
      ],
      why: 'repeatable: a second `up` upgrades in place',
    });
  } else {
    steps.push({
      kind: 'run',
      cmd: 'kind',
      // the node image comes from kind.yaml, pinned there by digest (an --image flag would override it with a bare tag)
      args: [
        'create',
        'cluster',
        '--name',
        input.clusterName,
        '--config',
        d.kindConfig ?? `${d.dir}/install/kind.yaml`,
        '--wait',
        KIND_WAIT,
      ],
      why: `kind ${input.versions.kind} cluster, node image ${d.kindNodeImage ?? input.versions.kindNodeImage}, port mappings of ${d.kindConfig ?? `${d.dir}/install/kind.yaml`}`,
      timeoutSeconds: 600,
    });
    steps.push({
      kind: 'mark-cluster',
      clusterName: input.clusterName,
      context,
      markerFile: markerFile(stateDir, input.clusterName),
      why: 'record that meshtrace created this cluster (marker file + ConfigMap kube-system/meshtrace-owner with the same token), so `down` deletes only it',
    });
  }
  return steps;
}

/** Steps shared by `up` and `smoke`: synth, cluster, installers, apply, wait. */
function bringUpSteps(input: LaneInput): { steps: Step[]; context: string } {
  const context = kubeContext(input.clusterName);
  const stateDir = input.stateDir ?? '.meshtrace';
  const d = input.dist;
  const steps: Step[] = [];
  steps.push({
    kind: 'synth',
    profile: input.profile,
    configFile: input.configFile,
    outdir: d.dir,
    why: `write ${d.dir}/ and ${d.dir}/install/ from ${input.configFile ? `config ${input.configFile}` : `profile ${input.profile}`}`,
  });
  steps.push(...clusterSteps(input, context, stateDir));
  if (crdSourcesFor(d).has('gateway-api')) {
    // before Istio: istiod enables its Gateway API controller for the CRDs it finds
    steps.push({
      kind: 'run',
      cmd: 'kubectl',
      args: ['--context', context, 'apply', '--server-side', '-f', gatewayApiStandardInstall(input.versions.gatewayApi)],
      why: `Gateway API ${input.versions.gatewayApi} standard-channel CRDs (Gateway, HTTPRoute, …): ${d.dir}/ uses gateway.networking.k8s.io and neither Istio's nor Traefik's chart installs them`,
      timeoutSeconds: 300,
    });
  }
  const istio = istioSteps(input, context);
  steps.push(...istio.steps);
  const traefikNs = input.traefikNamespace ?? 'traefik';
  const traefikChart = d.traefikChart ?? input.versions.traefikChart;
  steps.push({
    kind: 'run',
    cmd: 'helm',
    args: helmInstall('traefik', 'traefik', TRAEFIK_CHART_REPO, traefikChart, traefikNs, context, [
      '--values',
      d.traefikValues ?? `${d.dir}/install/traefik-values.yaml`,
    ]),
    why: `Traefik (chart ${traefikChart}, the chart ${d.traefikValues ?? 'the values file'} is written for) with the synthesized tracing values; installs its CRDs before ${d.dir}/ uses them`,
    timeoutSeconds: 900,
  });
  steps.push({
    kind: 'apply',
    cmd: 'kubectl',
    // --force-conflicts: the synthesized config is the source of truth, so a re-run wins over hand edits (repeatable `up`)
    args: ['--context', context, 'apply', '--server-side', '--field-manager=meshtrace', '--force-conflicts', '-f', d.dir],
    files: d.manifests,
    why: `the tracing stack and demo apps (${d.manifests.length} files, applied in file order: namespaces first)`,
  });
  const traefik: WorkloadRef = { kind: 'Deployment', namespace: traefikNs, name: 'traefik' };
  steps.push({
    kind: 'wait',
    context,
    resources: dedupeWorkloads([...istio.workloads, traefik, ...d.workloads]),
    timeoutSeconds: input.waitTimeoutSeconds ?? DEFAULT_WAIT_SECONDS[input.profile] ?? 600,
    why: 'every Deployment/StatefulSet ready (observedGeneration current, all replicas updated and ready)',
  });
  return { steps, context };
}

function dedupeWorkloads(workloads: readonly WorkloadRef[]): WorkloadRef[] {
  const seen = new Set<string>();
  return workloads.filter((w) => {
    const key = `${w.kind}/${w.namespace}/${w.name}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function hasJaegerQuery(dist: DistLayout): boolean {
  return dist.services.some((s) => s.namespace === JAEGER_QUERY.namespace && s.name === JAEGER_QUERY.service);
}

/** The multi-cluster edge collector (`multicluster.centralCollector`): no Jaeger in this cluster. */
function hasEdgeCollector(dist: DistLayout): boolean {
  return dist.workloads.some((w) => w.name === EDGE_COLLECTOR_DEPLOYMENT);
}

/**
 * How to reach what runs, using kind's host-port mappings where synth made them (pure): as
 * script lines, a `#` comment saying what and where, then a command a person can paste.
 */
export function accessLines(input: LaneInput): string[] {
  const context = kubeContext(input.clusterName);
  const has = (name: string): boolean => input.dist.workloads.some((w) => w.name === name);
  const ports = input.dist.hostPorts ?? {};
  const lines: string[] = [];
  if (hasJaegerQuery(input.dist)) {
    lines.push(
      `# Jaeger UI: http://127.0.0.1:16686/ while this port-forward runs`,
      `kubectl --context ${context} -n ${JAEGER_QUERY.namespace} port-forward svc/${JAEGER_QUERY.service} 16686:${JAEGER_QUERY.port}`,
    );
  } else if (hasEdgeCollector(input.dist)) {
    lines.push(
      `# Traces: this cluster runs no Jaeger: its edge collector (Deployment ${EDGE_COLLECTOR_DEPLOYMENT}) forwards every span to the central collector; open the central cluster's Jaeger UI`,
    );
  }
  if (has('productpage-v1')) {
    if (ports.istioIngressHttp) {
      lines.push(
        `# Bookinfo: http://127.0.0.1:${ports.istioIngressHttp}/productpage (Istio ingress gateway NodePort, published by ${input.dist.kindConfig ?? 'kind.yaml'})`,
        `curl -s -o /dev/null -w '%{http_code}\\n' http://127.0.0.1:${ports.istioIngressHttp}/productpage`,
      );
    } else {
      lines.push(
        `# Bookinfo: http://127.0.0.1:8081/productpage while this port-forward runs`,
        `kubectl --context ${context} -n ${ISTIO_INGRESS.namespace} port-forward svc/${ISTIO_INGRESS.service} 8081:${ISTIO_INGRESS.port}`,
      );
    }
  }
  if (has('hotrod')) {
    const traefikNs = input.traefikNamespace ?? 'traefik';
    if (ports.traefikWeb) {
      lines.push(
        `# HotROD: http://hotrod.localhost:${ports.traefikWeb}/ (Traefik web NodePort, published by ${input.dist.kindConfig ?? 'kind.yaml'})`,
        `curl -s -H 'Host: hotrod.localhost' 'http://127.0.0.1:${ports.traefikWeb}/dispatch?customer=123'`,
      );
    } else {
      lines.push(
        `# HotROD: curl -H 'Host: hotrod.localhost' http://127.0.0.1:8000/ while this port-forward runs`,
        `kubectl --context ${context} -n ${traefikNs} port-forward svc/traefik 8000:80`,
      );
    }
  }
  lines.push('# Tear down:', `npx meshtrace down --name ${input.clusterName}`);
  return lines;
}

/** `meshtrace up`: from nothing to a running stack, then how to reach it. */
export function planUp(input: LaneInput): Step[] {
  const { steps } = bringUpSteps(input);
  steps.push({ kind: 'note', why: 'how to reach the stack', lines: accessLines(input) });
  return steps;
}

/** `meshtrace smoke`: `up`, then every shipped spec against Jaeger, reports, artifacts on failure, clean-up. */
export function planSmoke(input: SmokeInput): Step[] {
  const { steps, context } = bringUpSteps(input);
  const outDir = input.outDir ?? 'meshtrace-smoke';
  const timeout = input.verifyTimeoutSeconds ?? 150;
  steps.push({
    kind: 'port-forward',
    id: 'jaeger-query',
    context,
    target: JAEGER_QUERY,
    localPort: JAEGER_QUERY.port,
    why: 'Jaeger query API (/api/v3) for the verifier',
  });
  const forwardIds = new Map<string, string>();
  for (const target of input.targets) {
    const key = `${target.entry.namespace}/${target.entry.service}:${target.entry.port}`;
    if (forwardIds.has(key)) continue;
    const id = `${target.entry.service}.${target.entry.namespace}:${target.entry.port}`;
    // away from the host ports kind.yaml publishes (8000, 8081, …) so the printed commands run beside them
    const localPort = FIRST_ENTRY_LOCAL_PORT + forwardIds.size;
    forwardIds.set(key, id);
    steps.push({ kind: 'port-forward', id, context, target: target.entry, localPort, why: `entry point of ${target.name}` });
  }
  for (const target of input.targets) {
    const trigger = forwardIds.get(`${target.entry.namespace}/${target.entry.service}:${target.entry.port}`) ?? '';
    steps.push({
      kind: 'verify',
      name: target.name,
      spec: target.spec,
      trigger,
      path: target.path,
      headers: target.headers ?? {},
      jaeger: 'jaeger-query',
      timeoutSeconds: timeout,
      // a failed spec does not stop the next one (the executor records it and goes on): one red run reports every broken path
      why: `${target.name}: send a sampled request through ${target.entry.service}, poll Jaeger until the trace matches ${target.spec}`,
    });
  }
  steps.push({
    kind: 'report',
    junitFile: posix.join(outDir, 'junit.xml'),
    jsonFile: posix.join(outDir, 'results.json'),
    ...(input.skipped?.length ? { skipped: input.skipped } : {}),
    why: 'JUnit for CI test views, JSON for tools',
    when: 'always',
  });
  steps.push({
    kind: 'collect-artifacts',
    context,
    dir: posix.join(outDir, 'artifacts'),
    namespaces: uniqueSorted([ISTIO_NAMESPACE, input.traefikNamespace ?? 'traefik', ...input.dist.namespaces]),
    collector: JAEGER_COLLECTOR_METRICS,
    istioctl: chooseIstioInstaller(input).installer === 'istioctl' || Boolean(input.tools.istioctl.found && !input.tools.istioctl.problem),
    why: 'what a person needs after a red run: pod status and events, logs of failing hops and the Jaeger collector, collector refused/failed span counters, proxy tracing config, diagnosis',
    when: 'on-failure',
  });
  steps.push({ kind: 'close-port-forwards', why: 'no port-forward outlives the run', when: 'always' });
  const createdHere = !input.cluster.exists;
  if (createdHere && !input.keepCluster) {
    steps.push({
      kind: 'run',
      cmd: 'kind',
      args: ['delete', 'cluster', '--name', input.clusterName],
      why: 'delete the cluster this run created (artifacts are already saved; --keep-cluster keeps it)',
      when: 'always',
      onlyIfMarked: true,
      timeoutSeconds: 300,
    });
    steps.push({
      kind: 'unmark-cluster',
      markerFile: markerFile(input.stateDir ?? '.meshtrace', input.clusterName),
      why: 'the cluster is gone',
      when: 'always',
      onlyIfMarked: true,
    });
  }
  return steps;
}

/** `meshtrace down`: delete the cluster only if this kit created it. */
export function planDown(input: DownInput): Step[] {
  const stateDir = input.stateDir ?? '.meshtrace';
  const context = kubeContext(input.clusterName);
  const marker = markerFile(stateDir, input.clusterName);
  const deleteSteps: Step[] = [
    {
      kind: 'check-owner',
      clusterName: input.clusterName,
      context,
      markerFile: marker,
      why: 'refuse unless the marker file and the ConfigMap kube-system/meshtrace-owner carry the same token',
    },
    {
      kind: 'run',
      cmd: 'kind',
      args: ['delete', 'cluster', '--name', input.clusterName],
      why: 'delete the kind cluster meshtrace created',
      timeoutSeconds: 300,
    },
    { kind: 'unmark-cluster', markerFile: marker, why: 'the cluster is gone' },
  ];
  if (input.cluster.unknown) {
    return [
      {
        kind: 'note',
        lines: [
          `cannot tell whether kind cluster "${input.clusterName}" exists (${input.cluster.unknown}); if it does, down runs the steps below`,
        ],
        why: 'the plan for a cluster that exists',
      },
      ...deleteSteps,
    ];
  }
  if (!input.cluster.exists) {
    return [
      { kind: 'note', lines: [`no kind cluster named "${input.clusterName}": nothing to delete`], why: 'down is idempotent' },
      ...(input.cluster.ownedByKit ? [{ kind: 'unmark-cluster', markerFile: marker, why: 'drop the stale marker' } as const] : []),
    ];
  }
  return deleteSteps;
}

function uniqueSorted(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}
