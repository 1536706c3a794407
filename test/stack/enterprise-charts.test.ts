/**
 * Each enterprise capability through the real stack: config → buildStack → check, plus targeted
 * assertions on the objects the capability is about, and negative controls (a tampered object is
 * caught by check).
 */
import { parse as load } from 'yaml';
import { parseConfig } from '../../src/config/load';
import { buildAndCheck } from '../../src/stack/synthesize';
import { checkManifests, type ManifestDoc } from '../../src/check/index';
import { layoutFromFiles } from '../../src/cluster/dist-layout';
import { accessLines, laneInputProblems } from '../../src/cluster/plan';
import { INSTALL_FILES, laneInput } from '../cluster/support/fixtures';

type Obj = Record<string, any>;

async function build(raw: Record<string, unknown>) {
  const { stack, findings } = await buildAndCheck(parseConfig(raw, 'test'));
  const find = (kind: string, name: string): Obj | undefined =>
    stack.docs.find((d) => d.object.kind === kind && (d.object.metadata as Obj).name === name)?.object as Obj | undefined;
  const get = (kind: string, name: string): Obj => {
    const o = find(kind, name);
    if (!o)
      throw new Error(
        `no ${kind} ${name}; have ${stack.docs.map((d) => `${String(d.object.kind)}/${String((d.object.metadata as Obj).name)}`).join(' ')}`,
      );
    return o;
  };
  const jaegerConfig = (cm: string): Obj => load(get('ConfigMap', cm).data['config.yaml']) as Obj;
  return { stack, findings, errors: findings.filter((f) => f.severity === 'error'), find, get, jaegerConfig };
}

const ES_PROD = {
  profile: 'production',
  jaeger: {
    storage: { type: 'elasticsearch', serverUrls: ['https://es-prod.example.com:9200'], indexPrefix: 'mesh', shards: 3, indexReplicas: 1 },
  },
  storageOps: {
    credentials: { username: { name: 'jaeger-es', key: 'username' }, password: { name: 'jaeger-es', key: 'password' } },
    tls: { ca: { name: 'jaeger-es-ca' } },
    rollover: { enabled: true },
    indexCleaner: { enabled: true, numberOfDays: 14 },
  },
};

describe('compliance and privacy', () => {
  test('production: NetworkPolicies on by default, explicit rules, the UI reachable from no other namespace', async () => {
    // GIVEN the production profile WHEN built
    const { errors, get, find } = await build({ profile: 'production' });
    expect(errors).toEqual([]);
    // THEN the collector admits span ports only from the sender namespaces
    const collector = get('NetworkPolicy', 'jaeger-collector-ingress');
    expect(collector.spec.policyTypes).toEqual(['Ingress']);
    expect(collector.spec.podSelector.matchLabels['app.kubernetes.io/component']).toBe('collector');
    const senders = collector.spec.ingress[0];
    expect(senders.from[0].namespaceSelector.matchExpressions[0]).toEqual({
      key: 'kubernetes.io/metadata.name',
      operator: 'In',
      values: ['istio-system', 'traefik'],
    });
    expect(senders.ports.map((p: Obj) => p.port)).toEqual([4317, 4318, 9411, 5778, 5779]);
    // AND no rule admits 16686/16685 to the query pods (port-forward is not filtered by NetworkPolicy)
    const query = get('NetworkPolicy', 'jaeger-query-ingress');
    expect(query.spec.ingress.length).toBeGreaterThan(0); // never an empty (deny-all-by-accident) policy
    expect(JSON.stringify(query.spec.ingress)).not.toMatch(/1668[56]/);
    expect(find('NetworkPolicy', 'jaeger-ingester-ingress')).toBeUndefined();
    // AND the query Service stays ClusterIP
    expect(get('Service', 'jaeger-query').spec.type).toBe('ClusterIP');
  });

  test('lab with policies: every sender namespace of the stack is admitted (check MT011 agrees); dropping one is caught', async () => {
    const { errors, stack, get } = await build({ security: { networkPolicies: { enabled: true, senderNamespaces: ['payments'] } } });
    expect(errors).toEqual([]);
    const policy = get('NetworkPolicy', 'jaeger-collector-ingress');
    expect(policy.spec.ingress[0].from[0].namespaceSelector.matchExpressions[0].values).toEqual([
      'bookinfo',
      'hotrod',
      'istio-system',
      'payments',
      'relay',
      'traefik',
    ]);
    expect(get('NetworkPolicy', 'jaeger-remote-storage-ingress').spec.ingress[0].ports).toEqual([{ protocol: 'TCP', port: 17271 }]);
    // WHEN the hotrod namespace is removed from the policy THEN check reports the blocked sender
    const tampered: ManifestDoc[] = stack.docs.map((d) => {
      if (d.object.kind !== 'NetworkPolicy' || (d.object.metadata as Obj).name !== 'jaeger-collector-ingress') return d;
      const o = structuredClone(d.object) as Obj;
      o.spec.ingress[0].from[0].namespaceSelector.matchExpressions[0].values = ['bookinfo', 'istio-system', 'relay', 'traefik'];
      return { ...d, object: o };
    });
    const findings = await checkManifests(tampered, { installDocs: stack.installDocs });
    expect(
      findings
        .filter((f) => f.rule === 'MT011' && f.severity === 'error')
        .map((f) => f.message)
        .join('\n'),
    ).toMatch(/hotrod/);
  });

  test('a relay hop configured to write a credential on every span fails synth (MT012), a harmless attribute does not', async () => {
    const hops = (spanAttributes: Record<string, string>) => ({
      relay: { hops: [{ name: 'edge', upstreams: ['b'], spanAttributes }, { name: 'b' }] },
    });
    const bad = await build(hops({ 'deployment.environment': 'lab', 'http.request.header.x-api-key': 'k-29f8a7c6' }));
    expect(bad.errors.map((f) => `${f.rule} ${f.object}: ${f.message}`)).toEqual([
      expect.stringMatching(
        /^MT012 Deployment relay\/edge: relay span attribute "http\.request\.header\.x-api-key".*names the x-api-key header/,
      ),
    ]);
    expect(JSON.stringify(bad.errors)).not.toContain('k-29f8a7c6');
    expect((await build(hops({ 'deployment.environment': 'lab' }))).errors).toEqual([]);
  });

  test('oauth2-proxy: ClusterIP jaeger-ui, secrets only as secretKeyRef, the only way to 16686 through the policy', async () => {
    const { errors, get, findings } = await build({
      profile: 'production',
      security: {
        oauth2Proxy: {
          clientId: 'jaeger-ui',
          oidcIssuerUrl: 'https://sso.example.com/realms/main',
          clientSecret: { name: 'jaeger-ui-oauth', key: 'client-secret' },
          cookieSecret: { name: 'jaeger-ui-oauth', key: 'cookie-secret' },
        },
      },
    });
    expect(errors).toEqual([]);
    const svc = get('Service', 'jaeger-ui');
    expect(svc.spec.type).toBe('ClusterIP');
    const container = get('Deployment', 'jaeger-ui-oauth2-proxy').spec.template.spec.containers[0];
    expect(container.image).toMatch(/^quay\.io\/oauth2-proxy\/oauth2-proxy:v\d+\.\d+\.\d+$/);
    expect(container.env).toEqual(
      expect.arrayContaining([
        { name: 'OAUTH2_PROXY_CLIENT_SECRET', valueFrom: { secretKeyRef: { name: 'jaeger-ui-oauth', key: 'client-secret' } } },
      ]),
    );
    expect(container.args).toEqual(
      expect.arrayContaining([
        '--upstream=http://jaeger-query:16686/',
        '--oidc-issuer-url=https://sso.example.com/realms/main',
        '--cookie-secure=true',
      ]),
    );
    expect(container.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    const query = get('NetworkPolicy', 'jaeger-query-ingress');
    expect(query.spec.ingress[0]).toEqual({
      from: [{ podSelector: { matchLabels: expect.objectContaining({ 'app.kubernetes.io/name': 'oauth2-proxy' }) } }],
      ports: [{ protocol: 'TCP', port: 16686 }],
    });
    // check lists the Secret to create (info), with both keys
    expect(findings.find((f) => f.rule === 'enterprise/secret-ref' && /jaeger-ui-oauth/.test(f.message))?.message).toMatch(
      /keys client-secret, cookie-secret/,
    );
  });
});

describe('alerting on traces (SPM)', () => {
  test('spanmetrics on the collector, metric_backends on query, PrometheusRule with the configured thresholds', async () => {
    const { errors, get, jaegerConfig } = await build({
      spm: { enabled: true, alerts: { errorRatePercent: 2.5, p95LatencyMs: 750, ruleLabels: { release: 'prometheus' } } },
    });
    expect(errors).toEqual([]);
    const c = jaegerConfig('jaeger-collector-config');
    expect(c.service.pipelines['metrics/spanmetrics']).toEqual({ receivers: ['spanmetrics'], exporters: ['prometheus'] });
    const q = jaegerConfig('jaeger-query-config');
    expect(q.extensions.jaeger_query.storage.metrics).toBe('spm_metrics');
    expect(q.extensions.jaeger_storage.metric_backends.spm_metrics.prometheus.endpoint).toBe(
      'http://prometheus-operated.monitoring.svc.cluster.local:9090',
    );
    const rule = get('PrometheusRule', 'meshtrace-span-metrics');
    expect(rule.metadata.labels.release).toBe('prometheus');
    const [errorRate, latency] = rule.spec.groups[0].rules;
    expect(errorRate.expr).toContain('> 2.5)');
    expect(errorRate.expr).toContain('status_code="STATUS_CODE_ERROR"');
    expect(latency.expr).toContain('histogram_quantile(0.95');
    expect(latency.expr).toContain('> 750)');
    // the metrics port is declared on the collector pod and published by its own Service
    const ports = get('Deployment', 'jaeger-collector').spec.template.spec.containers[0].ports;
    expect(ports).toEqual(expect.arrayContaining([expect.objectContaining({ containerPort: 8889 })]));
    expect(get('Service', 'jaeger-collector-spanmetrics').spec.ports[0].port).toBe(8889);
    expect(get('ServiceMonitor', 'jaeger-collector-spanmetrics').spec.endpoints[0].port).toBe('http-spanmetrics');
    // the collector's contract Service keeps exactly its ports
    expect(get('Service', 'jaeger-collector').spec.ports.map((p: Obj) => p.name)).not.toContain('http-spanmetrics');
  });

  test('a config hash change rolls the pods; alerts can be turned off while keeping the metrics', async () => {
    const plain = await build({});
    const spm = await build({ spm: { enabled: true, alerts: { enabled: false } } });
    const sha = (b: typeof plain) =>
      b.get('Deployment', 'jaeger-collector').spec.template.metadata.annotations['meshtrace.dev/config-sha256'];
    expect(sha(spm)).not.toBe(sha(plain));
    expect(spm.find('PrometheusRule', 'meshtrace-span-metrics')).toBeUndefined();
    expect(spm.find('ServiceMonitor', 'jaeger-collector-spanmetrics')).toBeDefined();
  });

  test('a PrometheusRule that breaks the prometheus-operator schema is an error of check', async () => {
    const { stack } = await build({ spm: { enabled: true } });
    const broken = stack.docs.map((d) =>
      d.object.kind === 'PrometheusRule'
        ? { ...d, object: { ...d.object, spec: { groups: [{ rules: [{ alert: 'x', expr: 'up' }] }] } } }
        : d,
    );
    const findings = await checkManifests(broken, { installDocs: stack.installDocs });
    expect(
      findings.some((f) => f.rule === 'schema' && f.object?.startsWith('PrometheusRule') && /name/.test(`${f.field} ${f.message}`)),
    ).toBe(true);
  });
});

describe('long-term storage at scale', () => {
  test('external Elasticsearch: TLS + credentials from Secrets, index prefix, rollover/lookback/cleaner CronJobs on the Jaeger tag', async () => {
    const { errors, get, jaegerConfig, stack } = await build(ES_PROD);
    expect(errors).toEqual([]);
    const es = jaegerConfig('jaeger-collector-config').extensions.jaeger_storage.backends.trace_storage.elasticsearch;
    expect(es.indices.index_prefix).toBe('mesh');
    expect(es.use_aliases).toBe(true);
    expect(es.tls.ca_file).toBe('/etc/meshtrace/storage-ca/ca.crt');
    for (const name of ['jaeger-collector', 'jaeger-query']) {
      const pod = get('Deployment', name).spec.template.spec;
      expect(pod.containers[0].env).toEqual(
        expect.arrayContaining([
          { name: 'MESHTRACE_STORAGE_PASSWORD', valueFrom: { secretKeyRef: { name: 'jaeger-es', key: 'password' } } },
        ]),
      );
      expect(pod.volumes).toEqual(
        expect.arrayContaining([expect.objectContaining({ secret: expect.objectContaining({ secretName: 'jaeger-es-ca' }) })]),
      );
    }
    const jaegerTag = get('Deployment', 'jaeger-collector').spec.template.spec.containers[0].image.split(':')[1];
    for (const name of ['jaeger-es-rollover', 'jaeger-es-lookback', 'jaeger-es-index-cleaner']) {
      const job = get('CronJob', name);
      const c = job.spec.jobTemplate.spec.template.spec.containers[0];
      expect(c.image.split(':')[1]).toBe(jaegerTag);
      expect(c.env).toEqual(
        expect.arrayContaining([
          { name: 'INDEX_PREFIX', value: 'mesh' },
          { name: 'ES_PASSWORD', valueFrom: { secretKeyRef: { name: 'jaeger-es', key: 'password' } } },
        ]),
      );
      expect(job.spec.concurrencyPolicy).toBe('Forbid');
    }
    expect(get('CronJob', 'jaeger-es-index-cleaner').spec.jobTemplate.spec.template.spec.containers[0].args).toEqual([
      '14',
      'https://es-prod.example.com:9200',
    ]);
    expect(get('Job', 'jaeger-es-rollover-init').spec.template.spec.containers[0].args).toEqual([
      'init',
      'https://es-prod.example.com:9200',
    ]);
    // never a credential value anywhere in the output
    expect(stack.files.map((f) => f.content).join('\n')).not.toMatch(/password:\s*\S+[^}]$/m);
  });

  test('Cassandra with the schema Job (production replication), credentials from a Secret', async () => {
    const { errors, get } = await build({
      profile: 'production',
      jaeger: {
        storage: { type: 'cassandra', servers: ['cassandra.db.svc.cluster.local:9042'], keyspace: 'jaeger_prod', createSchema: false },
      },
      storageOps: {
        cassandraSchema: { enabled: true, replicationFactor: 3, traceTtlDays: 7 },
        credentials: { username: { name: 'cass', key: 'user' }, password: { name: 'cass', key: 'pass' } },
      },
    });
    expect(errors).toEqual([]);
    const env = get('Job', 'jaeger-cassandra-schema').spec.template.spec.containers[0].env;
    expect(env).toEqual(
      expect.arrayContaining([
        { name: 'MODE', value: 'prod' },
        { name: 'KEYSPACE', value: 'jaeger_prod' },
        { name: 'TRACE_TTL', value: String(7 * 86400) },
        { name: 'CASSANDRA_PASSWORD', valueFrom: { secretKeyRef: { name: 'cass', key: 'pass' } } },
      ]),
    );
  });

  test('Kafka: collectors produce, the ingester consumes the same topic into the store; a tampered topic is an error of check', async () => {
    const { errors, stack, get, jaegerConfig } = await build({
      ...ES_PROD,
      kafka: { enabled: true, brokers: ['kafka-0.kafka.svc.cluster.local:9092'], topic: 'mesh-spans', ingester: { replicas: 3 } },
    });
    expect(errors).toEqual([]);
    expect(jaegerConfig('jaeger-collector-config').exporters.kafka.traces.topic).toBe('mesh-spans');
    const ingester = jaegerConfig('jaeger-ingester-config');
    expect(ingester.receivers.kafka.traces.topics).toEqual(['mesh-spans']);
    expect(ingester.extensions.jaeger_storage.backends.trace_storage.elasticsearch.auth.basic.password).toBe(
      '${env:MESHTRACE_STORAGE_PASSWORD}',
    );
    expect(get('Deployment', 'jaeger-ingester').spec.replicas).toBe(3);
    // the collector no longer needs the store's credentials
    expect(JSON.stringify(get('Deployment', 'jaeger-collector').spec.template.spec.containers[0].env ?? [])).not.toContain(
      'MESHTRACE_STORAGE_PASSWORD',
    );
    const tampered = stack.docs.map((d) => {
      if (d.object.kind !== 'ConfigMap' || (d.object.metadata as Obj).name !== 'jaeger-ingester-config') return d;
      const o = structuredClone(d.object) as Obj;
      o.data['config.yaml'] = o.data['config.yaml'].replace('- mesh-spans', '- jaeger-spans');
      return { ...d, object: o };
    });
    const findings = await checkManifests(tampered, { installDocs: stack.installDocs });
    expect(findings.find((f) => f.rule === 'enterprise/kafka')?.message).toMatch(
      /produces to topic "mesh-spans" but the ingester\(s\) consume "jaeger-spans"/,
    );
  });
});

describe('multi-cluster', () => {
  test('an edge cluster: no Jaeger, the edge collector is jaeger-collector, stamps k8s.cluster.name, forwards OTLP', async () => {
    const { errors, find, get, jaegerConfig, stack } = await build({
      multicluster: {
        clusterName: 'west',
        centralCollector: { endpoint: 'otlp.central.example.com:4317', tls: { ca: { name: 'central-ca' } } },
      },
    });
    expect(errors).toEqual([]);
    expect(find('Deployment', 'jaeger-query')).toBeUndefined();
    expect(find('Deployment', 'jaeger-collector')).toBeUndefined();
    const svc = get('Service', 'jaeger-collector');
    expect(svc.spec.selector['app.kubernetes.io/component']).toBe('edge-collector');
    expect(svc.spec.ports.map((p: Obj) => p.port)).toEqual([4317, 4318, 9411]);
    const cfg = jaegerConfig('edge-collector-config');
    expect(cfg.processors['resource/cluster'].attributes).toEqual([{ key: 'k8s.cluster.name', value: 'west', action: 'upsert' }]);
    expect(cfg.exporters['otlp/central']).toMatchObject({
      endpoint: 'otlp.central.example.com:4317',
      tls: { insecure: false, ca_file: '/etc/meshtrace/central-ca/ca.crt' },
    });
    // every provider still points at jaeger-collector.observability, i.e. at the edge collector
    const everything = stack.files.map((f) => f.content).join('\n');
    expect(everything).toMatch(/jaeger-collector\.observability\.svc\.cluster\.local/);
    const relayEnv = JSON.stringify(get('Deployment', 'edge').spec.template.spec.containers);
    expect(relayEnv).toContain('jaeger-collector.observability.svc.cluster.local:4318');
  });

  test('the cluster lane on an edge: access notes point at the central Jaeger, smoke is refused with the reason', async () => {
    // GIVEN the synthesized edge cluster as the lane reads it (the top-level files kubectl applies)
    const { stack } = await build({
      multicluster: { clusterName: 'west', centralCollector: { endpoint: 'otlp.central.example.com:4317' } },
    });
    const applied = stack.files.filter((f) => !f.path.includes('/')).map((f) => ({ path: `dist/${f.path}`, text: f.content }));
    const dist = { ...layoutFromFiles('dist', applied, INSTALL_FILES) };
    // WHEN `up` prints how to reach the stack THEN there is no jaeger-query port-forward (no such Service here)
    const lines = accessLines(laneInput({ dist }));
    expect(lines.some((l) => l.includes('jaeger-query'))).toBe(false);
    expect(lines[0]).toBe(
      "# Traces: this cluster runs no Jaeger: its edge collector (Deployment edge-collector) forwards every span to the central collector; open the central cluster's Jaeger UI",
    );
    // AND `up` may run there, `smoke` (which verifies against this cluster's Jaeger) may not
    expect(laneInputProblems(laneInput({ dist }), 'up')).toEqual([]);
    expect(laneInputProblems(laneInput({ dist }), 'smoke')).toEqual([
      "dist/ has no Service observability/jaeger-query: this stack runs no Jaeger of its own (a multi-cluster edge: its spans go to the central collector), and smoke verifies traces in this cluster's Jaeger; run smoke with a config that includes Jaeger (e.g. the central cluster's), `up` for an edge",
    ]);
    // AND the default stack keeps its Jaeger UI line and passes both checks
    const plain = await build({});
    const plainDist = layoutFromFiles(
      'dist',
      plain.stack.files.filter((f) => !f.path.includes('/')).map((f) => ({ path: `dist/${f.path}`, text: f.content })),
      INSTALL_FILES,
    );
    expect(accessLines(laneInput({ dist: plainDist }))[0]).toBe('# Jaeger UI: http://127.0.0.1:16686/ while this port-forward runs');
    expect(laneInputProblems(laneInput({ dist: plainDist }), 'smoke')).toEqual([]);
  });

  test('OTLP/HTTP to the central collector over https', async () => {
    const { errors, jaegerConfig } = await build({
      multicluster: { clusterName: 'east', centralCollector: { endpoint: 'https://otlp.central.example.com:4318', protocol: 'http' } },
    });
    expect(errors).toEqual([]);
    expect(jaegerConfig('edge-collector-config').exporters['otlphttp/central']).toMatchObject({
      endpoint: 'https://otlp.central.example.com:4318',
      tls: { insecure_skip_verify: false },
    });
  });
});

describe('bad enterprise configs are refused with the field, the value and what is allowed', () => {
  test.each([
    [
      { storageOps: { rollover: { enabled: true } } },
      /storageOps\.rollover\.enabled.*needs jaeger\.storage\.type elasticsearch or opensearch \(got remoteStorage\)/,
    ],
    [{ kafka: { enabled: true } }, /kafka\.brokers.*is empty; allowed: one or more host:port/],
    [
      { kafka: { enabled: true, brokers: ['kafka:9092'] }, jaeger: { topology: 'allInOne' } },
      /kafka\.enabled.*needs jaeger\.topology split/,
    ],
    [{ kafka: { enabled: true, brokers: ['kafka'] } }, /kafka\.brokers\[0\].*is not a broker address; allowed: host:port/],
    [{ multicluster: { centralCollector: { endpoint: 'hub:4317' } } }, /multicluster\.clusterName.*is required with centralCollector/],
    [
      { multicluster: { clusterName: 'west', centralCollector: { endpoint: 'http://hub:4318', protocol: 'http' } } },
      /is plain http while tls\.enabled is true/,
    ],
    [
      { multicluster: { clusterName: 'West_1', centralCollector: { endpoint: 'hub:4317' } } },
      /multicluster\.clusterName.*is not a cluster name/,
    ],
    [
      { multicluster: { clusterName: 'west', centralCollector: { endpoint: 'hub:4317' } }, spm: { enabled: true } },
      /spm\.enabled.*enable spm in the central cluster/,
    ],
    [{ profile: 'production', storageOps: { tls: {} } }, /serverUrls\[0\].*is plain http while storageOps\.tls is set/],
    [
      { security: { oauth2Proxy: { clientId: 'x', clientSecret: { name: 's', key: 'a' }, cookieSecret: { name: 's', key: 'b' } } } },
      /oauth2Proxy\.oidcIssuerUrl.*is missing/,
    ],
    [{ spm: { alerts: { for: '10 minutes' } } }, /spm\.alerts\.for.*is not a duration/],
    [
      {
        storageOps: { credentials: { username: { name: 'Bad_Name', key: 'u' }, password: { name: 's', key: 'p' } } },
        jaeger: { storage: { type: 'cassandra', servers: ['c:9042'] } },
      },
      /storageOps\.credentials\.username\.name.*is not a Secret name/,
    ],
  ])('%j', (raw, message) => {
    expect(() => parseConfig(raw, 'test')).toThrow(message);
  });
});
