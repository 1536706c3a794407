/**
 * Renders Jaeger v2 configuration files (OpenTelemetry Collector YAML) for each role.
 * Pure functions: config in, plain objects out.
 *
 * Every listener is bound to `0.0.0.0` explicitly: OTel Collector components default to
 * `localhost` since v0.104, which makes a pod unreachable through its Service and fails probes
 * (jaegertracing/jaeger#6207).
 * Keys checked against jaegertracing/jaeger v2.20.0: `jaeger_query` (QueryOptions in
 * cmd/jaeger/internal/extension/jaegerquery/internal/flags.go: base_path, http, grpc), `remote_sampling`
 * (extension/remotesampling/config.go: file.path, reload_interval, http, grpc), nop receiver/exporter and
 * healthcheckv2 registered in cmd/jaeger/internal/components.go, remote-storage `--config-file` with
 * `grpc.endpoint` (cmd/remote-storage).
 * @see https://www.jaegertracing.io/docs/2.20/deployment/configuration/
 */
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { DEFAULT_MAX_TRACES } from './jaeger-defaults';
import { JAEGER_PORTS } from './jaeger-ports';
import type { JaegerStorage } from './jaeger-storage';

export type JaegerRole = 'allInOne' | 'collector' | 'query';

/** Where the strategies file is mounted in collector/all-in-one pods. */
export const SAMPLING_STRATEGIES_PATH = '/etc/jaeger/sampling-strategies.json';
/** Where the rendered config is mounted. */
export const JAEGER_CONFIG_DIR = '/etc/jaeger';
export const JAEGER_CONFIG_FILE = 'config.yaml';

const STORAGE = 'trace_storage';

export interface RenderJaegerConfigOptions {
  readonly role: JaegerRole;
  readonly storage: JaegerStorage;
  /**
   * `host:port` of jaeger-remote-storage (storage type remoteStorage).
   * @default - none (required for storage type remoteStorage)
   */
  readonly remoteStorageEndpoint?: string;
  /**
   * URL of the in-cluster OpenSearch (storage opensearch with inCluster).
   * @default - none
   */
  readonly inClusterSearchUrl?: string;
  /**
   * UI and API prefix of the query role.
   * @default '' (served at /)
   */
  readonly basePath?: string;
  /**
   * Also receive Jaeger Thrift over HTTP on 14268 (`jaeger` receiver, `thrift_http`): what Traefik v2's
   * Jaeger client sends. Off unless a sender needs it: the receiver is deprecated upstream.
   * @default false
   */
  readonly jaegerThriftHttp?: boolean;
}

function listen(port: number): string {
  return `0.0.0.0:${port}`;
}

/** The `jaeger_storage.backends.<name>` entry for a storage config. */
export function storageBackend(
  options: Pick<RenderJaegerConfigOptions, 'storage' | 'remoteStorageEndpoint' | 'inClusterSearchUrl'>,
): Record<string, unknown> {
  const s = options.storage;
  switch (s.type) {
    case 'memory':
      return { memory: { max_traces: s.maxTraces ?? DEFAULT_MAX_TRACES } };
    case 'remoteStorage':
      if (!options.remoteStorageEndpoint)
        throw new Error('storage remoteStorage needs remoteStorageEndpoint (host:port of jaeger-remote-storage)');
      return { grpc: { endpoint: options.remoteStorageEndpoint, tls: { insecure: true } } };
    case 'elasticsearch':
    case 'opensearch': {
      const serverUrls = s.serverUrls ?? [];
      const urls = serverUrls.length > 0 ? [...serverUrls] : options.inClusterSearchUrl ? [options.inClusterSearchUrl] : [];
      if (urls.length === 0) throw new Error(`storage ${s.type} needs serverUrls or an in-cluster instance`);
      const index = { shards: s.shards ?? 1, replicas: s.indexReplicas ?? 0, date_layout: '2006-01-02', rollover_frequency: 'day' };
      return {
        [s.type]: {
          server_urls: urls,
          indices: { index_prefix: s.indexPrefix ?? 'jaeger', spans: index, services: index, dependencies: index, sampling: index },
        },
      };
    }
    case 'cassandra':
      return {
        cassandra: {
          schema: { keyspace: s.keyspace ?? 'jaeger_v1_dc1', create: s.createSchema ?? true },
          connection: { servers: [...s.servers], tls: { insecure: true } },
          query: { timeout: '30s' },
        },
      };
  }
}

/** The OTel Collector YAML for one Jaeger role, as a plain object. */
export function renderJaegerConfig(options: RenderJaegerConfigOptions): Record<string, unknown> {
  const { role } = options;
  const writes = role !== 'query';
  const reads = role !== 'collector';
  const extensions: Record<string, unknown> = {
    healthcheckv2: { use_v2: true, http: { endpoint: listen(JAEGER_PORTS.health) } },
    jaeger_storage: { backends: { [STORAGE]: storageBackend(options) } },
  };
  if (reads) {
    extensions.jaeger_query = {
      storage: { traces: STORAGE },
      ...(options.basePath ? { base_path: options.basePath } : {}),
      http: { endpoint: listen(JAEGER_PORTS.queryHttp) },
      grpc: { endpoint: listen(JAEGER_PORTS.queryGrpc) },
    };
  }
  if (writes) {
    extensions.remote_sampling = {
      file: { path: SAMPLING_STRATEGIES_PATH, reload_interval: '30s' },
      http: { endpoint: listen(JAEGER_PORTS.samplingHttp) },
      grpc: { endpoint: listen(JAEGER_PORTS.samplingGrpc) },
    };
  }
  const pipeline = writes
    ? {
        receivers: ['otlp', 'zipkin', ...(options.jaegerThriftHttp ? ['jaeger'] : [])],
        processors: ['batch'],
        exporters: ['jaeger_storage_exporter'],
      }
    : // A query-only process still needs one pipeline (OTel Collector requirement): nop in, nop out.
      { receivers: ['nop'], processors: ['batch'], exporters: ['nop'] };
  return {
    service: {
      extensions: Object.keys(extensions),
      pipelines: { traces: pipeline },
      telemetry: {
        resource: { [ATTR_SERVICE_NAME]: role === 'allInOne' ? 'jaeger' : `jaeger-${role}` },
        metrics: { level: 'detailed', readers: [{ pull: { exporter: { prometheus: { host: '0.0.0.0', port: JAEGER_PORTS.metrics } } } }] },
        logs: { level: 'info' },
      },
    },
    extensions,
    receivers: writes
      ? {
          otlp: { protocols: { grpc: { endpoint: listen(JAEGER_PORTS.otlpGrpc) }, http: { endpoint: listen(JAEGER_PORTS.otlpHttp) } } },
          zipkin: { endpoint: listen(JAEGER_PORTS.zipkin) },
          ...(options.jaegerThriftHttp
            ? { jaeger: { protocols: { thrift_http: { endpoint: listen(JAEGER_PORTS.jaegerThriftHttp) } } } }
            : {}),
        }
      : { nop: {} },
    processors: { batch: {} },
    exporters: writes ? { jaeger_storage_exporter: { trace_storage: STORAGE } } : { nop: {} },
  };
}

/** The sampling strategy of one service in the remote-sampling file. */
export interface JaegerServiceSampling {
  /** `service.name` the strategy applies to. */
  readonly service: string;
  /**
   * `probabilistic` (param 0-1) or `ratelimiting` (param = traces per second).
   * @default 'probabilistic'
   */
  readonly type?: 'probabilistic' | 'ratelimiting';
  /** Probability (probabilistic) or traces per second (ratelimiting). */
  readonly param: number;
  /**
   * Per-operation probabilities (probabilistic only; Jaeger rejects them with ratelimiting).
   * @default []
   */
  readonly operations?: readonly { readonly operation: string; readonly probability: number }[];
}

/**
 * Remote sampling strategies (served on 5778/5779 from a file in the ConfigMap).
 * @see https://www.jaegertracing.io/docs/2.20/architecture/sampling/
 */
export interface JaegerSampling {
  /**
   * Probability for services without a strategy of their own.
   * @default 1
   */
  readonly defaultProbability?: number;
  /**
   * Per-service strategies.
   * @default []
   */
  readonly services?: readonly JaegerServiceSampling[];
}

/**
 * The remote-sampling strategies file (Jaeger's JSON format).
 * @see https://www.jaegertracing.io/docs/2.20/architecture/sampling/#file-based-sampling-configuration
 */
export function renderSamplingStrategies(sampling: JaegerSampling): Record<string, unknown> {
  return {
    default_strategy: { type: 'probabilistic', param: sampling.defaultProbability ?? 1 },
    service_strategies: (sampling.services ?? []).map((s) => {
      const operations = s.operations ?? [];
      return {
        service: s.service,
        type: s.type ?? 'probabilistic',
        param: s.param,
        ...(operations.length > 0
          ? { operation_strategies: operations.map((o) => ({ operation: o.operation, type: 'probabilistic', param: o.probability })) }
          : {}),
      };
    }),
  };
}

/** Config of jaeger-remote-storage: a bounded memory store served over gRPC. */
export function renderRemoteStorageConfig(maxTraces: number): Record<string, unknown> {
  return {
    grpc: { endpoint: listen(JAEGER_PORTS.remoteStorage) },
    storage: { backends: { 'default-storage': { memory: { max_traces: maxTraces } } } },
    multi_tenancy: { enabled: false },
  };
}
