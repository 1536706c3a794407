/**
 * Composition of the enterprise capabilities (docs/enterprise.md): one function the stack calls
 * after the Jaeger chart. Decides from `security`, `spm`, `storageOps`, `kafka`, `multicluster` which
 * constructs to build (their props come from `./props/enterprise-props.ts`), and applies the Jaeger
 * config transforms to the built Jaeger workloads.
 */
import { Chart, type ChartProps } from 'cdk8s';
import type { Construct } from 'constructs';
import type { IConstruct } from 'constructs';
import type { MeshtraceConfig } from '../config/schema';
import { isEdgeCluster } from '../config/enterprise-rules';
import type { Jaeger } from '../constructs/jaeger/jaeger';
import { CassandraSchemaJob } from '../constructs/enterprise/cassandra-schema-job';
import { EdgeCollector } from '../constructs/enterprise/edge-collector';
import {
  KAFKA_CA_DIR,
  SPAN_METRICS_PORT,
  STORAGE_CA_DIR,
  STORAGE_PASSWORD_ENV,
  STORAGE_USERNAME_ENV,
  withKafkaExporter,
  withMetricsBackend,
  withSpanMetrics,
  withStorageAccess,
} from '../constructs/enterprise/jaeger-config-extensions';
import { JaegerIngester } from '../constructs/enterprise/jaeger-ingester';
import { JaegerNetworkPolicies } from '../constructs/jaeger/jaeger-network-policies';
import { JaegerUiOAuth2Proxy } from '../constructs/enterprise/jaeger-ui-oauth2-proxy';
import { patchJaegerWorkload, type JaegerWorkloadPatch } from '../constructs/enterprise/patch-jaeger';
import { SearchIndexMaintenance } from '../constructs/enterprise/search-index-maintenance';
import { SpanMetricsAlerts } from '../constructs/enterprise/span-metrics-alerts';
import {
  cassandraSchemaJobProps,
  edgeCollectorProps,
  edgeNetworkPoliciesProps,
  jaegerIngesterProps,
  jaegerNetworkPoliciesProps,
  oauth2ProxyProps,
  searchIndexMaintenanceProps,
  spanMetricsAlertsProps,
} from './props/enterprise-props';

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

function storageAccessPatch(config: MeshtraceConfig): JaegerWorkloadPatch {
  const ops = config.storageOps;
  const external = ['elasticsearch', 'opensearch', 'cassandra'].includes(config.jaeger.storage.type);
  if (!external || (!ops.credentials && !ops.tls && !ops.rollover.enabled)) return {};
  return {
    transform: (c) => withStorageAccess(c, ops),
    ...(ops.credentials
      ? { secretEnv: { [STORAGE_USERNAME_ENV]: ops.credentials.username, [STORAGE_PASSWORD_ENV]: ops.credentials.password } }
      : {}),
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

function chartAfter(app: Construct, id: string, after: Chart, props: ChartProps): Chart {
  const chart = new Chart(app, id, { disableResourceNameHashes: true, labels: { 'app.kubernetes.io/managed-by': 'meshtrace' }, ...props });
  chart.addDependency(after);
  return chart;
}

export function addEnterpriseCharts(app: Construct, config: MeshtraceConfig, inputs: EnterpriseInputs): void {
  const observability = config.namespaces.observability;
  const policies = config.security.networkPolicies;
  const needs = { jaegerThriftHttp: inputs.jaegerThriftHttp ?? false };

  if (isEdgeCluster(config)) {
    new EdgeCollector(inputs.jaegerChart, 'EdgeCollector', edgeCollectorProps(config));
    if (policies.enabled) {
      const chart = chartAfter(app, 'security', inputs.jaegerChart, { namespace: observability });
      new JaegerNetworkPolicies(chart, 'NetworkPolicies', edgeNetworkPoliciesProps(config, needs));
    }
    return;
  }
  const jaeger = inputs.jaeger;
  if (!jaeger) return;
  const roles = ['AllInOne', 'Collector', 'Query']
    .map((id) => [id, jaeger.node.tryFindChild(id)] as const)
    .filter((r): r is readonly [string, IConstruct] => r[1] !== undefined);
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
      patches.push({
        transform: (c) => withKafkaExporter(c, kafka),
        ...(kafka.tls ? { secretFiles: { [KAFKA_CA_DIR]: kafka.tls.ca } } : {}),
      });
    }
    if (spm && isWriter)
      patches.push({ transform: (c) => withSpanMetrics(c, spm), ports: [{ name: 'http-spanmetric', port: SPAN_METRICS_PORT }] });
    if (spm && isReader) patches.push({ transform: (c) => withMetricsBackend(c, spm) });
    const patch = merge(...patches);
    if (patch.transform || Object.keys(patch.secretEnv ?? {}).length || Object.keys(patch.secretFiles ?? {}).length || patch.ports?.length)
      patchJaegerWorkload(workload, patch);
  }

  if (kafka) {
    const ingester = new JaegerIngester(inputs.jaegerChart, 'Ingester', jaegerIngesterProps(config));
    patchJaegerWorkload(ingester, merge(access));
  }

  // Beside the Jaeger workloads they guard, in every profile.
  if (policies.enabled) new JaegerNetworkPolicies(inputs.jaegerChart, 'NetworkPolicies', jaegerNetworkPoliciesProps(config, needs));

  const needsChart =
    config.security.oauth2Proxy ||
    spm ||
    config.storageOps.rollover.enabled ||
    config.storageOps.indexCleaner.enabled ||
    config.storageOps.cassandraSchema.enabled;
  if (!needsChart) return;
  const chart = chartAfter(app, 'enterprise', inputs.jaegerChart, { namespace: observability });
  const indexMaintenance = searchIndexMaintenanceProps(config);
  if (indexMaintenance) new SearchIndexMaintenance(chart, 'IndexMaintenance', indexMaintenance);
  const cassandraSchema = cassandraSchemaJobProps(config);
  if (cassandraSchema) new CassandraSchemaJob(chart, 'CassandraSchema', cassandraSchema);
  const uiAuth = oauth2ProxyProps(config);
  if (uiAuth) new JaegerUiOAuth2Proxy(chart, 'UiAuth', uiAuth);
  const spanMetrics = spanMetricsAlertsProps(config);
  if (spanMetrics) new SpanMetricsAlerts(chart, 'SpanMetrics', spanMetrics);
}
