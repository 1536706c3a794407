/**
 * The enterprise constructs on their own: defaults, and each prop validation naming the field,
 * the bad value and what is allowed.
 */
import { App, Chart, Testing } from 'cdk8s';
import { CassandraSchemaJob } from '../../../src/constructs/enterprise/cassandra-schema-job';
import { EdgeCollector, renderEdgeCollectorConfig } from '../../../src/constructs/enterprise/edge-collector';
import { JaegerIngester } from '../../../src/constructs/enterprise/jaeger-ingester';
import { SearchIndexMaintenance } from '../../../src/constructs/enterprise/search-index-maintenance';
import { errorRateExpr, p95LatencyExpr, SpanMetricsAlerts } from '../../../src/constructs/enterprise/span-metrics-alerts';
import { kafkaSchema } from '../../../src/config/kafka';
import { spmSchema } from '../../../src/config/spm';
import { storageOpsSchema } from '../../../src/config/storage-ops';

type Obj = Record<string, any>;
const chart = () => new Chart(Testing.app() as App, 'test', { namespace: 'observability', disableResourceNameHashes: true });
const es = { type: 'elasticsearch' as const, serverUrls: ['https://es:9200'], indexPrefix: 'jaeger', shards: 1, indexReplicas: 0 };

describe('EdgeCollector', () => {
  test('defaults: 2 replicas, restricted, out of the mesh, Service jaeger-collector on the OTLP and Zipkin ports', () => {
    const c = chart();
    new EdgeCollector(c, 'Edge', {
      clusterName: 'west',
      central: { endpoint: 'hub:4317', protocol: 'grpc', tls: { enabled: true, insecureSkipVerify: false } },
    });
    const objs = Testing.synth(c) as Obj[];
    const dep = objs.find((o) => o.kind === 'Deployment')!;
    expect(dep.spec.replicas).toBe(2);
    expect(dep.spec.template.metadata.labels['sidecar.istio.io/inject']).toBe('false');
    expect(dep.spec.template.spec.containers[0].securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 10001,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(dep.spec.template.spec.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    const svc = objs.find((o) => o.kind === 'Service')!;
    expect(svc.metadata.name).toBe('jaeger-collector');
    expect(svc.spec.ports.map((p: Obj) => `${p.name}:${p.port}`)).toEqual(['grpc-otlp:4317', 'http-otlp:4318', 'http-zipkin:9411']);
  });

  test('config: TLS off means insecure gRPC; OTLP/HTTP takes TLS from the URL (no insecure key)', () => {
    const plain = renderEdgeCollectorConfig({
      clusterName: 'a',
      central: { endpoint: 'hub:4317', protocol: 'grpc', tls: { enabled: false, insecureSkipVerify: false } },
    }) as Obj;
    expect(plain.exporters['otlp/central'].tls).toEqual({ insecure: true });
    const http = renderEdgeCollectorConfig({
      clusterName: 'a',
      central: { endpoint: 'https://hub:4318', protocol: 'http', tls: { enabled: true, insecureSkipVerify: true } },
    }) as Obj;
    expect(http.exporters['otlphttp/central'].tls).toEqual({ insecure_skip_verify: true });
    expect(http.service.pipelines.traces.processors).toEqual(['memory_limiter', 'resource/cluster', 'batch']);
  });

  test('a cluster name that is not an RFC 1123 label is refused with the value', () => {
    expect(
      () =>
        new EdgeCollector(chart(), 'Edge', {
          clusterName: 'West 1',
          central: { endpoint: 'hub:4317', protocol: 'grpc', tls: { enabled: true, insecureSkipVerify: false } },
        }),
    ).toThrow(/clusterName "West 1" is not an RFC 1123 label; allowed: lower-case/);
  });
});

describe('SpanMetricsAlerts', () => {
  test('expressions carry the thresholds and the minimum rate; the rule validates', () => {
    const alerts = spmSchema.parse({ alerts: { errorRatePercent: 1, p95LatencyMs: 250, minRequestsPerSecond: 2, window: '1m' } }).alerts;
    expect(errorRateExpr(alerts)).toMatch(/\[1m\]\)\) > 1\) and on \(service_name\) \(.*> 2\)$/);
    expect(p95LatencyExpr(alerts)).toMatch(/> 250\) and on/);
    const c = chart();
    const a = new SpanMetricsAlerts(c, 'A', {
      alerts,
      namespace: 'monitoring',
      collectorLabels: { app: 'c' },
      collectorNamespace: 'observability',
      serviceMonitor: false,
    });
    expect(a.rule).toBeDefined();
    const kinds = (Testing.synth(c) as Obj[]).map((o) => `${o.kind}/${o.metadata.namespace}`);
    expect(kinds).toEqual(['PrometheusRule/monitoring', 'Service/observability']);
  });
});

describe('index maintenance, schema Job, ingester', () => {
  test('SearchIndexMaintenance refuses a server that is not a URL', () => {
    expect(
      () =>
        new SearchIndexMaintenance(chart(), 'M', {
          serverUrl: 'es:9200',
          ops: storageOpsSchema.parse({ indexCleaner: { enabled: true } }),
        }),
    ).toThrow(/serverUrl "es:9200" is not an http\(s\) URL/);
  });
  test('only the enabled jobs are created, restricted, without a service account token', () => {
    const c = chart();
    const m = new SearchIndexMaintenance(c, 'M', {
      serverUrl: 'https://es:9200',
      ops: storageOpsSchema.parse({ indexCleaner: { enabled: true } }),
    });
    expect(m.jobNames).toEqual(['jaeger-es-index-cleaner']);
    const [job] = Testing.synth(c) as Obj[];
    const pod = job!.spec.jobTemplate.spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.containers[0].securityContext).toMatchObject({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
    });
    expect(pod.containers[0].env).toEqual([{ name: 'INDEX_PREFIX', value: 'jaeger' }]);
  });
  test('CassandraSchemaJob refuses a contact point without a port', () => {
    expect(() => new CassandraSchemaJob(chart(), 'C', { server: 'cassandra', keyspace: 'k', ops: storageOpsSchema.parse({}) })).toThrow(
      /server "cassandra" is not host:port/,
    );
  });
  test('JaegerIngester refuses no brokers and a private memory store', () => {
    expect(() => new JaegerIngester(chart(), 'I', { kafka: kafkaSchema.parse({ enabled: true }), storage: es })).toThrow(
      /kafka\.brokers is empty/,
    );
    expect(
      () =>
        new JaegerIngester(chart(), 'I', {
          kafka: kafkaSchema.parse({ enabled: true, brokers: ['k:9092'] }),
          storage: { type: 'memory', maxTraces: 1000 },
        }),
    ).toThrow(/storage\.type "memory" is private to one process/);
  });
});
