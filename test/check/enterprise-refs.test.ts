/**
 * The enterprise reference checks on hand-written manifests (what a user might apply without
 * meshtrace synth): each rule fires on the broken case and stays quiet on the fixed one.
 */
import { stringify as dump } from 'yaml';
import { checkManifests, type Finding, type ManifestDoc } from '../../src/check/index';

type Obj = Record<string, unknown>;
const doc = (object: Obj, index = 0): ManifestDoc => ({ file: 'app.yaml', index, object });

function jaegerPod(name: string, configMap: string, env: Obj[] = []): Obj {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'observability' },
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: 'jaeger',
              image: 'jaegertracing/jaeger:2.20.0',
              args: ['--config', '/etc/jaeger/config.yaml'],
              env,
              volumeMounts: [{ name: 'config', mountPath: '/etc/jaeger' }],
            },
          ],
          volumes: [{ name: 'config', configMap: { name: configMap } }],
        },
      },
    },
  };
}
const configMap = (name: string, config: Obj): Obj => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'observability' },
  data: { 'config.yaml': dump(config) },
});

const health = { healthcheckv2: { use_v2: true, http: { endpoint: '0.0.0.0:13133' } } };
function producer(topic: string, encoding = 'otlp_proto', brokers = ['kafka:9092']): Obj {
  return {
    service: { extensions: ['healthcheckv2'], pipelines: { traces: { receivers: ['otlp'], exporters: ['kafka'] } } },
    extensions: health,
    receivers: { otlp: { protocols: { grpc: { endpoint: '0.0.0.0:4317' } } } },
    exporters: { kafka: { brokers, traces: { topic, encoding } } },
  };
}
function consumer(topic: string, encoding = 'otlp_proto', password = '${env:ES_PASSWORD}'): Obj {
  return {
    service: {
      extensions: ['healthcheckv2', 'jaeger_storage'],
      pipelines: { traces: { receivers: ['kafka'], exporters: ['jaeger_storage_exporter'] } },
    },
    extensions: {
      ...health,
      jaeger_storage: {
        backends: { s: { elasticsearch: { server_urls: ['https://es:9200'], auth: { basic: { username: 'jaeger', password } } } } },
      },
    },
    receivers: { kafka: { brokers: ['kafka:9092'], traces: { topics: [topic], encoding } } },
    exporters: { jaeger_storage_exporter: { trace_storage: 's' } },
  };
}
const rules = (findings: Finding[], prefix: string) => findings.filter((f) => f.rule.startsWith(prefix));

describe('enterprise/env-reference', () => {
  test('a ${env:X} the container does not set is an error; set from a Secret it is fine; :-default needs nothing', async () => {
    // GIVEN an ingester whose config reads ${env:ES_PASSWORD} but whose container does not set it
    const broken = [doc(configMap('ingester', consumer('spans'))), doc(jaegerPod('ingester', 'ingester'), 1)];
    // WHEN checked THEN the reference is reported with the container and the fix
    const found = rules(await checkManifests(broken), 'enterprise/env-reference');
    expect(found).toHaveLength(1);
    expect(found[0]!.message).toMatch(/\$\{env:ES_PASSWORD\} is not set on container jaeger of Deployment ingester/);
    // GIVEN the env var from a Secret THEN quiet
    const fixed = [
      doc(configMap('ingester', consumer('spans'))),
      doc(jaegerPod('ingester', 'ingester', [{ name: 'ES_PASSWORD', valueFrom: { secretKeyRef: { name: 'es', key: 'password' } } }]), 1),
    ];
    expect(rules(await checkManifests(fixed), 'enterprise/env-reference')).toEqual([]);
    const defaulted = [
      doc(configMap('ingester', consumer('spans', 'otlp_proto', '${env:ES_PASSWORD:-}'))),
      doc(jaegerPod('ingester', 'ingester'), 1),
    ];
    expect(rules(await checkManifests(defaulted), 'enterprise/env-reference')).toEqual([]);
  });
});

describe('enterprise/secret-ref', () => {
  const pod = jaegerPod('ingester', 'ingester', [{ name: 'ES_PASSWORD', valueFrom: { secretKeyRef: { name: 'es', key: 'password' } } }]);
  test('a Secret not in the folder is listed (info) with its keys and the command to create it', async () => {
    const found = rules(await checkManifests([doc(configMap('ingester', consumer('spans'))), doc(pod, 1)]), 'enterprise/secret-ref');
    expect(found).toEqual([
      expect.objectContaining({
        severity: 'info',
        message: expect.stringMatching(/needs Secret es in namespace observability with key password/),
      }),
    ]);
    expect(found[0]!.fix).toContain('kubectl -n observability create secret generic es --from-literal=password=…');
  });
  test('a Secret in the folder without the key is an error naming the keys it has', async () => {
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'es', namespace: 'observability' }, stringData: { passwd: 'x' } };
    const found = rules(
      await checkManifests([doc(configMap('ingester', consumer('spans'))), doc(pod, 1), doc(secret, 2)]),
      'enterprise/secret-ref',
    );
    expect(found).toEqual([
      expect.objectContaining({
        severity: 'error',
        message: expect.stringMatching(/Secret observability\/es has no key "password" \(keys: passwd\)/),
      }),
    ]);
  });
});

describe('enterprise/kafka', () => {
  const folder = (p: Obj, c: Obj) => [
    doc(configMap('collector', p)),
    doc(jaegerPod('collector', 'collector'), 1),
    doc(configMap('ingester', c), 2),
    doc(jaegerPod('ingester', 'ingester', [{ name: 'ES_PASSWORD', value: 'from-vault-agent' }]), 3),
  ];
  test('same topic, encoding and brokers: quiet', async () => {
    expect(rules(await checkManifests(folder(producer('spans'), consumer('spans'))), 'enterprise/kafka')).toEqual([]);
  });
  test('different topics, encodings, brokers, and a broker without a port are errors', async () => {
    expect(
      rules(await checkManifests(folder(producer('spans'), consumer('jaeger-spans'))), 'enterprise/kafka').map((f) => f.message),
    ).toEqual([expect.stringMatching(/produces to topic "spans" but the ingester\(s\) consume "jaeger-spans"/)]);
    expect(
      rules(await checkManifests(folder(producer('spans', 'otlp_json'), consumer('spans'))), 'enterprise/kafka').map((f) => f.message),
    ).toEqual([expect.stringMatching(/decodes topic "spans" as otlp_proto but the collector encodes otlp_json/)]);
    const other = rules(
      await checkManifests(folder(producer('spans', 'otlp_proto', ['kafka.other:9092', 'kafka']), consumer('spans'))),
      'enterprise/kafka',
    ).map((f) => f.message);
    expect(other).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/broker "kafka" is not host:port/),
        expect.stringMatching(/share none with the collector's/),
      ]),
    );
  });
  test('a producer without a consumer is a warning', async () => {
    const found = rules(
      await checkManifests([doc(configMap('collector', producer('spans'))), doc(jaegerPod('collector', 'collector'), 1)]),
      'enterprise/kafka',
    );
    expect(found).toEqual([
      expect.objectContaining({ severity: 'warning', message: expect.stringMatching(/no ingester in this folder consumes it/) }),
    ]);
  });
});

describe('enterprise/metrics-backend', () => {
  const query = (metrics: string, backends: Obj) => ({
    service: {
      extensions: ['jaeger_storage', 'jaeger_query', 'healthcheckv2'],
      pipelines: { traces: { receivers: ['nop'], exporters: ['nop'] } },
    },
    extensions: {
      ...health,
      jaeger_query: { storage: { traces: 's', metrics } },
      jaeger_storage: { backends: { s: { elasticsearch: { server_urls: ['https://es:9200'] } } }, metric_backends: backends },
    },
    receivers: { nop: {} },
    exporters: { nop: {} },
  });
  test('storage.metrics must name a metric_backends entry', async () => {
    const bad = rules(
      await checkManifests([
        doc(configMap('q', query('prom', { prometheus_main: { prometheus: { endpoint: 'http://p:9090' } } }))),
        doc(jaegerPod('q', 'q'), 1),
      ]),
      'enterprise/metrics-backend',
    );
    expect(bad.map((f) => f.message)).toEqual([
      expect.stringMatching(/names metrics backend "prom", but jaeger_storage\.metric_backends has prometheus_main/),
    ]);
    const good = rules(
      await checkManifests([
        doc(configMap('q', query('prom', { prom: { prometheus: { endpoint: 'http://p:9090' } } }))),
        doc(jaegerPod('q', 'q'), 1),
      ]),
      'enterprise/metrics-backend',
    );
    expect(good).toEqual([]);
  });
  test('a connector used only on one side is an error', async () => {
    const cfg = producer('spans') as Obj & { service: { pipelines: Obj }; connectors?: Obj };
    cfg.connectors = { spanmetrics: {} };
    (cfg.service.pipelines.traces as { exporters: string[] }).exporters = ['kafka', 'spanmetrics'];
    const found = rules(await checkManifests([doc(configMap('c', cfg)), doc(jaegerPod('c', 'c'), 1)]), 'enterprise/metrics-backend');
    expect(found.map((f) => f.message)).toEqual([
      expect.stringMatching(/connector spanmetrics is an exporter of a pipeline but no pipeline receives from it/),
    ]);
  });
});
