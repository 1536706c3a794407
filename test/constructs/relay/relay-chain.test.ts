import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing } from 'cdk8s';
import { stringify as dump } from 'yaml';
import { request } from 'undici';
import { checkManifests } from '../../../src/check';
import { DEFAULT_RELAY_OTLP_ENDPOINT, RelayChain, relayArgs, validateRelayHops, type RelayChainProps } from '../../../src/constructs/relay';
import type { RelayBundle } from '../../../src/constructs/relay/relay-chain';
import { readRelayBundle, relayBundle } from '../../../src/stack/relay-bundle';
import { startJsonReceiver } from '../../relay/helpers/otlp-json-receiver';

/** A small stand-in so the defaults snapshot does not change with every relay source edit. */
const FAKE_BUNDLE: RelayBundle = { gzipped: Buffer.from('fake-gzip'), minifiedBytes: 9, loader: '// loader\n' };

type Obj = Record<string, any>;

function synth(props: Partial<RelayChainProps> = {}): Obj[] {
  const chart = Testing.chart();
  new RelayChain(chart, 'relay', { bundle: FAKE_BUNDLE, ...props });
  return Testing.synth(chart) as Obj[];
}

const find = (objs: Obj[], kind: string, name: string): Obj => objs.find((o) => o.kind === kind && o.metadata.name === name)!;

describe('RelayChain', () => {
  test('defaults (snapshot): edge → a → b', () => {
    expect(synth()).toMatchSnapshot();
  });

  test('contract: Services with http- port names, pinned official Node image, OTLP to jaeger-collector, probes', () => {
    // GIVEN the default chain
    const objs = synth();
    // THEN each hop has a Service named after it with http-prefixed ports
    for (const name of ['edge', 'a', 'b']) {
      expect(find(objs, 'Service', name).spec.ports.map((p: Obj) => [p.name, p.port])).toEqual([
        ['http-relay', 8080],
        ['http-admin', 9901],
      ]);
      const pod = find(objs, 'Deployment', name).spec.template.spec;
      const c = pod.containers[0];
      expect(c.image).toMatch(/^node:24\.\d+\.\d+-alpine$/);
      expect(c.command).toEqual(['node', '/opt/meshtrace-relay/loader.cjs']);
      expect(c.args).toEqual(
        expect.arrayContaining(['--otlp-endpoint', DEFAULT_RELAY_OTLP_ENDPOINT, '--service-name', name, '--listen', '0.0.0.0:8080']),
      );
      expect(c.readinessProbe.httpGet).toMatchObject({ path: '/readyz', port: 9901 });
      expect(c.livenessProbe.httpGet).toMatchObject({ path: '/healthz', port: 9901 });
      expect(c.volumeMounts).toEqual([{ mountPath: '/opt/meshtrace-relay', name: 'relay-bundle', readOnly: true }]);
      expect(pod.volumes).toEqual([{ name: 'relay-bundle', configMap: { name: 'relay-bundle' } }]);
    }
    // AND the chain is wired by Service name
    expect(find(objs, 'Deployment', 'edge').spec.template.spec.containers[0].args).toEqual(
      expect.arrayContaining(['--upstream', 'http://a:8080']),
    );
    expect(find(objs, 'Deployment', 'b').spec.template.spec.containers[0].args).not.toContain('--upstream');
  });

  test("restricted pod security and no other error from the project's checker", async () => {
    // GIVEN the default chain as manifest documents
    const objs = synth();
    const pod = find(objs, 'Deployment', 'edge').spec.template.spec;
    // THEN the restricted rules hold at pod and container level
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.containers[0].securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    // AND `meshtrace check` finds no error in them
    const findings = await checkManifests(objs.map((object, index) => ({ file: 'relay.k8s.yaml', index, object })));
    expect(findings.filter((f) => f.severity === 'error')).toEqual([]);
  });

  test('a DAG hop fans out; faults, propagation and attributes become flags', () => {
    // GIVEN productpage → {details, reviews → ratings}
    const objs = synth({
      hops: [
        { name: 'productpage', upstreams: ['details', 'reviews'] },
        { name: 'details', faults: ['delay=200ms'] },
        {
          name: 'reviews',
          upstreams: ['ratings'],
          propagate: ['w3c', 'b3multi'],
          accept: ['w3c'],
          baggageAttributes: ['tenant'],
          spanAttributes: { 'lab.step': '03' },
        },
        { name: 'ratings', faults: ['drop-context'] },
      ],
      sampleRate: 0.5,
    });
    const args = (name: string): string[] => find(objs, 'Deployment', name).spec.template.spec.containers[0].args;
    expect(args('productpage')).toEqual(expect.arrayContaining(['--upstream', 'http://details:8080', '--fanout', '--sample-rate', '0.5']));
    expect(args('productpage').filter((a) => a === '--upstream')).toHaveLength(2);
    expect(args('details')).toEqual(expect.arrayContaining(['--fault', 'delay=200ms']));
    expect(args('reviews')).toEqual(
      expect.arrayContaining([
        '--propagate',
        'w3c,b3multi',
        '--accept',
        'w3c',
        '--baggage-attribute',
        'tenant',
        '--span-attribute',
        'lab.step=03',
      ]),
    );
    expect(args('reviews')).not.toContain('--fanout');
  });

  test("the old format name b3single becomes the relay's b3 in the pod args (no deprecation notice in every pod)", () => {
    const objs = synth({ hops: [{ name: 'a', propagate: ['w3c', 'b3single'], accept: ['b3single', 'b3multi'] }] });
    const args: string[] = find(objs, 'Deployment', 'a').spec.template.spec.containers[0].args;
    expect(args).toEqual(expect.arrayContaining(['--propagate', 'w3c,b3', '--accept', 'b3,b3multi']));
  });

  test.each([
    [
      [
        { name: 'a', upstreams: ['b'] },
        { name: 'b', upstreams: ['a'] },
      ],
      'RelayChain: hops is "a → b → a"; allowed: a graph without cycles',
    ],
    [[{ name: 'a', upstreams: ['nope'] }], 'RelayChain: hops[0].upstreams is "nope"; allowed: the name of another hop (a)'],
    [[{ name: 'Edge' }], 'RelayChain: hops[0].name is "Edge"; allowed: an RFC 1123 label'],
    [[{ name: 'a' }, { name: 'a' }], 'RelayChain: hops[1].name is "a"; allowed: a name not used by another hop'],
    [[{ name: 'a', faults: ['status=9'] }], 'RelayChain: hops[0].faults[0] is "status=9"; --fault: invalid value "status=9"'],
    [[{ name: 'a', propagate: ['zipkin'] }], 'RelayChain: hops[0].propagate is "zipkin"; allowed: w3c, b3, b3multi, jaeger, baggage'],
    [[{ name: 'a', accept: ['xray'] }], 'RelayChain: hops[0].accept is "xray"; allowed: w3c, b3, b3multi, jaeger, baggage'],
    [
      [{ name: 'a', baggageAttributes: ['has space'] }],
      'RelayChain: hops[0].baggageAttributes is "has space"; allowed: a baggage key of letters, digits, "_", "." and "-"',
    ],
    [[], 'RelayChain: hops is []; allowed: at least one hop'],
  ])('bad hops are refused with the field, the value and what is allowed (%#)', (hops, message) => {
    expect(() => validateRelayHops(hops)).toThrow(message);
  });

  test('relayArgs for a leaf', () => {
    expect(relayArgs({ name: 'b' }, 'http://c:4318', 1)).toEqual([
      'relay',
      '--listen',
      '0.0.0.0:8080',
      '--admin-listen',
      '0.0.0.0:9901',
      '--service-name',
      'b',
      '--otlp-endpoint',
      'http://c:4318',
    ]);
  });
});

describe('relay bundle (the real one)', () => {
  let bundle: RelayBundle;
  beforeAll(() => {
    bundle = relayBundle();
  });

  test('a folder without the built bundle is an error naming the file and the command that builds it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-bundle-missing-'));
    try {
      expect(() => readRelayBundle(dir)).toThrow(
        `relay bundle: cannot read ${join(dir, 'relay.cjs.gz')} (ENOENT); it is written by \`npm run build\``,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('fits a ConfigMap that kubectl apply can annotate: gzip and the whole object well under 256 KiB', () => {
    // GIVEN the chain with the real bundle
    const chart = Testing.chart();
    new RelayChain(chart, 'relay', { bundle });
    const configMap = (Testing.synth(chart) as Obj[]).find((o) => o.kind === 'ConfigMap')!;
    // THEN the gzip is small and the applied object (what last-applied-configuration copies) is < 256 KiB
    expect(bundle.gzipped.length).toBeLessThan(150 * 1024);
    const applied = Buffer.byteLength(JSON.stringify(configMap));
    expect(applied).toBeLessThan(256 * 1024);
    expect(Buffer.byteLength(dump(configMap))).toBeLessThan(256 * 1024);
  });

  test('the unpacked bundle runs: the loader starts the relay, it forwards, exports spans, drains on SIGTERM', async () => {
    // GIVEN the ConfigMap's two files in a folder (as the volume mount would show them) and a receiver
    const dir = mkdtempSync(join(tmpdir(), 'relay-bundle-'));
    writeFileSync(join(dir, 'relay.cjs.gz'), bundle.gzipped);
    writeFileSync(join(dir, 'loader.cjs'), bundle.loader);
    const receiver = await startJsonReceiver();
    // WHEN node runs the loader with the relay flags
    const child = spawn(
      process.execPath,
      [
        join(dir, 'loader.cjs'),
        'relay',
        '--listen',
        '127.0.0.1:0',
        '--service-name',
        'bundled',
        '--otlp-endpoint',
        receiver.url,
        '--otlp-protocol',
        'http/json',
        '--admin-listen',
        '127.0.0.1:0',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (c: Buffer) => {
          out += c.toString();
          const m = /listening on (http:\/\/\S+)/.exec(out);
          if (m) resolve(m[1]);
        });
        child.once('exit', (code) => reject(new Error(`bundle exited ${code}`)));
      });
      const res = await request(url, { headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } });
      // THEN it answers as a leaf, and on SIGTERM exits 0 after exporting the span
      expect(res.statusCode).toBe(200);
      expect(await res.body.json()).toEqual({ service: 'bundled', traceId: '4bf92f3577b34da6a3ce929d0e0e4736' });
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(receiver.spans.map((s) => [s.service, s.traceId, s.parentSpanId])).toEqual([
        ['bundled', '4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7'],
      ]);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await receiver.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
