/**
 * The network flows a tracing stack needs, read from the objects themselves, and whether the
 * folder's NetworkPolicies still allow each one (network-policy.ts decides).
 *
 * Flows: Istio proxies (every meshed pod, and the ingress gateway when Istio's installer inputs are
 * present) → the tracing provider's `service:port`; every endpoint a workload dials from its env or
 * flags (HotROD's OTEL_EXPORTER_OTLP_ENDPOINT, the relay's --otlp-endpoint and --upstream, the
 * oauth2-proxy's --upstream to jaeger-query); every endpoint of a Jaeger/Collector config, from the
 * pods that mount it (collector and query → jaeger-remote-storage, exporters); Traefik's OTLP
 * endpoint from its Helm values. Only endpoints that resolve to a Service of the folder count:
 * the rest is external, or reported by the cross-reference check.
 *
 * Flows into a collector are the doctor's MT011 (collector-unreachable); every other blocked
 * flow is `netpol/flow`.
 */
import type { Finding, ManifestDoc } from './finding';
import { findingFor, traefikNamespace, type CheckContext } from './context';
import { doctor } from './doctor/helpers';
import { isCollectorImage } from './jaeger-config';
import { evaluateFlow, policyNames, type PodEndpoint } from './network-policy';
import {
  asArray,
  containersOf,
  getPath,
  isRecord,
  nameOf,
  namespaceOf,
  parseEndpoint,
  serviceOfHost,
  stringMap,
  type PodTemplate,
} from './objects';
import { endpointRefs, servicePorts } from './xref';

export interface FlowSource {
  /** e.g. `istio-proxy of Deployment bookinfo/productpage-v1`, `Traefik`. */
  readonly what: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface StackFlow {
  readonly source: FlowSource;
  /** The destination Service. */
  readonly service: ManifestDoc;
  readonly servicePort: number;
  /** Where the flow is configured (a provider, an env var, a flag, a config key, a values key). */
  readonly doc: ManifestDoc;
  readonly field: string;
  /** The destination pods run a collector image and the port is a span receiver's (the flow carries spans). */
  readonly toCollector: boolean;
}

/**
 * Ports on which a collector receives spans or serves sampling (OTLP, Zipkin, Jaeger Thrift/gRPC,
 * remote sampling): flows to them carry spans. Query, remote storage and admin ports of the same
 * image do not.
 */
const SPAN_RECEIVER_PORTS = new Set([4317, 4318, 9411, 14250, 14268, 5778, 5779]);

/** Pod labels the istio/gateway chart and the IstioOperator give the default ingress gateway. */
const ISTIO_INGRESS_GATEWAY_LABELS = { app: 'istio-ingressgateway', istio: 'ingressgateway' };

const podWhat = (t: PodTemplate) => `${String(t.owner.kind)} ${t.namespace}/${nameOf(t.owner)}`;

export function requiredFlows(ctx: CheckContext): StackFlow[] {
  const out: StackFlow[] = [];
  const seen = new Set<string>();
  const add = (
    source: FlowSource,
    host: string,
    port: number | undefined,
    fromNamespace: string,
    doc: ManifestDoc,
    field: string,
  ): void => {
    if (port === undefined) return;
    const ref = serviceOfHost(host, fromNamespace);
    const service = ref && ctx.service(ref.namespace, ref.name);
    if (!service || !servicePorts(service).some((p) => Number(p.port) === port)) return;
    const key = `${source.namespace}|${source.what}|${ref.namespace}/${ref.name}:${port}`;
    if (seen.has(key)) return;
    seen.add(key);
    const toCollector =
      SPAN_RECEIVER_PORTS.has(port) && ctx.podsOfService(service).some((t) => containersOf(t).some((c) => isCollectorImage(c.image)));
    out.push({ source, service, servicePort: port, doc, field, toCollector });
  };

  // Istio proxies send to the tracing providers (host as written in the mesh config, resolved from the root namespace).
  const meshed = ctx.templates.filter((t) => ctx.isMeshed(t) === true);
  for (const p of ctx.mesh.providers) {
    const host = String(p.config.service ?? '')
      .split('/')
      .pop()!;
    const port = typeof p.config.port === 'number' ? p.config.port : undefined;
    for (const t of meshed)
      add(
        { what: `istio-proxy of ${podWhat(t)}`, namespace: t.namespace, labels: t.labels },
        host,
        port,
        ctx.mesh.rootNamespace,
        p.doc,
        p.field,
      );
    if (ctx.mesh.known)
      add(
        { what: 'the Istio ingress gateway', namespace: ctx.mesh.rootNamespace, labels: ISTIO_INGRESS_GATEWAY_LABELS },
        host,
        port,
        ctx.mesh.rootNamespace,
        p.doc,
        p.field,
      );
  }
  // Endpoints workloads and collector configs dial.
  for (const ref of endpointRefs(ctx)) {
    const ep = parseEndpoint(ref.value);
    if (!ep) continue;
    for (const t of ref.sources)
      add({ what: podWhat(t), namespace: t.namespace, labels: t.labels }, ep.host, ep.port, ref.fromNamespace, ref.doc, ref.field);
  }
  // Traefik exports from its own namespace (its pods carry the chart's name label and any podLabels).
  for (const input of ctx.traefikValues()) {
    const ns = traefikNamespace(input);
    const labels = {
      'app.kubernetes.io/name': 'traefik',
      'app.kubernetes.io/instance': `traefik-${ns}`,
      ...stringMap(getPath(input.doc.object, 'deployment.podLabels')),
    };
    for (const transport of ['grpc', 'http'] as const) {
      if (getPath(input.doc.object, `tracing.otlp.${transport}.enabled`) !== true) continue;
      const endpoint = getPath(input.doc.object, `tracing.otlp.${transport}.endpoint`);
      const ep = typeof endpoint === 'string' ? parseEndpoint(endpoint) : undefined;
      if (ep) add({ what: 'Traefik', namespace: ns, labels }, ep.host, ep.port, ns, input.doc, `tracing.otlp.${transport}.endpoint`);
    }
    const jaegerCollector = getPath(input.doc.object, 'tracing.jaeger.collector.endpoint');
    const ep = typeof jaegerCollector === 'string' ? parseEndpoint(jaegerCollector) : undefined;
    if (ep) add({ what: 'Traefik', namespace: ns, labels }, ep.host, ep.port, ns, input.doc, 'tracing.jaeger.collector.endpoint');
  }
  return out;
}

/** The container port a Service port reaches on one pod (a named targetPort resolved on that pod). */
function containerPortOn(t: PodTemplate, svcPort: Record<string, unknown>): number | undefined {
  const target = svcPort.targetPort ?? svcPort.port;
  if (typeof target === 'number') return target;
  if (typeof target === 'string' && /^\d+$/.test(target)) return Number(target);
  for (const c of containersOf(t, ['containers'])) {
    for (const p of asArray(c.container.ports))
      if (isRecord(p) && p.name === target && typeof p.containerPort === 'number') return p.containerPort;
  }
  return undefined;
}

function namedPortsOf(t: PodTemplate): Map<string, number> {
  const out = new Map<string, number>();
  for (const c of containersOf(t, ['containers']))
    for (const p of asArray(c.container.ports))
      if (isRecord(p) && typeof p.name === 'string' && typeof p.containerPort === 'number') out.set(p.name, p.containerPort);
  return out;
}

export interface BlockedFlow {
  readonly flow: StackFlow;
  readonly pod: PodTemplate;
  readonly containerPort: number;
  readonly direction: 'ingress' | 'egress';
  readonly policies: readonly ManifestDoc[];
}

/** Every required flow the NetworkPolicies block, per destination pod template. */
export function blockedFlows(ctx: CheckContext): BlockedFlow[] {
  const policyDocs = ctx.byKind('NetworkPolicy');
  if (policyDocs.length === 0) return [];
  const policies = policyDocs.map((d) => d.object);
  const out: BlockedFlow[] = [];
  for (const flow of requiredFlows(ctx)) {
    const svcPort = servicePorts(flow.service).find((p) => Number(p.port) === flow.servicePort)!;
    const source: PodEndpoint = {
      namespace: flow.source.namespace,
      labels: flow.source.labels,
      namespaceLabels: ctx.namespaceLabels(flow.source.namespace),
    };
    for (const pod of ctx.podsOfService(flow.service)) {
      const containerPort = containerPortOn(pod, svcPort);
      if (containerPort === undefined) continue; // an unresolvable targetPort is xref/target-port's finding
      const destination: PodEndpoint = {
        namespace: pod.namespace,
        labels: pod.labels,
        namespaceLabels: ctx.namespaceLabels(pod.namespace),
        namedPorts: namedPortsOf(pod),
      };
      const verdict = evaluateFlow(policies, source, destination, containerPort);
      if (verdict.allowed || !verdict.blockedBy) continue;
      const blocking = new Set(verdict.blockedBy.policies);
      out.push({
        flow,
        pod,
        containerPort,
        direction: verdict.blockedBy.direction,
        policies: policyDocs.filter((d) => blocking.has(d.object)),
      });
    }
  }
  return out;
}

const NETPOL_LINK = 'https://kubernetes.io/docs/concepts/services-networking/network-policies/';

function describe(b: BlockedFlow, destination: string): { message: string; fix: string } {
  const svc = `${namespaceOf(b.flow.service.object)}/${nameOf(b.flow.service.object)}`;
  const where = `${b.flow.doc.file} ${b.flow.field}`;
  const names = policyNames(b.policies.map((d) => d.object));
  const side = b.direction === 'ingress' ? `${podWhat(b.pod)}'s ingress` : `the egress of ${b.flow.source.what}`;
  return {
    message: `no NetworkPolicy rule admits ${b.flow.source.what} (namespace ${b.flow.source.namespace}) to ${destination} ${svc} on port ${b.flow.servicePort} (container port ${b.containerPort} of ${podWhat(b.pod)}): ${names} isolate${b.policies.length === 1 ? 's' : ''} ${side}; the flow is configured at ${where}`,
    fix:
      b.direction === 'ingress'
        ? `add an ingress rule from namespaceSelector kubernetes.io/metadata.name: ${b.flow.source.namespace}${b.flow.source.namespace === b.pod.namespace ? ' (or a podSelector for the source pods)' : ''} on port ${b.containerPort}`
        : `add an egress rule to namespaceSelector kubernetes.io/metadata.name: ${b.pod.namespace} on port ${b.containerPort}`,
  };
}

/** MT011's NetworkPolicy half: spans into a collector that a policy drops. */
export function collectorFlowFindings(ctx: CheckContext): Finding[] {
  return blockedFlows(ctx)
    .filter((b) => b.flow.toCollector)
    .map((b) => {
      const { message, fix } = describe(b, 'the collector');
      return doctor(
        'MT011',
        b.policies[0]!,
        'error',
        b.direction === 'ingress' ? 'spec.ingress' : 'spec.egress',
        `${message}: kind enforces NetworkPolicy, so these spans are dropped`,
        fix,
      );
    });
}

/** Every other flow of the stack a policy blocks (query → remote storage, oauth2-proxy → query, app → app). */
export function checkStackFlows(ctx: CheckContext): Finding[] {
  return blockedFlows(ctx)
    .filter((b) => !b.flow.toCollector)
    .map((b) => {
      const { message, fix } = describe(b, 'Service');
      return findingFor(b.policies[0]!, {
        rule: 'netpol/flow',
        severity: 'error',
        field: b.direction === 'ingress' ? 'spec.ingress' : 'spec.egress',
        message,
        fix,
        link: NETPOL_LINK,
      });
    });
}
