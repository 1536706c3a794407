/**
 * The edge collector of a workload cluster in a multi-cluster setup: an OpenTelemetry Collector
 * behind the stable Service name `jaeger-collector` (so Istio, Traefik, the relay and HotROD send
 * to it unchanged), which stamps `k8s.cluster.name` on every span's resource and forwards OTLP to
 * the central Jaeger, with a persistent-in-memory retry queue for short central outages.
 * @see https://opentelemetry.io/docs/collector/deployment/gateway/
 */
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import {
  containerDefaults,
  finishWorkload,
  labeledService,
  podDefaults,
  type ResourceQuantities,
  type SecretKeyRef,
} from '../workload-defaults';
import { sha256, toConfigYaml } from '../jaeger/_jaeger-workload';
import { EDGE_COLLECTOR_DEPLOYMENT, JAEGER_COLLECTOR_SERVICE, JAEGER_PORTS, type NamedPort } from '../jaeger/jaeger-ports';

/** The UID of the otel/opentelemetry-collector images (`USER 10001`). */
export const OTELCOL_UID = 10001;
export const EDGE_CA_DIR = '/etc/meshtrace/central-ca';
export const CLUSTER_NAME_ATTRIBUTE = 'k8s.cluster.name';

/** The central collector an edge cluster forwards its spans to. */
export interface CentralCollector {
  /** OTLP/gRPC `host:port` (4317), or OTLP/HTTP `http(s)://host:port` (4318). */
  readonly endpoint: string;
  /** @default 'grpc' */
  readonly protocol?: 'grpc' | 'http';
  /** @default - TLS on, system roots */
  readonly tls?: {
    /** false = plaintext (only inside a private network). @default true */
    readonly enabled?: boolean;
    /** CA of the central collector's certificate. @default - system roots */
    readonly ca?: SecretKeyRef;
    /** @default false */
    readonly insecureSkipVerify?: boolean;
  };
}

export interface EdgeCollectorProps {
  /**
   * This cluster's name, upserted as resource attribute `k8s.cluster.name` on every span.
   * @see https://opentelemetry.io/docs/specs/semconv/resource/k8s/#cluster
   */
  readonly clusterName: string;
  /**
   * Where to forward: OTLP/gRPC `host:port` or OTLP/HTTP URL, TLS settings.
   */
  readonly central: CentralCollector;
  /**
   * OpenTelemetry Collector image with the resource processor and OTLP exporters.
   * @default 'otel/opentelemetry-collector-contrib:0.155.0'
   */
  readonly image?: string;
  /** @default 2 */
  readonly replicas?: number;
  /** @default - 100m/1 CPU, 128Mi/512Mi memory */
  readonly resources?: ResourceQuantities;
}

export const EDGE_SERVICE_PORTS: readonly NamedPort[] = [
  { name: 'grpc-otlp', port: JAEGER_PORTS.otlpGrpc },
  { name: 'http-otlp', port: JAEGER_PORTS.otlpHttp },
  { name: 'http-zipkin', port: JAEGER_PORTS.zipkin },
];

/** The edge collector's config (pure). */
export function renderEdgeCollectorConfig(props: Pick<EdgeCollectorProps, 'clusterName' | 'central'>): Record<string, unknown> {
  const c = props.central;
  const protocol = c.protocol ?? 'grpc';
  const tls =
    (c.tls?.enabled ?? true)
      ? {
          insecure: false,
          insecure_skip_verify: c.tls?.insecureSkipVerify ?? false,
          ...(c.tls?.ca ? { ca_file: `${EDGE_CA_DIR}/${c.tls.ca.key}` } : {}),
        }
      : { insecure: true };
  const exporterName = protocol === 'grpc' ? 'otlp/central' : 'otlphttp/central';
  const exporter = {
    endpoint: c.endpoint,
    // otlphttp takes TLS from the URL scheme; `insecure` is a gRPC-only switch.
    tls: protocol === 'grpc' ? tls : Object.fromEntries(Object.entries(tls).filter(([k]) => k !== 'insecure')),
    sending_queue: { enabled: true, queue_size: 5000 },
    retry_on_failure: { enabled: true, initial_interval: '1s', max_interval: '30s', max_elapsed_time: '300s' },
  };
  return {
    service: {
      extensions: ['health_check'],
      pipelines: {
        traces: { receivers: ['otlp', 'zipkin'], processors: ['memory_limiter', 'resource/cluster', 'batch'], exporters: [exporterName] },
      },
      telemetry: {
        resource: { [ATTR_SERVICE_NAME]: 'meshtrace-edge-collector' },
        metrics: { level: 'detailed', readers: [{ pull: { exporter: { prometheus: { host: '0.0.0.0', port: JAEGER_PORTS.metrics } } } }] },
      },
    },
    extensions: { health_check: { endpoint: `0.0.0.0:${JAEGER_PORTS.health}` } },
    receivers: {
      otlp: {
        protocols: { grpc: { endpoint: `0.0.0.0:${JAEGER_PORTS.otlpGrpc}` }, http: { endpoint: `0.0.0.0:${JAEGER_PORTS.otlpHttp}` } },
      },
      zipkin: { endpoint: `0.0.0.0:${JAEGER_PORTS.zipkin}` },
    },
    processors: {
      // First in the pipeline: under memory pressure spans are refused (senders retry) instead of the pod being OOM-killed.
      memory_limiter: { check_interval: '1s', limit_percentage: 80, spike_limit_percentage: 20 },
      // upsert: a span that already says another cluster came through a hop there, but this collector is where it was recorded.
      'resource/cluster': { attributes: [{ key: CLUSTER_NAME_ATTRIBUTE, value: props.clusterName, action: 'upsert' }] },
      batch: {},
    },
    exporters: { [exporterName]: exporter },
  };
}

export class EdgeCollector extends Construct {
  readonly deployment: kplus.Deployment;
  readonly service: kplus.Service;

  constructor(scope: Construct, id: string, props: EdgeCollectorProps) {
    super(scope, id);
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(props.clusterName)) {
      throw new Error(
        `EdgeCollector: clusterName ${JSON.stringify(props.clusterName)} is not an RFC 1123 label; allowed: lower-case a-z, 0-9 and "-"`,
      );
    }
    const labels = {
      'app.kubernetes.io/name': 'meshtrace-edge-collector',
      'app.kubernetes.io/component': 'edge-collector',
      'app.kubernetes.io/part-of': 'meshtrace',
    };
    const configYaml = toConfigYaml(renderEdgeCollectorConfig(props));
    const configMap = new kplus.ConfigMap(this, 'Config', {
      metadata: { name: 'edge-collector-config', labels },
      data: { 'config.yaml': configYaml },
    });
    const configVolume = kplus.Volume.fromConfigMap(this, 'ConfigVolume', configMap, { name: 'config' });
    const volumes = [configVolume];
    const mounts: kplus.VolumeMount[] = [{ path: '/etc/otelcol', volume: configVolume, readOnly: true }];
    const ca = (props.central.tls?.enabled ?? true) ? props.central.tls?.ca : undefined;
    if (ca) {
      const caVolume = kplus.Volume.fromSecret(this, 'CaVolume', kplus.Secret.fromSecretName(this, 'CaSecret', ca.name), {
        name: 'central-ca',
        items: { [ca.key]: { path: ca.key } },
      });
      volumes.push(caVolume);
      mounts.push({ path: EDGE_CA_DIR, volume: caVolume, readOnly: true });
    }
    const probe = (delay: number) =>
      kplus.Probe.fromHttpGet('/', {
        port: JAEGER_PORTS.health,
        initialDelaySeconds: Duration.seconds(delay),
        periodSeconds: Duration.seconds(10),
      });
    this.deployment = new kplus.Deployment(this, 'Deployment', {
      metadata: { name: EDGE_COLLECTOR_DEPLOYMENT, labels },
      replicas: props.replicas ?? 2,
      ...podDefaults({ user: OTELCOL_UID }),
      podMetadata: {
        // Out of the mesh like Jaeger itself: un-meshed senders (Traefik) must reach it in plain text.
        labels: { 'sidecar.istio.io/inject': 'false' },
        annotations: {
          'prometheus.io/scrape': 'true',
          'prometheus.io/port': String(JAEGER_PORTS.metrics),
          'meshtrace.dev/config-sha256': sha256(configYaml),
        },
      },
      volumes,
      containers: [
        {
          name: 'otelcol',
          image: props.image ?? 'otel/opentelemetry-collector-contrib:0.155.0',
          args: ['--config=/etc/otelcol/config.yaml'],
          ports: [
            ...EDGE_SERVICE_PORTS,
            { name: 'http-health', port: JAEGER_PORTS.health },
            { name: 'http-metrics', port: JAEGER_PORTS.metrics },
          ].map((p) => ({ number: p.port, name: p.name })),
          ...containerDefaults({
            resources: props.resources ?? { cpuRequest: '100m', cpuLimit: '1', memoryRequest: '128Mi', memoryLimit: '512Mi' },
            user: OTELCOL_UID,
          }),
          readiness: probe(1),
          liveness: probe(10),
          volumeMounts: mounts,
        },
      ],
    });
    finishWorkload(this.deployment, labels);
    this.service = labeledService(this, 'Service', { name: JAEGER_COLLECTOR_SERVICE, selector: labels, labels, ports: EDGE_SERVICE_PORTS });
  }
}
