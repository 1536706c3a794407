import { readFileSync } from 'node:fs';
import { parse as load } from 'yaml';
import {
  renderJaegerConfig,
  renderRemoteStorageConfig,
  renderSamplingStrategies,
  storageBackend,
} from '../../../src/constructs/jaeger/jaeger-config';
import { referencePath } from '../../../src/paths';

type Obj = Record<string, any>;
const reference = (name: string) => load(readFileSync(referencePath('jaeger', 'jaeger-configs', name), 'utf8')) as Obj;

/** Every `endpoint` value anywhere in a config. */
function endpoints(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => endpoints(v, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'endpoint' && typeof v === 'string') out.push(v);
      else endpoints(v, out);
    }
  }
  return out;
}

const remote = {
  type: 'remoteStorage' as const,
  image: 'jaegertracing/jaeger-remote-storage:2.20.0',
  maxTraces: 100000,
  resources: { cpuRequest: '50m', cpuLimit: '500m', memoryRequest: '128Mi', memoryLimit: '512Mi' },
};

describe('renderJaegerConfig', () => {
  test.each([
    ['allInOne', { storage: { type: 'memory' as const, maxTraces: 5000 } }],
    ['collector', { storage: remote, remoteStorageEndpoint: 'jaeger-remote-storage:17271' }],
    ['query', { storage: remote, remoteStorageEndpoint: 'jaeger-remote-storage:17271' }],
  ] as const)('%s: every listener binds 0.0.0.0 (OTel components default to localhost)', (role, options) => {
    const config = renderJaegerConfig({ role, ...options });
    const listeners = endpoints({ receivers: config.receivers, extensions: { ...(config.extensions as Obj), jaeger_storage: undefined } });
    expect(listeners.length).toBeGreaterThan(0);
    for (const e of listeners) expect(e).toMatch(/^0\.0\.0\.0:\d+$/);
    expect((config.service as Obj).telemetry.metrics.readers[0].pull.exporter.prometheus).toEqual({ host: '0.0.0.0', port: 8888 });
    expect((config.extensions as Obj).healthcheckv2).toEqual({ use_v2: true, http: { endpoint: '0.0.0.0:13133' } });
  });

  test('collector: OTLP 4317/4318 + Zipkin 9411 in, remote sampling 5778/5779 from the strategies file, no query', () => {
    const c = renderJaegerConfig({ role: 'collector', storage: remote, remoteStorageEndpoint: 'jaeger-remote-storage:17271' }) as Obj;
    expect(c.receivers).toEqual({
      otlp: { protocols: { grpc: { endpoint: '0.0.0.0:4317' }, http: { endpoint: '0.0.0.0:4318' } } },
      zipkin: { endpoint: '0.0.0.0:9411' },
    });
    expect(c.extensions.remote_sampling).toEqual({
      file: { path: '/etc/jaeger/sampling-strategies.json', reload_interval: '30s' },
      http: { endpoint: '0.0.0.0:5778' },
      grpc: { endpoint: '0.0.0.0:5779' },
    });
    expect(c.extensions.jaeger_query).toBeUndefined();
    expect(c.service.pipelines.traces).toEqual({
      receivers: ['otlp', 'zipkin'],
      processors: ['batch'],
      exporters: ['jaeger_storage_exporter'],
    });
    expect(c.service.extensions).toEqual(Object.keys(c.extensions));
  });

  test('query: UI/API on 16686/16685 with base path, a nop pipeline, no receivers that accept spans', () => {
    const q = renderJaegerConfig({
      role: 'query',
      storage: remote,
      remoteStorageEndpoint: 'jaeger-remote-storage:17271',
      basePath: '/jaeger',
    }) as Obj;
    expect(q.extensions.jaeger_query).toEqual({
      storage: { traces: 'trace_storage' },
      base_path: '/jaeger',
      http: { endpoint: '0.0.0.0:16686' },
      grpc: { endpoint: '0.0.0.0:16685' },
    });
    expect(q.receivers).toEqual({ nop: {} });
    expect(q.service.pipelines.traces).toEqual({ receivers: ['nop'], processors: ['batch'], exporters: ['nop'] });
    expect(q.extensions.remote_sampling).toBeUndefined();
  });

  test('allInOne keeps a bounded memory store', () => {
    const a = renderJaegerConfig({ role: 'allInOne', storage: { type: 'memory', maxTraces: 5000 } }) as Obj;
    expect(a.extensions.jaeger_storage.backends.trace_storage).toEqual({ memory: { max_traces: 5000 } });
    expect(a.extensions.jaeger_query).toBeDefined();
    expect(a.extensions.remote_sampling).toBeDefined();
  });

  test('the grpc backend has the shape of upstream config-remote-storage.yaml', () => {
    const upstream = reference('cmd_jaeger_config-remote-storage.yaml').extensions.jaeger_storage.backends['some-storage'].grpc;
    const ours = storageBackend({ storage: remote, remoteStorageEndpoint: 'jaeger-remote-storage:17271' }).grpc as Obj;
    expect(ours.tls).toEqual(upstream.tls);
    expect(Object.keys(ours).every((k) => k in upstream)).toBe(true);
  });

  test.each([
    ['elasticsearch', 'cmd_jaeger_config-elasticsearch.yaml'],
    ['opensearch', 'cmd_jaeger_config-opensearch.yaml'],
  ] as const)('the %s backend uses the keys of upstream %s', (type, file) => {
    const upstream = reference(file).extensions.jaeger_storage.backends.some_storage[type];
    const ours = storageBackend({ storage: { type, serverUrls: ['http://es:9200'], indexPrefix: 'jaeger', shards: 1, indexReplicas: 0 } })[
      type
    ] as Obj;
    expect(ours.server_urls).toEqual(['http://es:9200']);
    expect(Object.keys(ours).sort()).toEqual(['indices', 'server_urls']);
    expect(Object.keys(ours.indices).sort()).toEqual(Object.keys(upstream.indices).sort());
    expect(Object.keys(ours.indices.spans).sort()).toEqual(Object.keys(upstream.indices.spans).sort());
  });

  test('the cassandra backend uses the keys of upstream config-cassandra.yaml', () => {
    const upstream = reference('cmd_jaeger_config-cassandra.yaml').extensions.jaeger_storage.backends.some_storage.cassandra;
    const ours = storageBackend({
      storage: { type: 'cassandra', servers: ['cassandra.db:9042'], keyspace: 'jaeger_v1_dc1', createSchema: false },
    }).cassandra as Obj;
    expect(Object.keys(ours).sort()).toEqual(Object.keys(upstream).sort());
    expect(ours.connection.servers).toEqual(['cassandra.db:9042']);
    expect(ours.schema).toEqual({ keyspace: 'jaeger_v1_dc1', create: false });
  });

  test('in-cluster OpenSearch URL is used when no serverUrls are given', () => {
    expect(
      storageBackend({
        storage: { type: 'opensearch', serverUrls: [], indexPrefix: 'j', shards: 1, indexReplicas: 0 },
        inClusterSearchUrl: 'http://opensearch:9200',
      }),
    ).toMatchObject({ opensearch: { server_urls: ['http://opensearch:9200'] } });
    expect(() =>
      storageBackend({ storage: { type: 'opensearch', serverUrls: [], indexPrefix: 'j', shards: 1, indexReplicas: 0 } }),
    ).toThrow(/needs serverUrls/);
    expect(() => storageBackend({ storage: remote })).toThrow(/needs remoteStorageEndpoint/);
  });

  test('remote-storage config has the shape of upstream cmd/remote-storage/config.yaml, bound to 0.0.0.0', () => {
    const upstream = reference('cmd_remote-storage_config.yaml');
    const ours = renderRemoteStorageConfig(20000) as Obj;
    expect(Object.keys(ours).sort()).toEqual(Object.keys(upstream).sort());
    expect(ours.grpc).toEqual({ endpoint: '0.0.0.0:17271' });
    expect(ours.storage.backends['default-storage']).toEqual({ memory: { max_traces: 20000 } });
  });
});

describe('renderSamplingStrategies', () => {
  test('Jaeger file format: default strategy plus per-service and per-operation strategies', () => {
    expect(
      renderSamplingStrategies({
        defaultProbability: 0.5,
        services: [
          { service: 'frontend', type: 'probabilistic', param: 1, operations: [{ operation: 'GET /health', probability: 0 }] },
          { service: 'batch', type: 'ratelimiting', param: 10, operations: [] },
        ],
      }),
    ).toEqual({
      default_strategy: { type: 'probabilistic', param: 0.5 },
      service_strategies: [
        {
          service: 'frontend',
          type: 'probabilistic',
          param: 1,
          operation_strategies: [{ operation: 'GET /health', type: 'probabilistic', param: 0 }],
        },
        { service: 'batch', type: 'ratelimiting', param: 10 },
      ],
    });
  });
});
