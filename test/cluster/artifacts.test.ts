import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectArtifacts, diagnosisText, podsForService, spanCounters } from '../../src/cluster/artifacts';
import { ClientNodeKube, podInfoOf } from '../../src/cluster/kube';
import type { CollectArtifactsStep } from '../../src/cluster/plan';
import { junitXml, summaryMarkdown, xmlEscape } from '../../src/cluster/reports';
import type { StepOutcome, VerifyOutcome } from '../../src/cluster/executor';
import { FakeKubeApi } from './support/fake-kube-api';
import { RecordingRunner, ok } from './support/fake-runner';

const pod = (ns: string, name: string, labels: Record<string, string>) =>
  podInfoOf({ metadata: { name, namespace: ns, labels }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } });

test('spanCounters keeps only the collector span counters', () => {
  const metrics = [
    '# HELP otelcol_receiver_refused_spans Number of spans that could not be pushed into the pipeline.',
    '# TYPE otelcol_receiver_refused_spans counter',
    'otelcol_receiver_refused_spans{receiver="otlp",transport="grpc"} 7',
    'otelcol_exporter_send_failed_spans{exporter="jaeger_storage_exporter"} 0',
    'process_cpu_seconds 3.2',
    'otelcol_receiver_accepted_metric_points 9',
  ].join('\n');
  expect(spanCounters(metrics).split('\n')).toEqual([
    '# HELP otelcol_receiver_refused_spans Number of spans that could not be pushed into the pipeline.',
    '# TYPE otelcol_receiver_refused_spans counter',
    'otelcol_receiver_refused_spans{receiver="otlp",transport="grpc"} 7',
    'otelcol_exporter_send_failed_spans{exporter="jaeger_storage_exporter"} 0',
  ]);
});

test('podsForService maps Istio `<app>.<namespace>` and plain service names to pods', () => {
  const pods = [
    pod('bookinfo', 'reviews-v2-abc', { app: 'reviews' }),
    pod('other', 'reviews-x', { app: 'reviews' }),
    pod('hotrod', 'hotrod-1', { 'app.kubernetes.io/name': 'hotrod' }),
    pod('relay', 'edge-5d9', {}),
  ];
  expect(podsForService('reviews.bookinfo', pods).map((p) => p.name)).toEqual(['reviews-v2-abc']);
  expect(podsForService('hotrod', pods).map((p) => p.name)).toEqual(['hotrod-1']);
  expect(podsForService('edge', pods).map((p) => p.name)).toEqual(['edge-5d9']);
  expect(podsForService('ratings.bookinfo', pods)).toEqual([]);
});

test('diagnosisText puts the first stop before the failed specs', () => {
  const outcomes: StepOutcome[] = [
    {
      step: { kind: 'run', cmd: 'helm', args: ['upgrade'], why: '' },
      status: 'error',
      message: 'helm upgrade failed (exit 1):\nError: timed out',
      durationMs: 1,
    },
  ];
  const verifications: VerifyOutcome[] = [
    {
      name: 'hotrod',
      spec: 'h.yaml',
      passed: false,
      durationMs: 1,
      traceIds: ['abc'],
      message: 'no trace',
      diagnosis: 'collector unreachable',
      failingServices: [],
    },
  ];
  const text = diagnosisText(outcomes, verifications);
  expect(text.indexOf('## could not run: helm upgrade')).toBeLessThan(text.indexOf('## spec hotrod failed (h.yaml)'));
  expect(text).toContain('collector unreachable');
  expect(text).toContain('trace ids: abc');
});

test('JUnit escapes XML and drops control characters that would make the file unreadable', () => {
  expect(xmlEscape('a<b & "c"\u0007>')).toBe('a&lt;b &amp; &quot;c&quot;&gt;');
  const xml = junitXml('s', {
    now: new Date(0),
    outcomes: [
      {
        step: { kind: 'verify', name: 'x<y', spec: 's', trigger: 't', path: '/', headers: {}, jaeger: 'j', timeoutSeconds: 1, why: '' },
        status: 'failed',
        durationMs: 1500,
      },
    ],
    verifications: [{ name: 'x<y', spec: 's', passed: false, durationMs: 1, traceIds: [], message: 'bad "shape"', failingServices: [] }],
    skipped: ['relay-chain: no spec'],
  });
  expect(xml).toContain('<testcase classname="s" name="x&lt;y" time="1.500">');
  expect(xml).toContain('<failure message="bad &quot;shape&quot;">bad &quot;shape&quot;</failure>');
  expect(xml).toContain('<testcase classname="s" name="relay-chain" time="0.000">\n      <skipped message="no spec"/>');
  expect(xml).toContain('tests="3" failures="1" errors="0" skipped="1"');
});

test('the CI job summary has one row per case with the first problem', () => {
  const md = summaryMarkdown({
    now: new Date(0),
    outcomes: [
      { step: { kind: 'wait', context: 'c', resources: [], timeoutSeconds: 1, why: '' }, status: 'ok', durationMs: 2000 },
      {
        step: { kind: 'verify', name: 'hotrod', spec: 's', trigger: 't', path: '/', headers: {}, jaeger: 'j', timeoutSeconds: 1, why: '' },
        status: 'failed',
        durationMs: 1000,
      },
    ],
    verifications: [
      { name: 'hotrod', spec: 's', passed: false, durationMs: 1, traceIds: [], message: 'split trace | 2 traces', failingServices: [] },
    ],
    skipped: ['relay-chain: no spec'],
  });
  expect(md.split('\n')).toEqual([
    '### meshtrace smoke',
    '',
    '| check | result | seconds | detail |',
    '| --- | --- | --- | --- |',
    '| bring-up | ✅ passed | 2.0 |  |',
    '| hotrod | ❌ failed | 1.0 | split trace \\| 2 traces |',
    '| relay-chain | ⏭️ skipped | 0.0 | no spec |',
    '',
  ]);
});

describe('collectArtifacts against the loopback API', () => {
  let api: FakeKubeApi;
  let root: string;
  beforeEach(async () => {
    api = new FakeKubeApi();
    await api.start();
    root = mkdtempSync(join(tmpdir(), 'artifacts-'));
  });
  afterEach(async () => {
    await api.close();
    rmSync(root, { recursive: true, force: true });
  });

  test('a failed spec without a blamed hop collects every pod log; istioctl proxy-config for meshed pods', async () => {
    api.pod('bookinfo', 'productpage-v1-a', {
      labels: { app: 'productpage' },
      containers: [{ name: 'productpage' }, { name: 'istio-proxy' }],
    });
    api.pod('hotrod', 'hotrod-1', { labels: { app: 'hotrod' } });
    api.logs.set('bookinfo/productpage-v1-a/productpage', 'pp');
    api.logs.set('bookinfo/productpage-v1-a/istio-proxy', 'envoy');
    api.logs.set('hotrod/hotrod-1/app', 'hotrod');
    const runner = new RecordingRunner().on('istioctl proxy-config', ok('{"listeners":[]}'));
    const step: CollectArtifactsStep = {
      kind: 'collect-artifacts',
      context: 'kind-fake',
      dir: 'out',
      namespaces: ['bookinfo', 'hotrod'],
      collector: { namespace: 'observability', service: 'jaeger-collector', port: 8888 },
      istioctl: true,
      why: '',
    };
    const written = await collectArtifacts({
      kube: new ClientNodeKube(api.kubeConfig()),
      runner,
      step,
      root,
      outcomes: [],
      verifications: [
        { name: 'bookinfo', spec: 'b.yaml', passed: false, durationMs: 1, traceIds: [], message: 'no trace found', failingServices: [] },
      ],
      openForward: async () => {
        throw new Error('no collector in this cluster');
      },
    });
    expect(written).toEqual(
      expect.arrayContaining([
        'out/logs/bookinfo/productpage-v1-a/productpage.log',
        'out/logs/bookinfo/productpage-v1-a/istio-proxy.log',
        'out/logs/hotrod/hotrod-1/app.log',
        'out/proxy-config/bookinfo.productpage-v1-a.listeners.json',
      ]),
    );
    expect(runner.commandLines()).toEqual(['istioctl proxy-config listener productpage-v1-a.bookinfo --context kind-fake --output json']);
    expect(readFileSync(join(root, 'out/collection-errors.txt'), 'utf8')).toContain(
      'collector metrics (jaeger-collector:8888): no collector in this cluster',
    );
    expect(existsSync(join(root, 'out/collector-span-counters.txt'))).toBe(false);
  });
});
