/**
 * Pure transforms of a rendered Jaeger v2 config (the OTel Collector YAML as an object), one per
 * enterprise capability: store credentials and TLS, span metrics (SPM) on writers and the metrics
 * backend on readers, the Kafka exporter in place of the storage exporter. Each returns a new
 * object and never reads or writes anything else; `patch-jaeger.ts` applies them to the built
 * ConfigMaps and adds the env vars and volumes they reference.
 * @see https://www.jaegertracing.io/docs/2.20/deployment/configuration/
 */
import type { SecretKeyRef } from '../workload-defaults';

type Obj = Record<string, unknown>;

/** Basic-auth user name and password of a store, each from a Secret key. */
export interface StoreCredentials {
  readonly username: SecretKeyRef;
  readonly password: SecretKeyRef;
}

/** TLS to a store. */
export interface StoreTls {
  /**
   * The CA bundle that signed the store's certificate.
   * @default - the image's system roots
   */
  readonly ca?: SecretKeyRef;
  /**
   * Skip host name verification (self-signed lab clusters only).
   * @default false
   */
  readonly skipHostVerify?: boolean;
}

/** How Jaeger reaches an Elasticsearch, OpenSearch or Cassandra run by someone else. */
export interface StorageAccess {
  /**
   * Basic auth from Secrets (`${env:…}` in the config, secretKeyRef env in the pod).
   * @default - no auth
   */
  readonly credentials?: StoreCredentials;
  /**
   * TLS to the store.
   * @default - plain connection
   */
  readonly tls?: StoreTls;
  /**
   * Index rollover: Elasticsearch/OpenSearch writes go through aliases (`use_aliases`).
   * @default - no rollover
   */
  readonly rollover?: {
    /** @default false */
    readonly enabled?: boolean;
  };
}

/** Kafka between collector and ingester. */
export interface KafkaConnection {
  /** Broker addresses, `host:port`. */
  readonly brokers: readonly string[];
  /**
   * Topic collectors produce to and ingesters consume.
   * @default 'jaeger-spans'
   */
  readonly topic?: string;
  /**
   * Span encoding on the topic.
   * @default 'otlp_proto'
   */
  readonly encoding?: 'otlp_proto' | 'otlp_json' | 'jaeger_proto' | 'jaeger_json';
  /**
   * TLS to the brokers with this CA.
   * @default - plaintext
   */
  readonly tls?: { readonly ca: SecretKeyRef };
}

/** The spanmetrics connector and the Prometheus that holds its metrics (Jaeger SPM). */
export interface SpanMetricsSettings {
  /**
   * Prometheus jaeger-query reads the RED metrics back from (Monitor tab).
   * @default 'http://prometheus-operated.monitoring.svc.cluster.local:9090'
   */
  readonly prometheusUrl?: string;
  /**
   * How often the connector flushes metrics.
   * @default '15s'
   */
  readonly flushInterval?: string;
  /**
   * Latency histogram buckets, milliseconds.
   * @default [2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000]
   */
  readonly histogramBucketsMs?: readonly number[];
}

export const DEFAULT_SPM_PROMETHEUS_URL = 'http://prometheus-operated.monitoring.svc.cluster.local:9090';
export const DEFAULT_SPM_BUCKETS_MS: readonly number[] = [2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

/** Env vars the storage credentials are read from (`${env:…}` in the config, secretKeyRef in the pod). */
export const STORAGE_USERNAME_ENV = 'MESHTRACE_STORAGE_USERNAME';
export const STORAGE_PASSWORD_ENV = 'MESHTRACE_STORAGE_PASSWORD';
/** Where the store's CA bundle is mounted. */
export const STORAGE_CA_DIR = '/etc/meshtrace/storage-ca';
export const KAFKA_CA_DIR = '/etc/meshtrace/kafka-ca';
/** Port of the span-metrics Prometheus exporter (8888 is the collector's own telemetry). */
export const SPAN_METRICS_PORT = 8889;
/** Name of the metrics backend jaeger-query reads for the Monitor tab. */
export const SPM_METRICS_BACKEND = 'spm_metrics';

/** Configs are plain YAML data: a JSON round trip copies them (structuredClone objects are not plain objects of Jest's VM realm). */
function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function record(parent: Obj, key: string): Obj {
  const v = parent[key];
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Obj;
  const fresh: Obj = {};
  parent[key] = fresh;
  return fresh;
}

function storageBackends(config: Obj): Obj[] {
  const backends = record(record(record(config, 'extensions'), 'jaeger_storage'), 'backends');
  return Object.values(backends).filter((b): b is Obj => typeof b === 'object' && b !== null);
}

/**
 * Store credentials and TLS on every `jaeger_storage` backend of type elasticsearch, opensearch or
 * cassandra; `use_aliases` for Elasticsearch rollover. Other backend types are left as they are.
 */
export function withStorageAccess(config: Record<string, unknown>, ops: StorageAccess): Record<string, unknown> {
  const out = clone(config);
  const auth = ops.credentials
    ? { basic: { username: `\${env:${STORAGE_USERNAME_ENV}}`, password: `\${env:${STORAGE_PASSWORD_ENV}}` } }
    : undefined;
  const tls = ops.tls
    ? {
        insecure: false,
        insecure_skip_verify: ops.tls.skipHostVerify ?? false,
        ...(ops.tls.ca ? { ca_file: `${STORAGE_CA_DIR}/${ops.tls.ca.key}` } : {}),
      }
    : undefined;
  for (const backend of storageBackends(out)) {
    for (const type of ['elasticsearch', 'opensearch'] as const) {
      const b = backend[type] as Obj | undefined;
      if (!b) continue;
      if (auth) b.auth = auth;
      if (tls) b.tls = tls;
      if (ops.rollover?.enabled) b.use_aliases = true;
    }
    const c = backend.cassandra as Obj | undefined;
    if (c) {
      const connection = record(c, 'connection');
      if (auth) connection.auth = auth;
      if (tls) connection.tls = tls;
    }
  }
  return out;
}

function writePipelineName(config: Obj): string | undefined {
  const pipelines = record(record(config, 'service'), 'pipelines');
  return Object.keys(pipelines).find((name) => {
    const exporters = (pipelines[name] as Obj).exporters;
    return (
      Array.isArray(exporters) && exporters.some((e) => String(e).startsWith('jaeger_storage_exporter') || String(e).startsWith('kafka'))
    );
  });
}

/**
 * The spanmetrics connector on a writer config: the trace pipeline also exports to it, and a
 * metrics pipeline exposes its RED metrics on :8889 for Prometheus. Configs without a writing
 * trace pipeline (query) are returned unchanged.
 * @see https://github.com/open-telemetry/opentelemetry-collector-contrib/tree/main/connector/spanmetricsconnector
 */
export function withSpanMetrics(config: Record<string, unknown>, spm: SpanMetricsSettings): Record<string, unknown> {
  const out = clone(config);
  const traces = writePipelineName(out);
  if (!traces) return out;
  const pipelines = record(record(out, 'service'), 'pipelines');
  const pipeline = pipelines[traces] as Obj;
  pipeline.exporters = [...(pipeline.exporters as string[]), 'spanmetrics'];
  pipelines['metrics/spanmetrics'] = { receivers: ['spanmetrics'], exporters: ['prometheus'] };
  record(out, 'connectors').spanmetrics = {
    histogram: { explicit: { buckets: (spm.histogramBucketsMs ?? DEFAULT_SPM_BUCKETS_MS).map((ms) => `${ms}ms`) } },
    metrics_flush_interval: spm.flushInterval ?? '15s',
  };
  record(out, 'exporters').prometheus = { endpoint: `0.0.0.0:${SPAN_METRICS_PORT}` };
  return out;
}

/**
 * The Prometheus metrics backend on a reader config (`jaeger_query` present): the Monitor tab's
 * RED charts. `normalize_*` matches the metric names the spanmetrics connector writes.
 */
export function withMetricsBackend(config: Record<string, unknown>, spm: SpanMetricsSettings): Record<string, unknown> {
  const out = clone(config);
  const extensions = record(out, 'extensions');
  if (!extensions.jaeger_query) return out;
  record(record(extensions, 'jaeger_storage'), 'metric_backends')[SPM_METRICS_BACKEND] = {
    prometheus: { endpoint: spm.prometheusUrl ?? DEFAULT_SPM_PROMETHEUS_URL, normalize_calls: true, normalize_duration: true },
  };
  record(record(extensions, 'jaeger_query'), 'storage').metrics = SPM_METRICS_BACKEND;
  return out;
}

/** The Kafka exporter block shared by the collector config and the check's expectations. */
export function kafkaExporter(kafka: KafkaConnection): Record<string, unknown> {
  return {
    brokers: [...kafka.brokers],
    traces: { topic: kafka.topic ?? 'jaeger-spans', encoding: kafka.encoding ?? 'otlp_proto' },
    ...(kafka.tls ? { tls: { insecure: false, ca_file: `${KAFKA_CA_DIR}/${kafka.tls.ca.key}` } } : {}),
  };
}

/**
 * A collector config that produces to Kafka instead of writing the store: the storage exporter is
 * replaced by `kafka`, and the storage extension (no longer used) is dropped, so collectors need
 * neither store credentials nor a store connection.
 */
export function withKafkaExporter(config: Record<string, unknown>, kafka: KafkaConnection): Record<string, unknown> {
  const out = clone(config);
  const pipelines = record(record(out, 'service'), 'pipelines');
  let replaced = false;
  for (const p of Object.values(pipelines) as Obj[]) {
    const exporters = (p.exporters as string[] | undefined) ?? [];
    if (exporters.some((e) => e.startsWith('jaeger_storage_exporter'))) {
      p.exporters = exporters.map((e) => (e.startsWith('jaeger_storage_exporter') ? 'kafka' : e));
      replaced = true;
    }
  }
  if (!replaced)
    throw new Error(
      'withKafkaExporter: the config has no pipeline exporting to jaeger_storage_exporter; allowed: a collector or all-in-one config',
    );
  const exporters = record(out, 'exporters');
  for (const name of Object.keys(exporters)) if (name.startsWith('jaeger_storage_exporter')) delete exporters[name];
  exporters.kafka = kafkaExporter(kafka);
  const service = record(out, 'service');
  service.extensions = ((service.extensions as string[] | undefined) ?? []).filter((e) => !e.startsWith('jaeger_storage'));
  delete record(out, 'extensions').jaeger_storage;
  return out;
}
