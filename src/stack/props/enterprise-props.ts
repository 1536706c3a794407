/**
 * Config sections `security`, `spm`, `storageOps`, `kafka`, `multicluster` → the enterprise
 * constructs' props (docs/enterprise.md). One small pure function per construct; which of them
 * the stack builds is decided in enterprise-charts.ts.
 */
import type { MeshtraceConfig } from '../../config/schema';
import type { CassandraSchemaJobProps } from '../../constructs/enterprise/cassandra-schema-job';
import type { EdgeCollectorProps } from '../../constructs/enterprise/edge-collector';
import type { JaegerIngesterProps } from '../../constructs/enterprise/jaeger-ingester';
import { OAUTH2_PROXY_LABELS, type JaegerUiOAuth2ProxyProps } from '../../constructs/enterprise/jaeger-ui-oauth2-proxy';
import type { SearchIndexMaintenanceProps } from '../../constructs/enterprise/search-index-maintenance';
import type { SpanMetricsAlertsProps } from '../../constructs/enterprise/span-metrics-alerts';
import { jaegerLabels } from '../../constructs/jaeger/_jaeger-workload';
import type { JaegerNetworkPoliciesProps } from '../../constructs/jaeger/jaeger-network-policies';
import { JAEGER_PORTS, JAEGER_REMOTE_STORAGE_SERVICE } from '../../constructs/jaeger/jaeger-ports';

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

/** The edge collector of an edge cluster (only called when `multicluster` makes this one). */
export function edgeCollectorProps(config: MeshtraceConfig): EdgeCollectorProps {
  const m = config.multicluster;
  if (m.clusterName === undefined || m.centralCollector === undefined) {
    throw new Error('edgeCollectorProps: multicluster.clusterName and multicluster.centralCollector are both needed for an edge cluster');
  }
  return {
    clusterName: m.clusterName,
    central: m.centralCollector,
    image: m.edge.image,
    replicas: m.edge.replicas,
    resources: m.edge.resources,
  };
}

/** What the NetworkPolicies must admit, given what else the stack runs. */
export interface NetworkPolicyNeeds {
  /** A sender needs the Jaeger Thrift HTTP receiver (Traefik v2). */
  readonly jaegerThriftHttp: boolean;
}

/** The NetworkPolicies of an edge cluster: only the edge collector's span and metrics ports. */
export function edgeNetworkPoliciesProps(config: MeshtraceConfig, needs: NetworkPolicyNeeds): JaegerNetworkPoliciesProps {
  return {
    topology: 'edge',
    senderNamespaces: senderNamespaces(config),
    monitoringNamespaces: config.security.networkPolicies.monitoringNamespaces,
    jaegerThriftHttp: needs.jaegerThriftHttp,
  };
}

/** The NetworkPolicies beside the Jaeger workloads, admitting exactly the parts this config runs. */
export function jaegerNetworkPoliciesProps(config: MeshtraceConfig, needs: NetworkPolicyNeeds): JaegerNetworkPoliciesProps {
  return {
    topology: config.jaeger.topology,
    senderNamespaces: senderNamespaces(config),
    monitoringNamespaces: config.security.networkPolicies.monitoringNamespaces,
    ...(config.security.oauth2Proxy ? { uiProxyLabels: OAUTH2_PROXY_LABELS } : {}),
    spanMetrics: config.spm.enabled,
    remoteStorage: config.jaeger.storage.type === 'remoteStorage',
    jaegerThriftHttp: needs.jaegerThriftHttp,
    ingester: config.kafka.enabled,
  };
}

/** The Kafka ingester (only called with `kafka.enabled`): the same image and store as the collector. */
export function jaegerIngesterProps(config: MeshtraceConfig): JaegerIngesterProps {
  const storage = config.jaeger.storage;
  return {
    kafka: config.kafka,
    storage,
    remoteStorageEndpoint: storage.type === 'remoteStorage' ? `${JAEGER_REMOTE_STORAGE_SERVICE}:${JAEGER_PORTS.remoteStorage}` : undefined,
    image: config.jaeger.image,
    replicas: config.kafka.ingester.replicas,
    resources: config.kafka.ingester.resources,
  };
}

/** Index rollover / cleaner jobs, or undefined when the store is not Elasticsearch/OpenSearch or none is enabled. */
export function searchIndexMaintenanceProps(config: MeshtraceConfig): SearchIndexMaintenanceProps | undefined {
  const s = config.jaeger.storage;
  const ops = config.storageOps;
  if ((s.type !== 'elasticsearch' && s.type !== 'opensearch') || !(ops.rollover.enabled || ops.indexCleaner.enabled)) return undefined;
  return {
    serverUrl: s.serverUrls[0] ?? 'http://opensearch:9200',
    indexPrefix: s.indexPrefix,
    shards: s.shards,
    indexReplicas: s.indexReplicas,
    ops,
  };
}

/** The Cassandra schema Job, or undefined unless the store is Cassandra and the Job is enabled. */
export function cassandraSchemaJobProps(config: MeshtraceConfig): CassandraSchemaJobProps | undefined {
  const s = config.jaeger.storage;
  if (s.type !== 'cassandra' || !config.storageOps.cassandraSchema.enabled) return undefined;
  return { server: s.servers[0]!, keyspace: s.keyspace, ops: config.storageOps };
}

/** The oauth2-proxy in front of the UI, or undefined without `security.oauth2Proxy`. */
export function oauth2ProxyProps(config: MeshtraceConfig): JaegerUiOAuth2ProxyProps | undefined {
  const proxy = config.security.oauth2Proxy;
  return proxy ? { proxy, basePath: config.jaeger.query.basePath } : undefined;
}

/** Span-metrics alerts and scraping, or undefined without `spm.enabled`. */
export function spanMetricsAlertsProps(config: MeshtraceConfig): SpanMetricsAlertsProps | undefined {
  const spm = config.spm;
  if (!spm.enabled) return undefined;
  const observability = config.namespaces.observability;
  return {
    alerts: spm.alerts,
    namespace: spm.alerts.namespace ?? observability,
    serviceMonitor: spm.serviceMonitor,
    collectorLabels: jaegerLabels(config.jaeger.topology === 'allInOne' ? 'all-in-one' : 'collector'),
    collectorNamespace: observability,
  };
}
