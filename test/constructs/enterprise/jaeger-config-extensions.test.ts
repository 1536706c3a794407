import { readFileSync } from 'node:fs';
import { parse as load } from 'yaml';
import { referencePath } from '../../../src/paths';
import { renderJaegerConfig } from '../../../src/constructs/jaeger/jaeger-config';
import {
  SPM_METRICS_BACKEND,
  STORAGE_PASSWORD_ENV,
  withKafkaExporter,
  withMetricsBackend,
  withSpanMetrics,
  withStorageAccess,
} from '../../../src/constructs/enterprise/jaeger-config-extensions';
import { renderIngesterConfig } from '../../../src/constructs/enterprise/jaeger-ingester';
import { spmSchema } from '../../../src/config/spm';
import { storageOpsSchema } from '../../../src/config/storage-ops';
import { kafkaSchema } from '../../../src/config/kafka';

type Obj = Record<string, any>;
const upstream = (name: string) => load(readFileSync(referencePath('jaeger', 'jaeger-configs', name), 'utf8')) as Obj;
const es = {
  type: 'elasticsearch' as const,
  serverUrls: ['https://es.example.com:9200'],
  indexPrefix: 'prod',
  shards: 3,
  indexReplicas: 1,
};
const collector = () => renderJaegerConfig({ role: 'collector', storage: es }) as Obj;
const query = () => renderJaegerConfig({ role: 'query', storage: es }) as Obj;

describe('withSpanMetrics / withMetricsBackend (Jaeger SPM)', () => {
  const spm = spmSchema.parse({ enabled: true, prometheusUrl: 'http://prometheus.monitoring:9090' });

  test('a collector config gets the same SPM wiring as upstream config-spm.yaml', () => {
    // GIVEN upstream's SPM example and our collector config
    const ref = upstream('cmd_jaeger_config-spm.yaml');
    // WHEN span metrics are added
    const out = withSpanMetrics(collector(), spm) as Obj;
    // THEN the trace pipeline also exports to the connector, a metrics pipeline reads it into prometheus
    expect(out.service.pipelines.traces.exporters).toEqual(['jaeger_storage_exporter', 'spanmetrics']);
    expect(out.service.pipelines['metrics/spanmetrics']).toEqual(ref.service.pipelines['metrics/spanmetrics']);
    expect(Object.keys(out.connectors)).toEqual(Object.keys(ref.connectors));
    expect(out.exporters.prometheus).toEqual(ref.exporters.prometheus);
    expect(out.connectors.spanmetrics.histogram.explicit.buckets[0]).toBe('2ms');
    expect(out.connectors.spanmetrics.metrics_flush_interval).toBe('15s');
  });

  test('a query config reads the Prometheus metrics backend, as upstream does; the input is not mutated', () => {
    const ref = upstream('cmd_jaeger_config-spm.yaml');
    const input = query();
    const before = JSON.stringify(input);
    const out = withMetricsBackend(input, spm) as Obj;
    expect(JSON.stringify(input)).toBe(before);
    expect(out.extensions.jaeger_query.storage.metrics).toBe(SPM_METRICS_BACKEND);
    const backend = out.extensions.jaeger_storage.metric_backends[SPM_METRICS_BACKEND];
    expect(Object.keys(backend.prometheus).sort()).toEqual(
      Object.keys(Object.values(ref.extensions.jaeger_storage.metric_backends as Obj)[0].prometheus).sort(),
    );
    expect(backend.prometheus.endpoint).toBe('http://prometheus.monitoring:9090');
    // a writer-only config has no jaeger_query: nothing to add
    expect(withMetricsBackend(collector(), spm)).toEqual(collector());
    // a reader-only config has no writing pipeline: no connector
    expect(withSpanMetrics(query(), spm)).toEqual(query());
  });
});

describe('withStorageAccess', () => {
  test('credentials are ${env:…} references and TLS points at the mounted CA; rollover turns on aliases', () => {
    const ops = storageOpsSchema.parse({
      credentials: { username: { name: 'es', key: 'user' }, password: { name: 'es', key: 'pass' } },
      tls: { ca: { name: 'es-ca' } },
      rollover: { enabled: true },
    });
    const out = withStorageAccess(collector(), ops) as Obj;
    const b = out.extensions.jaeger_storage.backends.trace_storage.elasticsearch;
    expect(b.auth.basic).toEqual({ username: '${env:MESHTRACE_STORAGE_USERNAME}', password: `\${env:${STORAGE_PASSWORD_ENV}}` });
    expect(b.tls).toEqual({ insecure: false, insecure_skip_verify: false, ca_file: '/etc/meshtrace/storage-ca/ca.crt' });
    expect(b.use_aliases).toBe(true);
    // never a secret value in the config
    expect(JSON.stringify(out)).not.toMatch(/"pass"|"user"/);
  });

  test('cassandra gets auth and TLS on its connection; other backends are left alone', () => {
    const ops = storageOpsSchema.parse({ credentials: { username: { name: 'c', key: 'u' }, password: { name: 'c', key: 'p' } }, tls: {} });
    const cass = renderJaegerConfig({
      role: 'collector',
      storage: { type: 'cassandra', servers: ['cassandra:9042'], keyspace: 'jaeger_v1_dc1', createSchema: false },
    }) as Obj;
    const out = withStorageAccess(cass, ops) as Obj;
    const conn = out.extensions.jaeger_storage.backends.trace_storage.cassandra.connection;
    expect(conn.auth.basic.password).toBe('${env:MESHTRACE_STORAGE_PASSWORD}');
    expect(conn.tls).toEqual({ insecure: false, insecure_skip_verify: false });
    const remote = renderJaegerConfig({
      role: 'collector',
      storage: {
        type: 'remoteStorage',
        image: 'x:1',
        maxTraces: 1000,
        resources: { cpuRequest: '1m', cpuLimit: '1', memoryRequest: '1Mi', memoryLimit: '1Mi' },
      },
      remoteStorageEndpoint: 'rs:17271',
    });
    expect(withStorageAccess(remote, ops)).toEqual(remote);
  });
});

describe('Kafka: collector exporter and ingester receiver (upstream config-kafka-*.yaml shape)', () => {
  const kafka = kafkaSchema.parse({ enabled: true, brokers: ['kafka-0.kafka:9092', 'kafka-1.kafka:9092'], topic: 'spans' });

  test('the collector produces to Kafka instead of writing the store, keeping its receivers', () => {
    const ref = upstream('cmd_jaeger_config-kafka-collector.yaml');
    const out = withKafkaExporter(collector(), kafka) as Obj;
    expect(out.service.pipelines.traces.exporters).toEqual(ref.service.pipelines.traces.exporters);
    expect(Object.keys(out.exporters.kafka.traces).sort()).toEqual(Object.keys(ref.exporters.kafka.traces).sort());
    expect(out.exporters.kafka).toEqual({
      brokers: ['kafka-0.kafka:9092', 'kafka-1.kafka:9092'],
      traces: { topic: 'spans', encoding: 'otlp_proto' },
    });
    expect(out.exporters.jaeger_storage_exporter).toBeUndefined();
    expect(out.extensions.jaeger_storage).toBeUndefined();
    expect(out.service.extensions).not.toContain('jaeger_storage');
    expect(out.service.pipelines.traces.receivers).toEqual(['otlp', 'zipkin']);
  });

  test('SPM still works on a Kafka collector (the connector rides along the kafka pipeline)', () => {
    const out = withSpanMetrics(withKafkaExporter(collector(), kafka), spmSchema.parse({ enabled: true })) as Obj;
    expect(out.service.pipelines.traces.exporters).toEqual(['kafka', 'spanmetrics']);
  });

  test('the ingester consumes the same topic and encoding and writes the same store', () => {
    const ref = upstream('cmd_jaeger_config-kafka-ingester.yaml');
    const out = renderIngesterConfig({ kafka, storage: es }) as Obj;
    expect(out.service.pipelines.traces).toEqual(ref.service.pipelines.traces);
    expect(Object.keys(out.receivers.kafka.traces).sort()).toEqual(Object.keys(ref.receivers.kafka.traces).sort());
    expect(out.receivers.kafka.traces.topics).toEqual(['spans']);
    expect(out.receivers.kafka.initial_offset).toBe(ref.receivers.kafka.initial_offset);
    expect(out.extensions.jaeger_storage.backends.trace_storage).toEqual(collector().extensions.jaeger_storage.backends.trace_storage);
    expect(out.extensions.healthcheckv2.http.endpoint).toBe('0.0.0.0:13133');
  });

  test('a config without a storage pipeline cannot be turned into a producer', () => {
    expect(() => withKafkaExporter(query(), kafka)).toThrow(/no pipeline exporting to jaeger_storage_exporter/);
  });
});
