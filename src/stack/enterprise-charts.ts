/**
 * Composition of the enterprise capabilities (docs/enterprise.md): one function the stack calls
 * after the Jaeger chart. Reads `security`, `spm`, `storageOps`, `kafka`, `multicluster` and builds
 * their constructs, and applies the Jaeger config transforms to the built Jaeger workloads.
 */
import { App, Chart, type ChartProps } from 'cdk8s';
import type { IConstruct } from 'constructs';
import type { MeshtraceConfig } from '../config/schema';
import { isEdgeCluster } from '../config/enterprise-rules';
import type { Jaeger } from '../constructs/jaeger/jaeger';
import { jaegerLabels } from '../constructs/jaeger/_jaeger-workload';
import { CassandraSchemaJob } from '../constructs/enterprise/cassandra-schema-job';
import { EdgeCollector } from '../constructs/enterprise/edge-collector';
import {
  KAFKA_CA_DIR, SPAN_METRICS_PORT, STORAGE_CA_DIR, STORAGE_PASSWORD_ENV, STORAGE_USERNAME_ENV,
  withKafkaExporter, withMetricsBackend, withSpanMetrics, withStorageAccess,
} from '../constructs/enterprise/jaeger-config-extensions';
import { JaegerIngester } from '../constructs/enterprise/jaeger-ingester';
import { JaegerNetworkPolicies } from '../constructs/jaeger/jaeger-network-policies';
import { JaegerUiOAuth2Proxy, OAUTH2_PROXY_LABELS } from '../constructs/enterprise/jaeger-ui-oauth2-proxy';
import { patchJaegerWorkload, type JaegerWorkloadPatch } from '../constructs/enterprise/patch-jaeger';
import { SearchIndexMaintenance } from '../constructs/enterprise/search-index-maintenance';
import { SpanMetricsAlerts } from '../constructs/enterprise/span-metrics-alerts';
import { JAEGER_REMOTE_STORAGE_SERVICE, JAEGER_PORTS } from '../constructs/jaeger/jaeger-ports';

type Obj = Record<string, unknown>;

export interface EnterpriseInputs {
  readonly namespaces: Chart;
  /** The chart Jaeger (or, on an edge cluster, the edge collector) lives in. */
  readonly jaegerChart: Chart;
  /** The built Jaeger backend; undefined on an edge cluster. */
  readonly jaeger?: Jaeger;
  /** Senders need the Jaeger Thrift HTTP receiver (Traefik v2): the NetworkPolicy admits 14268 too. */
  readonly jaegerThriftHttp?: boolean;
}

/** Namespaces whose pods send spans to the collector: every mesh/app namespace the stack knows. */
export function senderNamespaces(config: MeshtraceConfig): string[] {
  const ns = config.namespaces;
  return [
    ns.istioSystem,
    ...(config.bookinfo.enabled ? [ns.bookinfo] : []),
    ...(config.hotrod.enabled ? [config.hotrod.namespace] : []),
    ...(config.relay.enabled ? [ns.relay] : []),
    ...(config.traefik.enabled ? [config.traefik.namespace] : []),
    ...config.istio.namespaceOverrides.map((o) => o.namespace),
    ...config.istio.workloadOverrides.map((o) => o.namespace),
    ...config.security.networkPolicies.senderNamespaces,
  ].filter((n, i, all) => all.indexOf(n) === i);
}

function storageAccessPatch(config: MeshtraceConfig): JaegerWorkloadPatch {
  const ops = config.storageOps;
  const external = ['elasticsearch', 'opensearch', 'cassandra'].includes(config.jaeger.storage.type);
  if (!external || (!ops.credentials && !ops.tls && !ops.rollover.enabled)) return {};
  return {
    transform: (c) => withStorageAccess(c, ops),
    ...(ops.credentials ? { secretEnv: { [STORAGE_USERNAME_ENV]: ops.credentials.username, [STORAGE_PASSWORD_ENV]: ops.credentials.password } } : {}),
    ...(ops.tls?.ca ? { secretFiles: { [STORAGE_CA_DIR]: ops.tls.ca } } : {}),
  };
}

/** Merges patches: transforms run in order, env/files/ports are unioned. */
function merge(...patches: JaegerWorkloadPatch[]): JaegerWorkloadPatch {
  const transforms = patches.map((p) => p.transform).filter((t): t is (c: Obj) => Obj => t !== undefined);
  return {
    ...(transforms.length ? { transform: (c: Obj) => transforms.reduce((acc, t) => t(acc), c) } : {}),
    secretEnv: Object.assign({}, ...patches.map((p) => p.secretEnv ?? {})),
    secretFiles: Object.assign({}, ...patches.map((p) => p.secretFiles ?? {})),
    ports: patches.flatMap((p) => p.ports ?? []),
  };
}

function chartAfter(app: App, id: string, after: Chart, props: ChartProps): Chart {
  const chart = new Chart(app, id, { disableResourceNameHashes: true, labels: { 'app.kubernetes.io/managed-by': 'meshtrace' }, ...props });
  chart.addDependency(after);
  return chart;
}

export function addEnterpriseCharts(app: App, config: MeshtraceConfig, inputs: EnterpriseInputs): void {
  const observability = config.namespaces.observability;
  const m = config.multicluster;
  const policies = config.security.networkPolicies;

  if (isEdgeCluster(config)) {
    new EdgeCollector(inputs.jaegerChart, 'EdgeCollector', { clusterName: m.clusterName!, central: m.centralCollector!, image: m.edge.image, replicas: m.edge.replicas, resources: m.edge.resources });
    if (policies.enabled) {
      const chart = chartAfter(app, 'security', inputs.jaegerChart, { namespace: observability });
      new JaegerNetworkPolicies(chart, 'NetworkPolicies', { topology: 'edge', senderNamespaces: senderNamespaces(config), monitoringNamespaces: policies.monitoringNamespaces, jaegerThriftHttp: inputs.jaegerThriftHttp ?? false });
    }
    return;
  }
  const jaeger = inputs.jaeger;
  if (!jaeger) return;
  const roles = ['AllInOne', 'Collector', 'Query'].map((id) => [id, jaeger.node.tryFindChild(id)] as const).filter((r): r is readonly [string, IConstruct] => r[1] !== undefined);
  const writers = roles.filter(([id]) => id !== 'Query');
  const readers = roles.filter(([id]) => id !== 'Collector');

  const access = storageAccessPatch(config);
  const kafka = config.kafka.enabled ? config.kafka : undefined;
  const spm = config.spm.enabled ? config.spm : undefined;
  for (const [id, workload] of roles) {
    const isWriter = writers.some(([w]) => w === id);
    const isReader = readers.some(([r]) => r === id);
    const patches: JaegerWorkloadPatch[] = [];
    // With Kafka the collector only produces: the ingester is the one that needs the store.
    if (!(kafka && id === 'Collector')) patches.push(access);
    if (kafka && id === 'Collector') {
      patches.push({ transform: (c) => withKafkaExporter(c, kafka), ...(kafka.tls ? { secretFiles: { [KAFKA_CA_DIR]: kafka.tls.ca } } : {}) });
    }
    if (spm && isWriter) patches.push({ transform: (c) => withSpanMetrics(c, spm), ports: [{ name: 'http-spanmetric', port: SPAN_METRICS_PORT }] });
    if (spm && isReader) patches.push({ transform: (c) => withMetricsBackend(c, spm) });
    const patch = merge(...patches);
    if (patch.transform || Object.keys(patch.secretEnv ?? {}).length || Object.keys(patch.secretFiles ?? {}).length || patch.ports?.length) patchJaegerWorkload(workload, patch);
  }

  const remoteStorageEndpoint = config.jaeger.storage.type === 'remoteStorage' ? `${JAEGER_REMOTE_STORAGE_SERVICE}:${JAEGER_PORTS.remoteStorage}` : undefined;
  if (kafka) {
    const ingester = new JaegerIngester(inputs.jaegerChart, 'Ingester', { kafka, storage: config.jaeger.storage, remoteStorageEndpoint, image: config.jaeger.image, replicas: kafka.ingester.replicas, resources: kafka.ingester.resources });
    patchJaegerWorkload(ingester, merge(access));
  }

  if (policies.enabled) {
    // Beside the Jaeger workloads they guard, in every profile.
    new JaegerNetworkPolicies(inputs.jaegerChart, 'NetworkPolicies', {
      topology: config.jaeger.topology,
      senderNamespaces: senderNamespaces(config),
      monitoringNamespaces: policies.monitoringNamespaces,
      ...(config.security.oauth2Proxy ? { uiProxyLabels: OAUTH2_PROXY_LABELS } : {}),
      spanMetrics: spm !== undefined,
      remoteStorage: config.jaeger.storage.type === 'remoteStorage',
      jaegerThriftHttp: inputs.jaegerThriftHttp ?? false,
      ingester: kafka !== undefined,
    });
  }

  const needsChart = config.security.oauth2Proxy || spm || config.storageOps.rollover.enabled || config.storageOps.indexCleaner.enabled || config.storageOps.cassandraSchema.enabled;
  if (!needsChart) return;
  const chart = chartAfter(app, 'enterprise', inputs.jaegerChart, { namespace: observability });
  const s = config.jaeger.storage;
  if ((s.type === 'elasticsearch' || s.type === 'opensearch') && (config.storageOps.rollover.enabled || config.storageOps.indexCleaner.enabled)) {
    new SearchIndexMaintenance(chart, 'IndexMaintenance', { serverUrl: s.serverUrls[0] ?? 'http://opensearch:9200', indexPrefix: s.indexPrefix, shards: s.shards, indexReplicas: s.indexReplicas, ops: config.storageOps });
  }
  if (s.type === 'cassandra' && config.storageOps.cassandraSchema.enabled) {
    new CassandraSchemaJob(chart, 'CassandraSchema', { server: s.servers[0]!, keyspace: s.keyspace, ops: config.storageOps });
  }
  if (config.security.oauth2Proxy) new JaegerUiOAuth2Proxy(chart, 'UiAuth', { proxy: config.security.oauth2Proxy, basePath: config.jaeger.query.basePath });
  if (spm) {
    new SpanMetricsAlerts(chart, 'SpanMetrics', {
      alerts: spm.alerts,
      namespace: spm.alerts.namespace ?? observability,
      serviceMonitor: spm.serviceMonitor,
      collectorLabels: jaegerLabels(config.jaeger.topology === 'allInOne' ? 'all-in-one' : 'collector'),
      collectorNamespace: observability,
    });
  }
}
