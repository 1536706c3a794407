/**
 * Helm values for the Traefik chart 41.x (Traefik v3.7) that send OTLP traces to the Jaeger
 * collector. A pure builder: props in, a plain values object out (render it with
 * `renderTraefikValues`). It refuses to build values Traefik would silently mis-run with
 * (see traefik-values-rules.ts).
 *
 * @see https://doc.traefik.io/traefik/reference/install-configuration/observability/tracing/
 * @see shared/notes/traefik-kind.md §1a, §2
 */
import { TraefikValuesError, rejectProp } from './traefik-errors';
import { SENSITIVE_HEADERS, TRAEFIK_OTEL_PROPAGATORS, findTraefikValuesProblems } from './traefik-values-rules';

/** Default in-cluster DNS name of the Jaeger collector Service (DESIGN.md stable names). */
export const DEFAULT_JAEGER_COLLECTOR_HOST = 'jaeger-collector.observability.svc';
/** Jaeger's OTLP/gRPC receiver port on the `jaeger-collector` Service (`grpc-otlp`). */
export const DEFAULT_OTLP_GRPC_PORT = 4317;
/** Jaeger's OTLP/HTTP receiver port on the `jaeger-collector` Service (`http-otlp`). */
export const DEFAULT_OTLP_HTTP_PORT = 4318;
/** Node port of Traefik's `web` entrypoint; kind maps it to the host (see kind-cluster-config.ts). */
export const DEFAULT_TRAEFIK_WEB_NODE_PORT = 30080;
/** Node port of Traefik's `websecure` entrypoint. */
export const DEFAULT_TRAEFIK_WEBSECURE_NODE_PORT = 30443;
/** The chart's container port of the `web` entrypoint (values.yaml `ports.web.port`). */
export const TRAEFIK_WEB_CONTAINER_PORT = 8000;
/** Traefik's entrypoint name for plain HTTP (chart `ports.web`). */
export const TRAEFIK_WEB_ENTRYPOINT = 'web';
/** IngressClass name meshtrace pins so a plain Ingress can name it whatever the Helm release is called. */
export const DEFAULT_TRAEFIK_INGRESS_CLASS = 'traefik';
/** Kubernetes' NodePort range (kube-apiserver `--service-node-port-range` default). */
export const NODE_PORT_RANGE = { min: 30000, max: 32767 } as const;

export type OtlpTransport = 'grpc' | 'http';
export type TraceVerbosity = 'minimal' | 'detailed';
export type TraefikServiceType = 'NodePort' | 'LoadBalancer' | 'ClusterIP';

export interface TraefikV3ValuesProps {
  /**
   * DNS name of the Service that receives OTLP (host only, no scheme, no port).
   * @default 'jaeger-collector.observability.svc'
   */
  readonly collectorHost?: string;
  /**
   * OTLP transport. Exactly one is ever enabled: Traefik silently prefers gRPC when both are set.
   * @default 'grpc'
   * @see https://doc.traefik.io/traefik/reference/install-configuration/observability/tracing/#otlp
   */
  readonly transport?: OtlpTransport;
  /** OTLP/gRPC port of the collector Service. @default 4317 */
  readonly otlpGrpcPort?: number;
  /** OTLP/HTTP port of the collector Service (`/v1/traces` is appended). @default 4318 */
  readonly otlpHttpPort?: number;
  /**
   * Plaintext gRPC (`insecure: true`). In-cluster Jaeger collectors listen without TLS; turning
   * this off without a TLS collector makes every export fail.
   * @default true
   */
  readonly grpcInsecure?: boolean;
  /**
   * Share of the traces Traefik itself roots that are sampled (0..1). Since v3.6.8 an incoming
   * sampled `traceparent` is always followed, whatever this says.
   * @default 1
   */
  readonly sampleRate?: number;
  /** `service.name` of Traefik's spans. @default 'traefik' */
  readonly serviceName?: string;
  /**
   * Span detail on the `web` entrypoint: `minimal` = server `GET` + client `ReverseProxy` spans;
   * `detailed` adds `Router`, `Service` and middleware spans (what the seed tutorial shows).
   * @default 'minimal'
   * @see https://doc.traefik.io/traefik/migrate/v3/#v350
   */
  readonly traceVerbosity?: TraceVerbosity;
  /**
   * `OTEL_PROPAGATORS` for Traefik (extraction and injection formats). Unset keeps Traefik's
   * default (`tracecontext,baggage`). Add `b3multi` when the mesh behind Traefik speaks B3.
   * @default - Traefik's default: W3C tracecontext + baggage
   * @example ['tracecontext', 'baggage', 'b3multi']
   */
  readonly propagators?: readonly string[];
  /**
   * Request headers copied into span attributes. Credentials headers (Authorization, Cookie, …)
   * are refused.
   * @default ['X-Request-Id']
   */
  readonly capturedRequestHeaders?: readonly string[];
  /** Response headers copied into span attributes. @default [] */
  readonly capturedResponseHeaders?: readonly string[];
  /** Query parameters whose values Traefik does not redact in `url.query`. @default [] */
  readonly safeQueryParams?: readonly string[];
  /** Extra OTel resource attributes on Traefik's spans. @default {} */
  readonly resourceAttributes?: Readonly<Record<string, string>>;
  /** Type of Traefik's Service. @default 'NodePort' (kind maps the node ports to the host) */
  readonly serviceType?: TraefikServiceType;
  /** Node port of the `web` entrypoint. @default 30080 */
  readonly webNodePort?: number;
  /** Node port of the `websecure` entrypoint. @default 30443 */
  readonly websecureNodePort?: number;
  /** Name of the IngressClass the chart creates. @default 'traefik' */
  readonly ingressClassName?: string;
  /** Traefik replicas. @default 1 */
  readonly replicas?: number;
  /**
   * Container requests and memory limit (the chart sets none; an unbounded edge proxy can starve a
   * small kind node). No CPU limit: throttling the proxy would show up as latency in every trace.
   * @default { cpuRequest: '50m', memoryRequest: '64Mi', memoryLimit: '256Mi' }
   */
  readonly resources?: TraefikResources;
}

/** Requests and memory limit of the Traefik container. */
export interface TraefikResources {
  readonly cpuRequest: string;
  readonly memoryRequest: string;
  readonly memoryLimit: string;
}

export const DEFAULT_TRAEFIK_RESOURCES: TraefikResources = { cpuRequest: '50m', memoryRequest: '64Mi', memoryLimit: '256Mi' };

/** Chart `resources` from TraefikResources (validated: Kubernetes quantities). */
export function traefikResourcesValues(r: TraefikResources = DEFAULT_TRAEFIK_RESOURCES): {
  requests: { cpu: string; memory: string };
  limits: { memory: string };
} {
  if (!/^(\d+m|\d+(\.\d{1,3})?)$/.test(r.cpuRequest))
    rejectProp('resources.cpuRequest', r.cpuRequest, 'a CPU quantity such as "50m" or "0.5"');
  for (const key of ['memoryRequest', 'memoryLimit'] as const) {
    if (!/^\d+(Mi|Gi)$/.test(r[key])) rejectProp(`resources.${key}`, r[key], 'a memory quantity such as "64Mi" or "1Gi"');
  }
  return { requests: { cpu: r.cpuRequest, memory: r.memoryRequest }, limits: { memory: r.memoryLimit } };
}

/** The subset of chart 41 values meshtrace writes (the chart's schema validates the whole object). */
export interface TraefikV3Values {
  readonly global: { readonly checkNewVersion: false; readonly sendAnonymousUsage: false };
  readonly deployment: { readonly replicas: number };
  readonly resources: ReturnType<typeof traefikResourcesValues>;
  readonly ingressClass: { readonly enabled: true; readonly isDefaultClass: boolean; readonly name: string };
  readonly service: { readonly spec: { readonly type: TraefikServiceType } };
  readonly ports: {
    readonly web: {
      readonly nodePort?: number;
      readonly observability: { readonly tracing: true; readonly traceVerbosity: TraceVerbosity };
    };
    readonly websecure: { readonly nodePort?: number };
  };
  readonly env?: ReadonlyArray<{ readonly name: string; readonly value: string }>;
  readonly tracing: {
    readonly serviceName: string;
    readonly sampleRate: number;
    readonly capturedRequestHeaders: readonly string[];
    readonly capturedResponseHeaders: readonly string[];
    readonly safeQueryParams: readonly string[];
    readonly resourceAttributes: Readonly<Record<string, string>>;
    readonly otlp: {
      readonly enabled: true;
      readonly grpc?: { readonly enabled: true; readonly endpoint: string; readonly insecure: boolean };
      readonly http?: { readonly enabled: true; readonly endpoint: string };
    };
  };
}

/** Where Traefik sends spans, as resolved from the values (check proves it is a Jaeger Service port). */
export interface TraefikTracingEndpoint {
  readonly transport: OtlpTransport;
  readonly host: string;
  readonly port: number;
  /** What goes into the values file: `host:port` for gRPC, the full URL for HTTP. */
  readonly endpoint: string;
}

/** Resolves the OTLP endpoint the props select (pure; used by the builder and by tests/check). */
export function traefikV3TracingEndpoint(props: TraefikV3ValuesProps = {}): TraefikTracingEndpoint {
  const host = props.collectorHost ?? DEFAULT_JAEGER_COLLECTOR_HOST;
  const transport = props.transport ?? 'grpc';
  if (transport === 'grpc') {
    const port = props.otlpGrpcPort ?? DEFAULT_OTLP_GRPC_PORT;
    return { transport, host, port, endpoint: `${host}:${port}` };
  }
  const port = props.otlpHttpPort ?? DEFAULT_OTLP_HTTP_PORT;
  return { transport, host, port, endpoint: `http://${host}:${port}/v1/traces` };
}

/**
 * Builds chart 41 values from props. Throws TraefikValuesError (field, value, allowed) on bad
 * props and on any values rule violation.
 */
export function buildTraefikV3Values(props: TraefikV3ValuesProps = {}): TraefikV3Values {
  validateV3Props(props);
  const target = traefikV3TracingEndpoint(props);
  const serviceType = props.serviceType ?? 'NodePort';
  // Node ports only mean something on NodePort/LoadBalancer Services (Kubernetes allocates them for both).
  const withNodePorts = serviceType !== 'ClusterIP';
  const values: TraefikV3Values = {
    // No update checks or anonymous usage reports: CI and kind clusters make no outbound calls.
    global: { checkNewVersion: false, sendAnonymousUsage: false },
    deployment: { replicas: props.replicas ?? 1 },
    resources: traefikResourcesValues(props.resources),
    ingressClass: { enabled: true, isDefaultClass: true, name: props.ingressClassName ?? DEFAULT_TRAEFIK_INGRESS_CLASS },
    // Chart >=40: `service.spec.type`; the old `service.type` is ignored silently.
    service: { spec: { type: serviceType } },
    ports: {
      web: {
        ...(withNodePorts ? { nodePort: props.webNodePort ?? DEFAULT_TRAEFIK_WEB_NODE_PORT } : {}),
        // Set both keys: an observability block without traceVerbosity would pin "minimal".
        observability: { tracing: true, traceVerbosity: props.traceVerbosity ?? 'minimal' },
      },
      websecure: withNodePorts ? { nodePort: props.websecureNodePort ?? DEFAULT_TRAEFIK_WEBSECURE_NODE_PORT } : {},
    },
    ...(props.propagators && props.propagators.length > 0
      ? { env: [{ name: 'OTEL_PROPAGATORS', value: props.propagators.join(',') }] }
      : {}),
    tracing: {
      serviceName: props.serviceName ?? 'traefik',
      sampleRate: props.sampleRate ?? 1,
      capturedRequestHeaders: [...(props.capturedRequestHeaders ?? ['X-Request-Id'])],
      capturedResponseHeaders: [...(props.capturedResponseHeaders ?? [])],
      safeQueryParams: [...(props.safeQueryParams ?? [])],
      resourceAttributes: { ...(props.resourceAttributes ?? {}) },
      otlp:
        target.transport === 'grpc'
          ? { enabled: true, grpc: { enabled: true, endpoint: target.endpoint, insecure: props.grpcInsecure ?? true } }
          : { enabled: true, http: { enabled: true, endpoint: target.endpoint } },
    },
  };
  const problems = findTraefikValuesProblems(values, { mode: 'v3' });
  if (problems.length > 0) throw new TraefikValuesError(problems);
  return values;
}

function validateV3Props(props: TraefikV3ValuesProps): void {
  if (props.transport !== undefined && props.transport !== 'grpc' && props.transport !== 'http') {
    rejectProp('transport', props.transport, "'grpc' or 'http' (exactly one OTLP transport)");
  }
  if (props.collectorHost !== undefined && !/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(props.collectorHost)) {
    rejectProp('collectorHost', props.collectorHost, 'a DNS name without scheme or port, e.g. jaeger-collector.observability.svc');
  }
  for (const key of ['otlpGrpcPort', 'otlpHttpPort'] as const) {
    const port = props[key];
    if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535)) rejectProp(key, port, 'an integer port 1..65535');
  }
  if (props.sampleRate !== undefined && !(typeof props.sampleRate === 'number' && props.sampleRate >= 0 && props.sampleRate <= 1)) {
    rejectProp('sampleRate', props.sampleRate, 'a number from 0 to 1 (1 = every root trace)');
  }
  if (props.traceVerbosity !== undefined && props.traceVerbosity !== 'minimal' && props.traceVerbosity !== 'detailed') {
    rejectProp('traceVerbosity', props.traceVerbosity, "'minimal' or 'detailed'");
  }
  if (props.serviceType !== undefined && !['NodePort', 'LoadBalancer', 'ClusterIP'].includes(props.serviceType)) {
    rejectProp('serviceType', props.serviceType, "'NodePort', 'LoadBalancer' or 'ClusterIP'");
  }
  for (const key of ['webNodePort', 'websecureNodePort'] as const) {
    const port = props[key];
    if (port !== undefined && !(Number.isInteger(port) && port >= NODE_PORT_RANGE.min && port <= NODE_PORT_RANGE.max)) {
      rejectProp(key, port, `an integer node port ${NODE_PORT_RANGE.min}..${NODE_PORT_RANGE.max}`);
    }
  }
  if (props.webNodePort !== undefined && props.webNodePort === props.websecureNodePort) {
    rejectProp('websecureNodePort', props.websecureNodePort, `a node port different from webNodePort (${props.webNodePort})`);
  }
  if (props.replicas !== undefined && !(Number.isInteger(props.replicas) && props.replicas >= 1))
    rejectProp('replicas', props.replicas, 'an integer >= 1');
  if (props.serviceName !== undefined && props.serviceName.trim() === '')
    rejectProp('serviceName', props.serviceName, 'a non-empty service name');
  for (const p of props.propagators ?? []) {
    if (!(TRAEFIK_OTEL_PROPAGATORS as readonly string[]).includes(p)) rejectProp('propagators', p, TRAEFIK_OTEL_PROPAGATORS.join(', '));
  }
  for (const key of ['capturedRequestHeaders', 'capturedResponseHeaders'] as const) {
    for (const h of props[key] ?? []) {
      if (SENSITIVE_HEADERS.includes(h.trim().toLowerCase())) {
        rejectProp(key, h, `non-secret headers such as X-Request-Id; never ${SENSITIVE_HEADERS.join(', ')}`);
      }
      if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(h)) rejectProp(key, h, 'an HTTP header name (RFC 9110 token)');
    }
  }
}
