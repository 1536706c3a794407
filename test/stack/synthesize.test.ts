import { mkdtempSync, readFileSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as load } from 'yaml';
import { checkManifests } from '../../src/check/index';
import { loadConfig } from '../../src/config/load';
import { PROFILE_NAMES } from '../../src/config/profile-names';
import { buildStack, listFiles, OWNERSHIP_FILE, synthesize, SynthCheckError } from '../../src/stack/index';

type Obj = Record<string, any>;

describe('synthesize()', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'meshtrace-synth-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test.each(PROFILE_NAMES.map((p) => [p]))('profile %s: writes numbered manifests + install/ and check finds no error', async (profile) => {
    // WHEN
    const outdir = join(root, profile);
    const result = await synthesize({ profile, outdir });
    // THEN
    const files = await listFiles(outdir);
    expect(files[0]).toBe(OWNERSHIP_FILE);
    expect(files).toContain('0000-namespaces.k8s.yaml');
    expect(files).toEqual(expect.arrayContaining(['install/istio-operator.yaml', 'install/istiod-values.yaml']));
    expect(result.findings.filter((f) => f.severity === 'error')).toEqual([]);
    // Namespaces sort first, so a plain `kubectl apply -f dist` creates them before their contents.
    const manifests = files.filter((f) => /\.ya?ml$/.test(f) && !f.startsWith('install/'));
    expect(manifests[0]).toBe('0000-namespaces.k8s.yaml');
    const firstKinds = new Set(
      readFileSync(join(outdir, manifests[0]!), 'utf8')
        .split(/^---$/m)
        .map((d) => (load(d) as Obj).kind),
    );
    expect([...firstKinds]).toEqual(['Namespace']);
  });

  test('the lab stack has the contract Services, the Telemetry naming the installed provider, and Bookinfo', async () => {
    const stack = buildStack(await loadConfig({ profile: 'lab' }));
    const objs = stack.docs.map((d) => d.object as Obj);
    const svc = (name: string) => objs.find((o) => o.kind === 'Service' && o.metadata.name === name);
    expect(svc('jaeger-collector')!.metadata.namespace).toBe('observability');
    expect(svc('jaeger-collector')!.spec.ports.map((p: Obj) => `${p.name}:${p.port}`)).toEqual(
      expect.arrayContaining(['grpc-otlp:4317', 'http-otlp:4318', 'http-zipkin:9411']),
    );
    expect(svc('jaeger-query')!.spec.ports.map((p: Obj) => `${p.name}:${p.port}`)).toEqual(['http-query:16686', 'grpc-query:16685']);
    const telemetry = objs.find((o) => o.kind === 'Telemetry')!;
    const providers = (
      stack.installDocs.find((d) => d.file === 'install/istio-operator.yaml')!.object as Obj
    ).spec.meshConfig.extensionProviders.map((p: Obj) => p.name);
    expect(providers).toContain(telemetry.spec.tracing[0].providers[0].name);
    expect(telemetry.spec.tracing[0].randomSamplingPercentage).toBe(100);
    expect(svc('productpage')!.metadata.namespace).toBe('bookinfo');
    const ns = objs.filter((o) => o.kind === 'Namespace');
    expect(ns.find((n) => n.metadata.name === 'observability')!.metadata.labels).toMatchObject({
      'istio-injection': 'disabled',
      'pod-security.kubernetes.io/enforce': 'restricted',
    });
    expect(ns.find((n) => n.metadata.name === 'bookinfo')!.metadata.labels).toMatchObject({ 'istio-injection': 'enabled' });
  });

  test('the relay chain edge -> a -> b runs in namespace relay and exports to the collector over OTLP/HTTP', async () => {
    const stack = buildStack(await loadConfig({ profile: 'lab' }));
    const objs = stack.docs.filter((d) => d.file.endsWith('-relay.k8s.yaml')).map((d) => d.object as Obj);
    const deployments = objs.filter((o) => o.kind === 'Deployment');
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(['a', 'b', 'edge']);
    for (const o of objs) expect(o.metadata.namespace).toBe('relay');
    const args = (name: string) => deployments.find((d) => d.metadata.name === name)!.spec.template.spec.containers[0].args.join(' ');
    expect(args('edge')).toContain('--upstream http://a:8080');
    expect(args('a')).toContain('--upstream http://b:8080');
    expect(args('b')).not.toContain('--upstream');
    expect(args('edge')).toContain('--otlp-endpoint http://jaeger-collector.observability.svc.cluster.local:4318');
    const ns = stack.docs.map((d) => d.object as Obj).find((o) => o.kind === 'Namespace' && o.metadata.name === 'relay')!;
    expect(ns.metadata.labels).toMatchObject({ 'istio-injection': 'enabled', 'pod-security.kubernetes.io/warn': 'restricted' });
    const prod = buildStack(await loadConfig({ profile: 'production' }));
    expect(prod.files.map((f) => f.path).filter((p) => p.includes('relay'))).toEqual([]);
  });

  test('relay hops come from the config; bad faults and cycles are refused with the hop named', async () => {
    const { parseConfig } = await import('../../src/config/load');
    const custom = buildStack(
      parseConfig({
        namespaces: { relay: 'hops' },
        relay: { meshed: false, hops: [{ name: 'front', upstreams: ['back'], faults: ['delay=50ms'] }, { name: 'back' }] },
      }),
    );
    const deps = custom.docs.map((d) => d.object as Obj).filter((o) => o.kind === 'Deployment' && o.metadata.namespace === 'hops');
    expect(deps.map((d) => d.metadata.name).sort()).toEqual(['back', 'front']);
    expect(deps.find((d) => d.metadata.name === 'front')!.spec.template.spec.containers[0].args).toEqual(
      expect.arrayContaining(['--fault', 'delay=50ms']),
    );
    // A bad fault is a config problem with its path (the construct would refuse it too).
    expect(() => parseConfig({ relay: { hops: [{ name: 'x', faults: ['explode'] }] } })).toThrow(
      /relay\.hops\[0\]\.faults\[0\]: "explode" is not a fault \(unknown fault "explode"\)/,
    );
    // A cycle passes the schema and is refused by the RelayChain construct.
    expect(() =>
      buildStack(
        parseConfig({
          relay: {
            hops: [
              { name: 'x', upstreams: ['y'] },
              { name: 'y', upstreams: ['x'] },
            ],
          },
        }),
      ),
    ).toThrow(/RelayChain: hops is "x → y → x"; allowed: a graph without cycles/);
  });

  test('every Service port is protocol-named (Istio protocol selection)', async () => {
    for (const profile of PROFILE_NAMES) {
      const stack = buildStack(await loadConfig({ profile }));
      for (const o of stack.docs.map((d) => d.object as Obj).filter((x) => x.kind === 'Service')) {
        for (const p of o.spec.ports)
          expect(`${o.metadata.name}/${p.name}`).toMatch(/\/(http|http2|https|grpc|grpc-web|tcp|tls|mongo|mysql|redis|udp)(-.*)?$/);
      }
    }
  });

  test('deterministic: two synths of the same config are byte-identical', async () => {
    const a = join(root, 'det-a');
    const b = join(root, 'det-b');
    await synthesize({ profile: 'lab', outdir: a });
    await synthesize({ profile: 'lab', outdir: b });
    const files = await listFiles(a);
    expect(await listFiles(b)).toEqual(files);
    for (const f of files) expect([f, readFileSync(join(b, f), 'utf8')]).toEqual([f, readFileSync(join(a, f), 'utf8')]);
  });

  test('checkManifests sees the same documents the writer wrote', async () => {
    const outdir = join(root, 'lab-docs');
    const result = await synthesize({ profile: 'lab', outdir });
    for (const doc of result.stack.docs) {
      const written = readFileSync(join(outdir, doc.file), 'utf8')
        .split(/^---$/m)
        .map((d) => load(d));
      expect(written[doc.index]).toEqual(doc.object);
    }
    expect(await checkManifests(result.stack.docs, { installDocs: result.stack.installDocs })).toEqual(result.findings);
  });

  test('an error finding fails the synth and writes nothing', async () => {
    // GIVEN a provider that points at a Service the stack does not have
    const config = join(root, 'bad-provider.yaml');
    writeFileSync(config, 'istio:\n  provider:\n    service: missing.observability.svc.cluster.local\n');
    const outdir = join(root, 'never');
    // WHEN / THEN
    await expect(synthesize({ config, outdir })).rejects.toThrow(SynthCheckError);
    await expect(synthesize({ config, outdir })).rejects.toMatchObject({
      findings: expect.arrayContaining([expect.objectContaining({ severity: 'error', file: 'install/istio-operator.yaml' })]),
    });
    expect(existsSync(outdir)).toBe(false);
  });
});
