import { Testing } from 'cdk8s';
import { parse as load } from 'yaml';
import { Jaeger, type JaegerProps } from '../../../src/constructs/jaeger/jaeger';
import { JaegerAllInOne } from '../../../src/constructs/jaeger/jaeger-all-in-one';
import { JaegerCollector } from '../../../src/constructs/jaeger/jaeger-collector';
import { JaegerQuery } from '../../../src/constructs/jaeger/jaeger-query';
import { JaegerRemoteStorage } from '../../../src/constructs/jaeger/jaeger-remote-storage';
import { OpenSearchSingleNode } from '../../../src/constructs/jaeger/opensearch-single-node';

type Obj = Record<string, any>;

function synth(build: (chart: ReturnType<typeof Testing.chart>) => void): Obj[] {
  const chart = Testing.chart();
  build(chart);
  return Testing.synth(chart) as Obj[];
}
const find = (objs: Obj[], kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name);
const ports = (svc: Obj) => svc.spec.ports.map((p: Obj) => `${p.name}:${p.port}->${p.targetPort}`);

/** Pod Security "restricted", as the admission plugin checks it. */
function expectRestricted(workload: Obj) {
  const pod = workload.spec.template.spec;
  expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
  expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
  for (const v of pod.volumes ?? [])
    expect(Object.keys(v).filter((k) => k !== 'name')).toEqual([
      expect.stringMatching(/^(configMap|emptyDir|persistentVolumeClaim|secret|projected|downwardAPI)$/),
    ]);
  for (const c of pod.containers) {
    expect(c.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      privileged: false,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(c.imagePullPolicy).toBe('IfNotPresent');
    expect(c.resources.requests).toBeDefined();
    expect(c.resources.limits).toBeDefined();
  }
}

const COLLECTOR_PORTS = [
  'grpc-otlp:4317->4317',
  'http-otlp:4318->4318',
  'http-zipkin:9411->9411',
  'http-sampling:5778->5778',
  'grpc-sampling:5779->5779',
];
const QUERY_PORTS = ['http-query:16686->16686', 'grpc-query:16685->16685'];

describe('Jaeger split (default)', () => {
  const objs = synth((c) => new Jaeger(c, 'Jaeger'));

  test('collector, query and remote storage Deployments with the stable Service names and protocol-prefixed ports', () => {
    expect(
      objs
        .filter((o) => o.kind === 'Deployment')
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(['jaeger-collector', 'jaeger-query', 'jaeger-remote-storage']);
    expect(ports(find(objs, 'Service', 'jaeger-collector')!)).toEqual(COLLECTOR_PORTS);
    expect(ports(find(objs, 'Service', 'jaeger-query')!)).toEqual(QUERY_PORTS);
    expect(ports(find(objs, 'Service', 'jaeger-remote-storage')!)).toEqual(['grpc-storage:17271->17271']);
    for (const svc of objs.filter((o) => o.kind === 'Service')) expect(svc.spec.type).toBe('ClusterIP');
  });

  test('every Service selects the pods of exactly one Deployment', () => {
    const deployments = objs.filter((o) => o.kind === 'Deployment');
    for (const svc of objs.filter((o) => o.kind === 'Service')) {
      const matching = deployments.filter((d) =>
        Object.entries(svc.spec.selector).every(([k, v]) => d.spec.template.metadata.labels[k] === v),
      );
      expect([svc.metadata.name, matching.map((d) => d.metadata.name)]).toEqual([svc.metadata.name, [svc.metadata.name]]);
    }
  });

  test('collector and query read the same storage, through jaeger-remote-storage', () => {
    for (const name of ['jaeger-collector', 'jaeger-query']) {
      const config = load(find(objs, 'ConfigMap', `${name}-config`)!.data['config.yaml']) as Obj;
      expect(config.extensions.jaeger_storage.backends.trace_storage.grpc.endpoint).toBe('jaeger-remote-storage:17271');
    }
  });

  test('Jaeger pods: restricted, out of the mesh, probes GET /status on 13133, config mounted and passed with --config', () => {
    for (const dep of objs.filter((o) => o.kind === 'Deployment')) {
      expectRestricted(dep);
      expect(dep.spec.template.metadata.labels['sidecar.istio.io/inject']).toBe('false');
    }
    for (const name of ['jaeger-collector', 'jaeger-query']) {
      const c = find(objs, 'Deployment', name)!.spec.template.spec.containers[0];
      expect(c.image).toBe('jaegertracing/jaeger:2.20.0');
      expect(c.args).toEqual(['--config', '/etc/jaeger/config.yaml']);
      expect(c.readinessProbe.httpGet).toEqual({ path: '/status', port: 13133, scheme: 'HTTP' });
      expect(c.livenessProbe.httpGet).toEqual({ path: '/status', port: 13133, scheme: 'HTTP' });
      expect(c.ports).toEqual(
        expect.arrayContaining([
          { containerPort: 8888, name: 'http-metrics' },
          { containerPort: 13133, name: 'http-health' },
        ]),
      );
      expect(c.volumeMounts).toEqual(
        expect.arrayContaining([
          { mountPath: '/etc/jaeger', name: 'config', readOnly: true },
          { mountPath: '/tmp', name: 'tmp' },
        ]),
      );
      expect(c.securityContext.runAsUser).toBe(10001);
    }
  });

  test('a config change rolls the pods (checksum annotation follows the ConfigMap)', () => {
    const other = synth((c) => new Jaeger(c, 'Jaeger', { sampling: { defaultProbability: 0.5, services: [] } }));
    const sum = (o: Obj[]) => find(o, 'Deployment', 'jaeger-collector')!.spec.template.metadata.annotations['meshtrace.dev/config-sha256'];
    expect(sum(objs)).toMatch(/^[0-9a-f]{64}$/);
    expect(sum(other)).not.toBe(sum(objs));
  });

  test('defaults snapshot', () => {
    expect(objs).toMatchSnapshot();
  });
});

describe('Jaeger allInOne', () => {
  const objs = synth((c) => new Jaeger(c, 'Jaeger', { topology: 'allInOne' }));

  test('one Deployment "jaeger", still published as jaeger-collector and jaeger-query', () => {
    expect(objs.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name)).toEqual(['jaeger']);
    expect(find(objs, 'Deployment', 'jaeger')!.spec.replicas).toBe(1);
    expect(ports(find(objs, 'Service', 'jaeger-collector')!)).toEqual(COLLECTOR_PORTS);
    expect(ports(find(objs, 'Service', 'jaeger-query')!)).toEqual(QUERY_PORTS);
    expectRestricted(find(objs, 'Deployment', 'jaeger')!);
  });

  test('memory store with a bounded max_traces', () => {
    const config = load(find(objs, 'ConfigMap', 'jaeger-config')!.data['config.yaml']) as Obj;
    expect(config.extensions.jaeger_storage.backends.trace_storage).toEqual({ memory: { max_traces: 100000 } });
  });

  test('refuses remote storage', () => {
    expect(() =>
      synth(
        (c) =>
          new JaegerAllInOne(c, 'J', {
            storage: {
              type: 'remoteStorage',
              image: 'x:1',
              maxTraces: 1000,
              resources: { cpuRequest: '1m', cpuLimit: '1m', memoryRequest: '1Mi', memoryLimit: '1Mi' },
            },
          }),
      ),
    ).toThrow(/is for the split topology; allowed: memory/);
  });

  test('defaults snapshot', () => {
    expect(objs).toMatchSnapshot();
  });
});

describe('Jaeger production shape: external Elasticsearch, HPA + PDB', () => {
  const props: JaegerProps = {
    storage: { type: 'elasticsearch', serverUrls: ['http://es.elastic:9200'], indexPrefix: 'jaeger', shards: 3, indexReplicas: 1 },
    collector: {
      replicas: 2,
      resources: { cpuRequest: '500m', cpuLimit: '2', memoryRequest: '512Mi', memoryLimit: '2Gi' },
      autoscaling: { minReplicas: 2, maxReplicas: 6, targetCpuUtilizationPercentage: 75 },
      podDisruptionBudget: { minAvailable: 1 },
    },
  };
  const objs = synth((c) => new Jaeger(c, 'Jaeger', props));

  test('no remote storage; both roles point at Elasticsearch', () => {
    expect(find(objs, 'Deployment', 'jaeger-remote-storage')).toBeUndefined();
    const config = load(find(objs, 'ConfigMap', 'jaeger-query-config')!.data['config.yaml']) as Obj;
    expect(config.extensions.jaeger_storage.backends.trace_storage.elasticsearch.server_urls).toEqual(['http://es.elastic:9200']);
  });

  test('HPA 2-6 on CPU 75 % owns the replica count; PDB keeps one collector', () => {
    const hpa = objs.find((o) => o.kind === 'HorizontalPodAutoscaler')!;
    expect(hpa.spec).toMatchObject({ minReplicas: 2, maxReplicas: 6, scaleTargetRef: { kind: 'Deployment', name: 'jaeger-collector' } });
    expect(hpa.spec.metrics[0].resource).toEqual({ name: 'cpu', target: { type: 'Utilization', averageUtilization: 75 } });
    expect(find(objs, 'Deployment', 'jaeger-collector')!.spec.replicas).toBeUndefined();
    const pdb = objs.find((o) => o.kind === 'PodDisruptionBudget')!;
    expect(pdb.spec).toEqual({
      minAvailable: 1,
      selector: { matchLabels: find(objs, 'Deployment', 'jaeger-collector')!.spec.selector.matchLabels },
    });
  });

  test('a PDB that would block every eviction is refused', () => {
    expect(() =>
      synth((c) => new JaegerCollector(c, 'C', { replicas: 1, podDisruptionBudget: { minAvailable: 1 }, storage: props.storage })),
    ).toThrow(/minAvailable 1 would block every eviction with 1 pod\(s\)/);
  });

  test('memory storage cannot back separate collector/query', () => {
    expect(() => synth((c) => new JaegerCollector(c, 'C', { storage: { type: 'memory', maxTraces: 1000 } }))).toThrow(/cannot be shared/);
    expect(() => synth((c) => new JaegerQuery(c, 'Q', { storage: { type: 'memory', maxTraces: 1000 } }))).toThrow(/private to one process/);
  });
});

describe('in-cluster OpenSearch for labs', () => {
  const objs = synth(
    (c) =>
      new Jaeger(c, 'Jaeger', {
        storage: {
          type: 'opensearch',
          serverUrls: [],
          indexPrefix: 'jaeger',
          shards: 1,
          indexReplicas: 0,
          inCluster: {
            image: 'opensearchproject/opensearch:2.19.2',
            storageSize: '5Gi',
            heap: '512m',
            resources: { cpuRequest: '250m', cpuLimit: '1', memoryRequest: '1Gi', memoryLimit: '1536Mi' },
          },
        },
      }),
  );

  test('one single-node StatefulSet with a 5Gi claim and a headless Service; Jaeger points at it', () => {
    const sts = find(objs, 'StatefulSet', 'opensearch')!;
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.serviceName).toBe('opensearch');
    expect(sts.spec.volumeClaimTemplates[0]).toMatchObject({
      metadata: { name: 'data' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } } },
    });
    expect(sts.spec.template.spec.volumes.map((v: Obj) => v.name).sort()).toEqual(['logs', 'tmp']);
    expect(find(objs, 'Service', 'opensearch')!.spec.clusterIP).toBe('None');
    // The governing Service selects exactly the StatefulSet's pods.
    expect(find(objs, 'Service', 'opensearch')!.spec.selector).toEqual(sts.spec.selector.matchLabels);
    expect(sts.spec.template.metadata.labels).toMatchObject(sts.spec.selector.matchLabels);
    const env = Object.fromEntries(sts.spec.template.spec.containers[0].env.map((e: Obj) => [e.name, e.value]));
    expect(env).toMatchObject({
      'discovery.type': 'single-node',
      DISABLE_SECURITY_PLUGIN: 'true',
      OPENSEARCH_JAVA_OPTS: '-Xms512m -Xmx512m',
    });
    expectRestricted(sts);
    const config = load(find(objs, 'ConfigMap', 'jaeger-collector-config')!.data['config.yaml']) as Obj;
    expect(config.extensions.jaeger_storage.backends.trace_storage.opensearch.server_urls).toEqual(['http://opensearch:9200']);
  });

  test('OpenSearchSingleNode defaults snapshot', () => {
    expect(synth((c) => new OpenSearchSingleNode(c, 'OS'))).toMatchSnapshot();
  });
});

describe('single constructs with defaults', () => {
  test.each([
    ['JaegerCollector', (c: ReturnType<typeof Testing.chart>) => new JaegerCollector(c, 'C')],
    ['JaegerQuery', (c: ReturnType<typeof Testing.chart>) => new JaegerQuery(c, 'Q')],
    ['JaegerRemoteStorage', (c: ReturnType<typeof Testing.chart>) => new JaegerRemoteStorage(c, 'R')],
  ])('%s snapshot', (_name, build) => {
    expect(synth(build)).toMatchSnapshot();
  });
});
