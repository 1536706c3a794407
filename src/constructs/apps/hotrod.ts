import { k8s } from 'cdk8s-plus-33';
import { Construct } from 'constructs';

/** HotROD image; its version follows Jaeger's (bump together: span names track its otelhttp version). */
export const DEFAULT_HOTROD_IMAGE = 'jaegertracing/example-hotrod:2.20.0';
/** HotROD's frontend port (UI, `/dispatch`); customer 8081, driver 8082 (gRPC), route 8083 stay inside the pod. */
export const HOTROD_FRONTEND_PORT = 8080;
/** Stable name of the HotROD Deployment and Service (the IngressRoute routes to `hotrod:8080`). */
export const HOTROD_NAME = 'hotrod';
/** Default namespace. */
export const DEFAULT_HOTROD_NAMESPACE = 'hotrod';
/** Default OTLP/HTTP base URL: HotROD only exports OTLP over HTTP, so it must be the collector's 4318. */
export const DEFAULT_HOTROD_OTLP_ENDPOINT = 'http://jaeger-collector.observability.svc:4318';
/** Non-root UID/GID HotROD runs as (the image is FROM scratch with no USER, i.e. root). */
export const DEFAULT_HOTROD_UID = 65532;

/** The ports HotROD's `all` command listens on (examples/hotrod/cmd/flags.go). */
const HOTROD_CONTAINER_PORTS = [
  { name: 'frontend', containerPort: 8080 },
  { name: 'customer', containerPort: 8081 },
  { name: 'driver', containerPort: 8082 },
  { name: 'route', containerPort: 8083 },
] as const;

export interface HotRodProps {
  /** Namespace of every HotROD object. @default 'hotrod' */
  readonly namespace?: string;
  /**
   * Emit the Namespace object too (with the mesh and pod-security labels). Turn off when the
   * stack writes namespaces itself.
   * @default true
   */
  readonly createNamespace?: boolean;
  /**
   * Container image. Pin it to the Jaeger version.
   * @default 'jaegertracing/example-hotrod:2.20.0'
   * @see https://hub.docker.com/r/jaegertracing/example-hotrod/tags
   */
  readonly image?: string;
  /**
   * `OTEL_EXPORTER_OTLP_ENDPOINT`: base URL of an OTLP/HTTP receiver (`/v1/traces` is appended by
   * the SDK). HotROD ignores `OTEL_EXPORTER_OTLP_PROTOCOL`: a 4317 (gRPC) URL never works.
   * @default 'http://jaeger-collector.observability.svc:4318'
   */
  readonly otlpEndpoint?: string;
  /**
   * Put HotROD in the Istio mesh (namespace label `istio-injection: enabled`). HotROD reads only
   * W3C `traceparent`, so the mesh must propagate W3C end to end for one joined trace.
   * @default false
   */
  readonly meshed?: boolean;
  /** Non-zero UID and GID the container runs as. @default 65532 */
  readonly runAsUser?: number;
  /** CPU request. @default '50m' */
  readonly cpuRequest?: string;
  /** Memory request. @default '64Mi' */
  readonly memoryRequest?: string;
  /** Memory limit (no CPU limit: throttling a demo app only makes its latencies lie). @default '256Mi' */
  readonly memoryLimit?: string;
  /** Extra HotROD flags, e.g. ['--fix-db-query-delay=100ms']. @default [] */
  readonly extraArgs?: readonly string[];
  /** `imagePullPolicy`; kind clusters keep side-loaded images. @default 'IfNotPresent' */
  readonly imagePullPolicy?: 'IfNotPresent' | 'Always' | 'Never';
}

/**
 * Jaeger's HotROD demo (`all` = frontend, customer, driver and route in one pod) with a ClusterIP
 * Service `hotrod:8080`, exporting OTLP/HTTP to the Jaeger collector. Runs under Pod Security
 * "restricted": non-root UID, no capabilities, RuntimeDefault seccomp, read-only root file system.
 *
 * @see https://github.com/jaegertracing/jaeger/tree/v2.20.0/examples/hotrod
 */
export class HotRod extends Construct {
  readonly namespace: string;
  /** Service name other objects route to. */
  readonly serviceName = HOTROD_NAME;
  /** Service port (= frontend container port). */
  readonly servicePort = HOTROD_FRONTEND_PORT;
  /** Pod labels (also the Service selector). */
  readonly selector: Readonly<Record<string, string>>;
  readonly deployment: k8s.KubeDeployment;
  readonly service: k8s.KubeService;
  readonly namespaceObject?: k8s.KubeNamespace;

  constructor(scope: Construct, id: string, props: HotRodProps = {}) {
    super(scope, id);
    this.namespace = props.namespace ?? DEFAULT_HOTROD_NAMESPACE;
    validateHotRodProps(props, this.namespace);
    const image = props.image ?? DEFAULT_HOTROD_IMAGE;
    const uid = props.runAsUser ?? DEFAULT_HOTROD_UID;
    const version = image.includes(':') ? image.slice(image.lastIndexOf(':') + 1) : 'unknown';
    this.selector = { app: HOTROD_NAME };
    const labels = {
      ...this.selector,
      'app.kubernetes.io/name': HOTROD_NAME,
      'app.kubernetes.io/version': version,
      'app.kubernetes.io/part-of': 'meshtrace',
    };

    if (props.createNamespace ?? true) {
      this.namespaceObject = new k8s.KubeNamespace(this, 'Namespace', {
        metadata: { name: this.namespace, labels: hotrodNamespaceLabels(props.meshed ?? false) },
      });
    }

    this.deployment = new k8s.KubeDeployment(this, 'Deployment', {
      metadata: { name: HOTROD_NAME, namespace: this.namespace, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: { ...this.selector } },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: uid,
              runAsGroup: uid,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [hotrodContainer(props, image)],
          },
        },
      },
    });

    this.service = new k8s.KubeService(this, 'Service', {
      metadata: { name: HOTROD_NAME, namespace: this.namespace, labels },
      spec: {
        type: 'ClusterIP',
        selector: { ...this.selector },
        // `http-` prefix + appProtocol: Istio treats the port as HTTP without protocol sniffing.
        ports: [
          {
            name: 'http-frontend',
            port: HOTROD_FRONTEND_PORT,
            targetPort: k8s.IntOrString.fromNumber(HOTROD_FRONTEND_PORT),
            protocol: 'TCP',
            appProtocol: 'http',
          },
        ],
      },
    });
    if (this.namespaceObject) {
      this.deployment.addDependency(this.namespaceObject);
      this.service.addDependency(this.namespaceObject);
    }
  }
}

/**
 * Labels of the HotROD namespace. Outside the mesh it enforces Pod Security "restricted"; inside,
 * Istio's init container needs NET_ADMIN (unless Istio CNI is installed), so "restricted" is only
 * warned about there.
 */
export function hotrodNamespaceLabels(meshed: boolean): Record<string, string> {
  return meshed
    ? { 'istio-injection': 'enabled', 'pod-security.kubernetes.io/warn': 'restricted' }
    : { 'istio-injection': 'disabled', 'pod-security.kubernetes.io/enforce': 'restricted' };
}

function validateHotRodProps(props: HotRodProps, namespace: string): void {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace) || namespace.length > 63) {
    throw new Error(
      `HotRod: namespace ${JSON.stringify(namespace)} is not a DNS-1123 label (lower-case letters, digits, '-', at most 63 characters)`,
    );
  }
  const image = props.image ?? DEFAULT_HOTROD_IMAGE;
  if (!/:[\w][\w.-]{0,127}$/.test(image) && !image.includes('@sha256:')) {
    throw new Error(`HotRod: image ${JSON.stringify(image)} has no tag or digest; pin it, e.g. ${DEFAULT_HOTROD_IMAGE}`);
  }
  if (/:latest$/.test(image)) {
    throw new Error(
      `HotRod: image ${JSON.stringify(image)} uses "latest", which moves and goes stale in kind caches; pin a version such as ${DEFAULT_HOTROD_IMAGE}`,
    );
  }
  const endpoint = props.otlpEndpoint ?? DEFAULT_HOTROD_OTLP_ENDPOINT;
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new Error(
      `HotRod: otlpEndpoint ${JSON.stringify(endpoint)} is not an http(s) URL; HotROD exports OTLP/HTTP, e.g. ${DEFAULT_HOTROD_OTLP_ENDPOINT}`,
    );
  }
  if (url.port === '4317') {
    throw new Error(
      `HotRod: otlpEndpoint ${JSON.stringify(endpoint)} points at 4317 (OTLP/gRPC); HotROD exports OTLP/HTTP only, use port 4318`,
    );
  }
  if (url.pathname.endsWith('/v1/traces')) {
    throw new Error(
      `HotRod: otlpEndpoint ${JSON.stringify(endpoint)} ends in /v1/traces; OTEL_EXPORTER_OTLP_ENDPOINT is a base URL and the SDK appends /v1/traces itself (use ${url.origin})`,
    );
  }
  const uid = props.runAsUser ?? DEFAULT_HOTROD_UID;
  if (!(Number.isInteger(uid) && uid > 0 && uid <= 2147483647)) {
    throw new Error(
      `HotRod: runAsUser ${uid} must be a non-zero UID (the image runs as root otherwise and Pod Security "restricted" refuses it)`,
    );
  }
}

/** HotROD's one container: all its services in one process (`hotrod all`), restricted pod security. */
function hotrodContainer(props: HotRodProps, image: string): k8s.Container {
  return {
    name: HOTROD_NAME,
    image,
    imagePullPolicy: props.imagePullPolicy ?? 'IfNotPresent',
    args: ['all', ...(props.extraArgs ?? [])],
    env: [{ name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: props.otlpEndpoint ?? DEFAULT_HOTROD_OTLP_ENDPOINT }],
    ports: HOTROD_CONTAINER_PORTS.map((p) => ({ ...p, protocol: 'TCP' })),
    // TCP probes on purpose: every HTTP route of HotROD is traced, so HTTP probes would
    // write a trace into Jaeger every few seconds and bury the ones users look for.
    readinessProbe: {
      tcpSocket: { port: k8s.IntOrString.fromNumber(HOTROD_FRONTEND_PORT) },
      periodSeconds: 5,
      failureThreshold: 3,
    },
    livenessProbe: {
      tcpSocket: { port: k8s.IntOrString.fromNumber(HOTROD_FRONTEND_PORT) },
      initialDelaySeconds: 5,
      periodSeconds: 15,
      failureThreshold: 4,
    },
    resources: {
      requests: {
        cpu: k8s.Quantity.fromString(props.cpuRequest ?? '50m'),
        memory: k8s.Quantity.fromString(props.memoryRequest ?? '64Mi'),
      },
      limits: { memory: k8s.Quantity.fromString(props.memoryLimit ?? '256Mi') },
    },
    securityContext: {
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    },
  };
}
