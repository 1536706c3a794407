/**
 * Every construct built straight from its own Props, with only the required fields: what a user
 * of the construct library writes, no config schema involved. Each is compared with the same
 * construct built from the config mapping (src/stack/props/) of a config that states the same
 * thing, so a construct's `@default` and the schema's default cannot drift apart unnoticed.
 */
import { Testing } from 'cdk8s';
import type { Construct } from 'constructs';
import { parseConfig } from '../../src/config/load';
import type { MeshtraceConfig } from '../../src/config/schema';
import { Bookinfo } from '../../src/constructs/apps/bookinfo';
import { BookinfoFaultInjection } from '../../src/constructs/apps/bookinfo-fault-injection';
import { HotRod } from '../../src/constructs/apps/hotrod';
import { CassandraSchemaJob } from '../../src/constructs/enterprise/cassandra-schema-job';
import { EdgeCollector } from '../../src/constructs/enterprise/edge-collector';
import {
  kafkaExporter,
  withMetricsBackend,
  withSpanMetrics,
  withStorageAccess,
} from '../../src/constructs/enterprise/jaeger-config-extensions';
import { JaegerIngester } from '../../src/constructs/enterprise/jaeger-ingester';
import { JaegerUiOAuth2Proxy } from '../../src/constructs/enterprise/jaeger-ui-oauth2-proxy';
import { SearchIndexMaintenance } from '../../src/constructs/enterprise/search-index-maintenance';
import { SpanMetricsAlerts } from '../../src/constructs/enterprise/span-metrics-alerts';
import { istioOperatorOverlay, istiodHelmValues, ingressGatewayHelmValues } from '../../src/constructs/istio/installer-inputs';
import { MeshTelemetry } from '../../src/constructs/istio/mesh-telemetry';
import { Jaeger } from '../../src/constructs/jaeger/jaeger';
import { renderJaegerConfig } from '../../src/constructs/jaeger/jaeger-config';
import { JaegerNetworkPolicies } from '../../src/constructs/jaeger/jaeger-network-policies';
import { MeshNamespace } from '../../src/constructs/namespaces';
import { RelayChain, type RelayBundle } from '../../src/constructs/relay/relay-chain';
import { bookinfoFaultProps, bookinfoProps } from '../../src/stack/props/bookinfo-props';
import {
  cassandraSchemaJobProps,
  edgeCollectorProps,
  jaegerIngesterProps,
  jaegerNetworkPoliciesProps,
  oauth2ProxyProps,
  searchIndexMaintenanceProps,
  spanMetricsAlertsProps,
} from '../../src/stack/props/enterprise-props';
import { hotrodProps } from '../../src/stack/props/hotrod-props';
import { istioInstallerOptions, meshTelemetrySpecs } from '../../src/stack/props/istio-props';
import { jaegerProps } from '../../src/stack/props/jaeger-props';
import { meshNamespaceSpecs } from '../../src/stack/props/namespace-props';
import { relayChainProps } from '../../src/stack/props/relay-props';

type Obj = Record<string, any>;

const FAKE_BUNDLE: RelayBundle = { gzipped: Buffer.from('fake-gzip'), minifiedBytes: 9, loader: '// loader\n' };
const secret = (name: string) => ({ name, key: 'value' });

function synth(build: (scope: Construct) => void): Obj[] {
  const chart = Testing.chart();
  build(chart);
  return Testing.synth(chart) as Obj[];
}

const lab = (): MeshtraceConfig => parseConfig({}, 'test');
const find = (docs: Obj[], kind: string, name: string): Obj => {
  const doc = docs.find((d) => d.kind === kind && d.metadata?.name === name);
  if (!doc) throw new Error(`no ${kind} ${name} in ${docs.map((d) => `${d.kind}/${d.metadata?.name}`).join(', ')}`);
  return doc;
};

describe('Jaeger from Props', () => {
  test('no props = the lab profile: split over jaeger-remote-storage, every role on jaegertracing/jaeger:2.20.0', () => {
    const fromProps = synth((s) => new Jaeger(s, 'Jaeger'));
    expect(fromProps).toEqual(synth((s) => new Jaeger(s, 'Jaeger', jaegerProps(lab(), false))));
    // Empty sections mean the same as none.
    expect(
      synth(
        (s) =>
          new Jaeger(s, 'Jaeger', {
            storage: { type: 'remoteStorage' },
            collector: {},
            query: {},
            sampling: { services: [{ service: 'a', param: 0.5 }] },
          }),
      ),
    ).toEqual(
      synth(
        (s) =>
          new Jaeger(
            s,
            'Jaeger',
            jaegerProps(parseConfig({ jaeger: { sampling: { services: [{ service: 'a', param: 0.5 }] } } }, 'test'), false),
          ),
      ),
    );
    const images = ['jaeger-collector', 'jaeger-query'].map((n) => find(fromProps, 'Deployment', n).spec.template.spec.containers[0].image);
    expect(images).toEqual(['jaegertracing/jaeger:2.20.0', 'jaegertracing/jaeger:2.20.0']);
    expect(find(fromProps, 'Deployment', 'jaeger-remote-storage').spec.replicas).toBe(1);
  });

  test('allInOne with a bare memory store equals the config with only the topology set', () => {
    const config = parseConfig({ jaeger: { topology: 'allInOne' } }, 'test');
    const fromProps = synth((s) => new Jaeger(s, 'Jaeger', { topology: 'allInOne', storage: { type: 'memory' } }));
    expect(fromProps).toEqual(synth((s) => new Jaeger(s, 'Jaeger', jaegerProps(config, false))));
    expect(find(fromProps, 'ConfigMap', 'jaeger-config').data['config.yaml']).toContain('max_traces: 100000');
  });

  test('a search store with only its URL, and autoscaling with only maxReplicas, take the schema defaults', () => {
    const config = parseConfig(
      { jaeger: { storage: { type: 'opensearch', serverUrls: ['http://os:9200'] }, collector: { autoscaling: { maxReplicas: 4 } } } },
      'test',
    );
    const fromProps = synth(
      (s) =>
        new Jaeger(s, 'Jaeger', {
          storage: { type: 'opensearch', serverUrls: ['http://os:9200'] },
          collector: { autoscaling: { maxReplicas: 4 } },
        }),
    );
    expect(fromProps).toEqual(synth((s) => new Jaeger(s, 'Jaeger', jaegerProps(config, false))));
    expect(find(fromProps, 'HorizontalPodAutoscaler', 'jaeger-collector').spec.minReplicas).toBe(2);
  });

  test('a Cassandra store with only its servers renders the default keyspace and schema creation', () => {
    const c = renderJaegerConfig({ role: 'collector', storage: { type: 'cassandra', servers: ['cassandra:9042'] } }) as Obj;
    expect(c.extensions.jaeger_storage.backends.trace_storage.cassandra.schema).toEqual({ keyspace: 'jaeger_v1_dc1', create: true });
  });
});

describe('Istio from Props', () => {
  test('MeshTelemetry with no props = the lab mesh-wide Telemetry (provider jaeger, 100 %)', () => {
    const [meshWide] = meshTelemetrySpecs(lab());
    const fromProps = synth((s) => new MeshTelemetry(s, 'MeshDefault'));
    expect(fromProps).toEqual(synth((s) => new MeshTelemetry(s, 'MeshDefault', meshWide!.props)));
    expect(fromProps[0]!.spec.tracing).toEqual([{ providers: [{ name: 'jaeger' }], randomSamplingPercentage: 100 }]);
  });

  test('installer inputs with an empty istio section = the lab inputs', () => {
    const options = { istio: {}, observabilityNamespace: 'observability' };
    const config = istioInstallerOptions(lab());
    expect(istioOperatorOverlay(options)).toEqual(istioOperatorOverlay(config));
    expect(istiodHelmValues(options)).toEqual(istiodHelmValues(config));
    expect(ingressGatewayHelmValues(options)).toEqual(ingressGatewayHelmValues(config));
    expect((istiodHelmValues(options) as Obj).meshConfig.extensionProviders[0].name).toBe('jaeger');
  });

  test('an OTLP/HTTP provider given only `http: {}` gets path /v1/traces and timeout 3s', () => {
    const overlay = istioOperatorOverlay({ istio: { provider: { http: {} } }, observabilityNamespace: 'observability' }) as Obj;
    expect(overlay.spec.meshConfig.extensionProviders[0].opentelemetry).toEqual({
      service: 'jaeger-collector.observability.svc.cluster.local',
      port: 4318,
      http: { path: '/v1/traces', timeout: '3s' },
    });
  });
});

describe('apps, namespaces and the relay from Props', () => {
  test('Bookinfo with no props = the lab Bookinfo', () => {
    const fromProps = synth((s) => new Bookinfo(s, 'Bookinfo'));
    expect(fromProps).toEqual(synth((s) => new Bookinfo(s, 'Bookinfo', bookinfoProps(lab()))));
    expect(find(fromProps, 'Deployment', 'reviews-v2').spec.template.spec.containers[0].image).toBe(
      'registry.istio.io/release/examples-bookinfo-reviews-v2:1.20.3',
    );
  });

  test('a fault without a percentage applies to 100 % of the requests, as in the config', () => {
    const config = parseConfig({ bookinfo: { faults: [{ service: 'ratings', abort: { httpStatus: 500 } }] } }, 'test');
    const fromProps = synth(
      (s) => new BookinfoFaultInjection(s, 'Faults', { faults: [{ service: 'ratings', abort: { httpStatus: 500 } }] }),
    );
    expect(fromProps).toEqual(synth((s) => new BookinfoFaultInjection(s, 'Faults', bookinfoFaultProps(config))));
    expect(fromProps[0]!.spec.http[0].fault).toEqual({ abort: { percentage: { value: 100 }, httpStatus: 500 } });
  });

  test('HotRod with no props runs the pinned image in namespace hotrod, restricted, exporting to 4318', () => {
    const docs = synth((s) => new HotRod(s, 'HotRod'));
    const deployment = find(docs, 'Deployment', 'hotrod');
    const container = deployment.spec.template.spec.containers[0];
    expect([deployment.metadata.namespace, container.image, container.env]).toEqual([
      'hotrod',
      'jaegertracing/example-hotrod:2.20.0',
      [{ name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://jaeger-collector.observability.svc:4318' }],
    ]);
    expect(find(docs, 'Namespace', 'hotrod').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    // The stack's only change: its namespaces chart writes the Namespace.
    expect(synth((s) => new HotRod(s, 'HotRod', { createNamespace: false }))).toEqual(
      synth((s) => new HotRod(s, 'HotRod', hotrodProps(lab()))),
    );
  });

  test('MeshNamespace from the mapping of the lab profile: observability restricted, the meshed apps warned', () => {
    const specs = meshNamespaceSpecs(lab());
    const docs = synth((s) => specs.forEach(({ id, props }) => new MeshNamespace(s, id, props)));
    const labels = Object.fromEntries(docs.map((d) => [d.metadata.name, d.metadata.labels]));
    expect(labels.observability).toEqual({
      'app.kubernetes.io/part-of': 'meshtrace',
      'istio-injection': 'disabled',
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/warn': 'restricted',
    });
    expect(labels.bookinfo['pod-security.kubernetes.io/warn']).toBe('baseline');
    expect(labels.relay).toEqual({
      'app.kubernetes.io/part-of': 'meshtrace',
      'istio-injection': 'enabled',
      'pod-security.kubernetes.io/warn': 'restricted',
    });
  });

  test('RelayChain with only the bundle = the lab chain edge → a → b', () => {
    const fromProps = synth((s) => new RelayChain(s, 'Relay', { bundle: FAKE_BUNDLE }));
    expect(fromProps).toEqual(synth((s) => new RelayChain(s, 'Relay', relayChainProps(lab(), FAKE_BUNDLE))));
    expect(fromProps.filter((d) => d.kind === 'Deployment').map((d) => d.metadata.name)).toEqual(['edge', 'a', 'b']);
  });
});

describe('enterprise parts from Props', () => {
  const edge = { multicluster: { clusterName: 'west', centralCollector: { endpoint: 'hub.example.com:4317' } } };

  test('EdgeCollector with a cluster name and an endpoint: OTLP/gRPC with TLS, 2 replicas', () => {
    const fromProps = synth((s) => new EdgeCollector(s, 'Edge', { clusterName: 'west', central: { endpoint: 'hub.example.com:4317' } }));
    expect(fromProps).toEqual(synth((s) => new EdgeCollector(s, 'Edge', edgeCollectorProps(parseConfig(edge, 'test')))));
    const config = find(fromProps, 'ConfigMap', 'edge-collector-config').data['config.yaml'];
    expect(config).toContain('otlp/central:');
    expect(config).toContain('insecure: false');
    expect(find(fromProps, 'Deployment', 'edge-collector').spec.replicas).toBe(2);
  });

  test('JaegerIngester with only brokers and a store = the config with only kafka.brokers', () => {
    const config = parseConfig(
      { jaeger: { storage: { type: 'elasticsearch', serverUrls: ['http://es:9200'] } }, kafka: { enabled: true, brokers: ['kafka:9092'] } },
      'test',
    );
    const fromProps = synth(
      (s) =>
        new JaegerIngester(s, 'Ingester', {
          kafka: { brokers: ['kafka:9092'] },
          storage: { type: 'elasticsearch', serverUrls: ['http://es:9200'] },
        }),
    );
    expect(fromProps).toEqual(synth((s) => new JaegerIngester(s, 'Ingester', jaegerIngesterProps(config))));
    const receiver = find(fromProps, 'ConfigMap', 'jaeger-ingester-config').data['config.yaml'];
    expect(receiver).toMatch(/group_id: jaeger-ingester/);
    expect(receiver).toMatch(/topics:\n\s+- jaeger-spans/);
    expect(kafkaExporter({ brokers: ['kafka:9092'] })).toEqual(kafkaExporter(config.kafka));
  });

  test('the config transforms with empty settings = the schema defaults', () => {
    const config = parseConfig(
      { jaeger: { storage: { type: 'elasticsearch', serverUrls: ['https://es:9200'] } }, spm: { enabled: true }, storageOps: { tls: {} } },
      'test',
    );
    const collector = renderJaegerConfig({ role: 'collector', storage: { type: 'elasticsearch', serverUrls: ['https://es:9200'] } });
    const query = renderJaegerConfig({ role: 'query', storage: { type: 'elasticsearch', serverUrls: ['https://es:9200'] } });
    expect(withSpanMetrics(collector, {})).toEqual(withSpanMetrics(collector, config.spm));
    expect(withMetricsBackend(query, {})).toEqual(withMetricsBackend(query, config.spm));
    const tls = (withStorageAccess(collector, { tls: {} }) as Obj).extensions.jaeger_storage.backends.trace_storage.elasticsearch.tls;
    expect(tls).toEqual({ insecure: false, insecure_skip_verify: false });
    expect(withStorageAccess(collector, { tls: {} })).toEqual(withStorageAccess(collector, config.storageOps));
  });

  test('SearchIndexMaintenance with rollover and cleaner only switched on = the config defaults', () => {
    const config = parseConfig(
      {
        jaeger: { storage: { type: 'elasticsearch', serverUrls: ['http://es:9200'] } },
        storageOps: { rollover: { enabled: true }, indexCleaner: { enabled: true } },
      },
      'test',
    );
    const fromProps = synth(
      (s) =>
        new SearchIndexMaintenance(s, 'Maintenance', {
          serverUrl: 'http://es:9200',
          ops: { rollover: { enabled: true }, indexCleaner: { enabled: true } },
        }),
    );
    expect(fromProps).toEqual(synth((s) => new SearchIndexMaintenance(s, 'Maintenance', searchIndexMaintenanceProps(config)!)));
    expect(find(fromProps, 'CronJob', 'jaeger-es-index-cleaner').spec.schedule).toBe('55 23 * * *');
  });

  test('CassandraSchemaJob with a server and a keyspace = the config with the Job enabled', () => {
    const config = parseConfig(
      {
        jaeger: { storage: { type: 'cassandra', servers: ['cassandra:9042'], createSchema: false } },
        storageOps: { cassandraSchema: { enabled: true } },
      },
      'test',
    );
    const fromProps = synth((s) => new CassandraSchemaJob(s, 'Schema', { server: 'cassandra:9042', keyspace: 'jaeger_v1_dc1' }));
    expect(fromProps).toEqual(synth((s) => new CassandraSchemaJob(s, 'Schema', cassandraSchemaJobProps(config)!)));
    const env = Object.fromEntries(fromProps[0]!.spec.template.spec.containers[0].env.map((e: Obj) => [e.name, e.value]));
    expect([env.DATACENTER, env.REPLICATION_FACTOR, env.TRACE_TTL]).toEqual(['dc1', '3', String(2 * 86400)]);
  });

  test('JaegerUiOAuth2Proxy with a client id and two Secrets = the config with only those (and the issuer oidc needs)', () => {
    const proxy = { clientId: 'jaeger-ui', clientSecret: secret('oauth-client'), cookieSecret: secret('oauth-cookie') };
    const config = parseConfig({ security: { oauth2Proxy: { ...proxy, oidcIssuerUrl: 'https://sso.example.com/realms/main' } } }, 'test');
    const fromProps = synth(
      (s) => new JaegerUiOAuth2Proxy(s, 'UiAuth', { proxy: { ...proxy, oidcIssuerUrl: 'https://sso.example.com/realms/main' } }),
    );
    expect(fromProps).toEqual(synth((s) => new JaegerUiOAuth2Proxy(s, 'UiAuth', oauth2ProxyProps(config)!)));
    const args: string[] = find(fromProps, 'Deployment', 'jaeger-ui-oauth2-proxy').spec.template.spec.containers[0].args;
    expect(args).toEqual(expect.arrayContaining(['--provider=oidc', '--email-domain=*']));
  });

  test('SpanMetricsAlerts with only where it lives = the config with spm enabled', () => {
    const config = parseConfig({ spm: { enabled: true } }, 'test');
    const mapped = spanMetricsAlertsProps(config)!;
    const fromProps = synth(
      (s) =>
        new SpanMetricsAlerts(s, 'SpanMetrics', {
          namespace: mapped.namespace,
          collectorLabels: mapped.collectorLabels,
          collectorNamespace: mapped.collectorNamespace,
        }),
    );
    expect(fromProps).toEqual(synth((s) => new SpanMetricsAlerts(s, 'SpanMetrics', mapped)));
    const rule = fromProps.find((d) => d.kind === 'PrometheusRule')!;
    expect(rule.spec.groups[0].rules.map((r: Obj) => [r.for, r.labels.severity])).toEqual([
      ['10m', 'warning'],
      ['10m', 'warning'],
    ]);
  });

  test('JaegerNetworkPolicies with only sender namespaces = the mapping of a config without extras', () => {
    const config = parseConfig(
      { bookinfo: { enabled: false }, hotrod: { enabled: false }, relay: { enabled: false }, traefik: { enabled: false } },
      'test',
    );
    const mapped = jaegerNetworkPoliciesProps(config, { jaegerThriftHttp: false });
    expect(mapped.senderNamespaces).toEqual(['istio-system']);
    // The split default runs jaeger-remote-storage, which the mapping says explicitly.
    const fromProps = synth(
      (s) => new JaegerNetworkPolicies(s, 'NetworkPolicies', { senderNamespaces: ['istio-system'], remoteStorage: true }),
    );
    expect(fromProps).toEqual(synth((s) => new JaegerNetworkPolicies(s, 'NetworkPolicies', mapped)));
    expect(fromProps.map((d) => d.metadata.name)).toEqual([
      'jaeger-collector-ingress',
      'jaeger-query-ingress',
      'jaeger-remote-storage-ingress',
    ]);
  });
});
